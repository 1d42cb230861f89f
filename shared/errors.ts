import { z } from 'zod';

/**
 * Error codes that cross process boundaries (IPC, CLI JSON output).
 * Main-process error classes carry one of these; the renderer switches on them.
 */
export const appErrorCodes = [
  'AUTH_REQUIRED',
  'AUTH_REFRESH_FAILED',
  'SIGNIN_REQUIRED',
  'PERMISSION_DENIED',
  'APPROVAL_REQUIRED',
  'KEYCHAIN_UNAVAILABLE',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_INVALID',
  'NOT_FOUND',
  'ARCHIVED',
  'VALIDATION',
  'CASE_REFERENCE_REQUIRED',
  'AUDIT_UNAVAILABLE',
  'STORAGE',
  'CANCELLED',
  'INTERNAL',
] as const;

export type AppErrorCode = (typeof appErrorCodes)[number];

export const appErrorPayloadSchema = z.object({
  code: z.enum(appErrorCodes),
  message: z.string(),
  retryable: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export type AppErrorPayload = z.infer<typeof appErrorPayloadSchema>;
