import type { IncomingMessage } from 'node:http';
import type { Models } from 'purecloud-platform-client-v2';

/** HTTP helpers shared by the sandbox's handlers: Genesys-style errors, JSON replies, body and query parsing. */

export type ErrorDetail = Models.Detail;

export type JsonReply = {
  status: number;
  /** Omitted for empty replies. */
  body?: unknown;
  headers?: Record<string, string>;
};

/** Thrown by handlers; the server turns it into an `ErrorBody` reply with the request's correlation id. */
export class SandboxHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Array<ErrorDetail> = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'SandboxHttpError';
  }
}

export const badRequest = (message: string, details?: Array<ErrorDetail>): SandboxHttpError =>
  new SandboxHttpError(400, 'bad.request', message, details);

export const notFound = (message = 'The requested operation failed with status 404'): SandboxHttpError =>
  new SandboxHttpError(404, 'not.found', message);

export function errorBody(status: number, code: string, message: string, contextId: string, details: Array<ErrorDetail> = []): Models.ErrorBody {
  return { message, code, status, contextId, details, errors: [] };
}

/** Headers Genesys sends on API responses besides the rate-limit ones. */
export const NO_CACHE_HEADERS: Record<string, string> = {
  'cache-control': 'no-cache, no-store, must-revalidate',
  pragma: 'no-cache',
  expires: '0',
};

export const REQUEST_BYTES_MAX = 512_000;

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage, limit = REQUEST_BYTES_MAX): Promise<Buffer> {
  const chunks: Array<Buffer> = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) tooLarge = true;
    else chunks.push(buffer);
  }
  if (tooLarge) throw new BodyTooLargeError(`request body exceeds ${limit} bytes`);
  return Buffer.concat(chunks);
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw badRequest(`The request body is not valid JSON: ${(error as Error).message}`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown, what = 'request body'): Record<string, unknown> {
  if (!isRecord(value)) throw badRequest(`The ${what} must be a JSON object.`);
  return value;
}

/** Array query parameters arrive comma-joined from the SDK, or as repeated keys from other clients: accept both. */
export function queryList(query: URLSearchParams, name: string): Array<string> {
  return query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

export function queryInt(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SandboxHttpError(400, 'invalid.value', `${name} must be an integer between ${min} and ${max}, got "${raw}".`, [{ fieldName: name }]);
  }
  return value;
}

export function queryBool(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new SandboxHttpError(400, 'invalid.value', `${name} must be true or false, got "${raw}".`, [{ fieldName: name }]);
}

/** Parses an ISO-8601 instant; rejects the date-only and free-form strings Date.parse would accept. */
export function parseInstant(value: unknown, field: string): number {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    throw new SandboxHttpError(400, 'invalid.date', `${field} must be an ISO-8601 date-time with a zone, got ${JSON.stringify(value)}.`, [{ fieldName: field }]);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new SandboxHttpError(400, 'invalid.date', `${field} is not a valid date-time: ${value}.`, [{ fieldName: field }]);
  return ms;
}

/** An ISO-8601 interval "start/end". */
export function parseInterval(value: unknown, field = 'interval'): { start: number; end: number } {
  if (typeof value !== 'string' || value.split('/').length !== 2) {
    throw new SandboxHttpError(400, 'invalid.date', `${field} must be an ISO-8601 interval "start/end", got ${JSON.stringify(value)}.`, [{ fieldName: field }]);
  }
  const [startText, endText] = value.split('/') as [string, string];
  const start = parseInstant(startText, `${field} start`);
  const end = parseInstant(endText, `${field} end`);
  if (end <= start) throw new SandboxHttpError(400, 'invalid.date', `${field} must end after it starts.`, [{ fieldName: field }]);
  return { start, end };
}

export function encodeCursor(payload: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (isRecord(value)) return value;
  } catch {
    // fall through to the error below
  }
  throw new SandboxHttpError(400, 'invalid.value', 'The cursor is not valid.', [{ fieldName: 'cursor' }]);
}

/** The paged-listing envelope of Genesys "EntityListing" responses. */
/** The paging fields every Genesys `*EntityListing` model shares. */
export type EntityListing<T> = {
  entities: Array<T>;
  pageSize: number;
  pageNumber: number;
  total: number;
  pageCount: number;
  firstUri: string;
  selfUri: string;
  lastUri: string;
  nextUri?: string;
  previousUri?: string;
};

export function entityListing<T>(items: ReadonlyArray<T>, path: string, pageSize: number, pageNumber: number): EntityListing<T> {
  const total = items.length;
  const pageCount = Math.ceil(total / pageSize);
  const uri = (page: number): string => `${path}?pageSize=${pageSize}&pageNumber=${page}`;
  const listing: EntityListing<T> = {
    entities: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
    pageSize,
    pageNumber,
    total,
    pageCount,
    firstUri: uri(1),
    selfUri: uri(pageNumber),
    lastUri: uri(Math.max(1, pageCount)),
  };
  if (pageNumber < pageCount) listing.nextUri = uri(pageNumber + 1);
  if (pageNumber > 1) listing.previousUri = uri(pageNumber - 1);
  return listing;
}
