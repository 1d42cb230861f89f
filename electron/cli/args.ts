import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ValidationError } from '../services/errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags with typed accessors. */
export type Flags = {
  string(name: string): string | undefined;
  strings(name: string): Array<string>;
  bool(name: string): boolean;
  positionals: Array<string>;
};

/** Strict flag parsing: an unknown or malformed flag is a clear error naming it, never ignored. */
export function parseFlags(argv: ReadonlyArray<string>, options: Options, usage: string): Flags {
  let values: Record<string, unknown>;
  let positionals: Array<string>;
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true }));
  } catch (error) {
    throw new ValidationError(`${(error as Error).message}\n\nUsage: ${usage}`);
  }
  return {
    string: (name) => (typeof values[name] === 'string' ? (values[name] as string) : undefined),
    strings: (name) => (Array.isArray(values[name]) ? (values[name] as Array<string>) : []),
    bool: (name) => values[name] === true,
    positionals,
  };
}

export function requireFlag(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value.trim() === '') throw new ValidationError(`${flag} is required.\n\nUsage: ${usage}`);
  return value;
}

export function intFlag(value: string | undefined, flag: string, range: { min: number; max: number }): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < range.min || n > range.max) {
    throw new ValidationError(`${flag} must be a whole number from ${range.min} to ${range.max}, not "${value}".`);
  }
  return n;
}

/** Accepts an ISO date or date-time; a bare date means midnight UTC. */
export function isoFlag(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const normalized = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const ms = Date.parse(normalized);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new ValidationError(`${flag} must be an ISO 8601 date or date-time (e.g. 2026-11-01 or 2026-11-01T09:00:00Z), not "${value}".`);
  }
  return new Date(ms).toISOString();
}
