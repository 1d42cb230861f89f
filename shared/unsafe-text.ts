import { z } from 'zod';

/**
 * Characters that can make text say something other than what it holds: C0/C1 controls (ESC opens
 * CSI and OSC terminal sequences, CR overwrites a line), the bidi embeddings, overrides, isolates and
 * marks (U+202E shows "gnp.exe" as "exe.png"), and the Unicode line and paragraph separators.
 */
const UNSAFE_CHARACTER = /[\p{Cc}\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const UNSAFE_CHARACTERS = new RegExp(UNSAFE_CHARACTER.source, 'gu');

export function hasUnsafeText(text: string): boolean {
  return UNSAFE_CHARACTER.test(text);
}

const escapeCharacter = (character: string): string => {
  const code = character.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** Shows each unsafe character as a visible escape (`\x1b`, `\u202e`); other text is unchanged. */
export function escapeUnsafeText(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(UNSAFE_CHARACTERS, (c) => (options.keepNewlines && c === '\n' ? c : escapeCharacter(c)));
}

/**
 * JSON text with each unsafe character written as JSON's own `\uXXXX` escape: the same value when parsed,
 * on one line, with nothing that hides or reorders text (canonical JSON has none outside its strings).
 */
export function escapeUnsafeJson(json: string): string {
  return json.replace(UNSAFE_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text from outside (Genesys names, attributes), stored with its unsafe characters made visible. */
export const externalTextSchema = z.string().transform((text) => escapeUnsafeText(text));

/** Printable text: what an officer may type into a field; controls and bidi controls (U+202E...) are refused. */
export const printableTextSchema = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((text) => !hasUnsafeText(text), 'must not contain control characters');

/** JSON text with unsafe characters as \u escapes: the same value, but inert on a terminal. */
export function unsafeTextFreeJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_CHARACTERS, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
