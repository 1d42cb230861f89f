import type { z } from 'zod';
import type { AppErrorCode, AppErrorPayload } from '../../shared/errors';

/** An expected failure with a code the UI and CLI understand. Chain the underlying error as `cause`. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  constructor(
    code: AppErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

export class AuthError extends AppError {
  constructor(message: string, options: { cause?: unknown; code?: 'AUTH_REQUIRED' | 'AUTH_REFRESH_FAILED' } = {}) {
    super(options.code ?? 'AUTH_REQUIRED', message, { cause: options.cause });
  }
}

/** An officer's action with nobody signed in, or with a sign-in that Genesys no longer honours. */
export class SignInRequiredError extends AppError {
  constructor(message = 'No officer is signed in. Run "custody signin" (or sign in in the app) first.', cause?: unknown) {
    super('SIGNIN_REQUIRED', message, { cause });
  }
}

/** The signed-in officer lacks a Genesys permission the action needs; the message names it. */
export class PermissionDeniedError extends AppError {
  constructor(
    readonly action: string,
    readonly missing: ReadonlyArray<string>,
    officerName: string,
  ) {
    super('PERMISSION_DENIED', `${officerName} may not ${action}: missing Genesys permission ${missing.join(', ')}.`, {
      details: { action, missing: [...missing] },
    });
  }
}

/** A four-eyes action without a valid approval from a second signed-in officer. */
export class ApprovalRequiredError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('APPROVAL_REQUIRED', message, { details });
  }
}

export class KeychainError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('KEYCHAIN_UNAVAILABLE', message, { cause });
  }
}

export class HttpError extends AppError {
  readonly status: number;
  readonly endpoint: string;
  constructor(status: number, endpoint: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(status === 404 ? 'NOT_FOUND' : 'UPSTREAM_UNAVAILABLE', message, {
      cause: options.cause,
      retryable: options.retryable ?? (status >= 500 || status === 408),
      details: { status, endpoint },
    });
    this.status = status;
    this.endpoint = endpoint;
  }
}

export class RateLimitError extends AppError {
  readonly retryAfterMs: number | null;
  constructor(endpoint: string, retryAfterMs: number | null, cause?: unknown) {
    super('RATE_LIMITED', `Genesys rate limit reached on ${endpoint}`, {
      retryable: true,
      cause,
      details: { endpoint, retryAfterMs },
    });
    this.retryAfterMs = retryAfterMs;
  }
}

/** A network-level failure (reset, refused, timeout): always worth another attempt. */
export class NetworkError extends AppError {
  constructor(endpoint: string, cause?: unknown) {
    super('UPSTREAM_UNAVAILABLE', `Could not reach Genesys (${endpoint}): ${describeCause(cause)}`, {
      retryable: true,
      cause,
      details: { endpoint },
    });
  }
}

/** A response that does not have the shape the API documents. */
export class InvalidResponseError extends AppError {
  constructor(endpoint: string, problem: string, cause?: unknown) {
    super('UPSTREAM_INVALID', `Malformed response from ${endpoint}: ${problem}`, {
      retryable: true,
      cause,
      details: { endpoint },
    });
  }
}

export class StorageError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('STORAGE', message, { cause });
  }
}

/** The WORM audit write failed; the access it was guarding must not happen. */
export class AuditUnavailableError extends AppError {
  constructor(message: string, cause?: unknown, options: { retryable?: boolean; details?: Record<string, unknown> } = {}) {
    super('AUDIT_UNAVAILABLE', message, { cause, retryable: options.retryable ?? true, details: options.details });
  }
}

/**
 * A request to the WORM store (S3 Object Lock) failed, or the store is not set up for WORM.
 * `unavailable`: the store could not be reached or answered 5xx (worth a retry); otherwise it refused.
 */
export class WormStoreError extends AppError {
  readonly endpoint: string;
  readonly unavailable: boolean;
  constructor(endpoint: string, message: string, options: { unavailable: boolean; cause?: unknown; status?: number }) {
    super(options.unavailable ? 'UPSTREAM_UNAVAILABLE' : 'STORAGE', message, {
      cause: options.cause,
      retryable: options.unavailable,
      details: { endpoint, ...(options.status === undefined ? {} : { status: options.status }) },
    });
    this.endpoint = endpoint;
    this.unavailable = options.unavailable;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VALIDATION', message, { details });
  }
}

/** `value` as `schema` reads it, or a ValidationError naming `what` and each problem. */
export function validated<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`${what}: ${parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ')}`);
  return parsed.data;
}

export function describeCause(cause: unknown): string {
  if (cause instanceof AppError) return cause.message;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    // Node's system errors usually repeat their code in the message ("connect ECONNREFUSED ...").
    return typeof code === 'string' && !cause.message.includes(code) ? `${code} ${cause.message}`.trim() : cause.message;
  }
  return String(cause);
}

/** Anything thrown becomes a payload; unknown errors become INTERNAL without leaking internals. */
export function toErrorPayload(error: unknown): AppErrorPayload {
  if (error instanceof AppError) {
    return {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.details ? { details: error.details } : {}),
    };
  }
  return { code: 'INTERNAL', message: 'An internal error occurred; see the log for details.', retryable: false };
}
