import { describe, expect, it } from 'vitest';
import { caseReferenceSchema, searchQuerySchema } from '../../../shared/domain';
import { escapeUnsafeText, externalTextSchema, hasUnsafeText, unsafeTextFreeJson } from '../../../shared/unsafe-text';

const hostile = {
  osc: '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007',
  eraseLine: 'ok\r\u001b[2Kforged',
  c1: 'csi\u009b31m',
  bidi: 'invoice\u202egnp.exe',
  isolates: 'a\u2066b\u2069c\u200f',
};

describe('unsafe text', () => {
  it.each(Object.entries(hostile))('finds and escapes %s', (_, text) => {
    expect(hasUnsafeText(text)).toBe(true);
    const escaped = escapeUnsafeText(text);
    expect(hasUnsafeText(escaped)).toBe(false);
    expect(escapeUnsafeText(escaped)).toBe(escaped);
  });

  it('shows each character as a readable escape, newlines kept only when asked', () => {
    expect(escapeUnsafeText(hostile.eraseLine)).toBe('ok\\x0d\\x1b[2Kforged');
    expect(escapeUnsafeText(hostile.bidi)).toBe('invoice\\u202egnp.exe');
    expect(escapeUnsafeText('a\nb', { keepNewlines: true })).toBe('a\nb');
    expect(escapeUnsafeText('Ünïcödé — names')).toBe('Ünïcödé — names');
  });

  it('JSON keeps the value and holds no raw unsafe character', () => {
    const json = unsafeTextFreeJson({ name: `${hostile.c1}${hostile.bidi}` });
    expect(hasUnsafeText(json)).toBe(false);
    expect(JSON.parse(json)).toEqual({ name: `${hostile.c1}${hostile.bidi}` });
  });

  it('is refused in what an officer types (printable) and escaped in what Genesys sends', () => {
    expect(caseReferenceSchema.safeParse('FCA\u202e-2026').success).toBe(false);
    expect(searchQuerySchema.safeParse({ text: `x${hostile.osc}` }).success).toBe(false);
    expect(caseReferenceSchema.safeParse('FCA-2026-0042').success).toBe(true);
    expect(externalTextSchema.parse(hostile.bidi)).toBe('invoice\\u202egnp.exe');
  });
});
