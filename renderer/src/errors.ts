import { assertNever } from '../../shared/assert';
import type { AppErrorCode } from '../../shared/errors';
import { CustodyError, type CustodyApi } from '../../shared/ipc/client';

export type FieldIssue = { field: string | null; message: string };

/** An error as the UI shows it: a code to switch on, a headline, the message and, when checked here, per-field issues. */
export type UiError = { code: AppErrorCode; title: string; message: string; issues: Array<FieldIssue> };

export function issuesFromZod(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): Array<FieldIssue> {
  return issues.map((issue) => ({ field: issue.path.length > 0 ? String(issue.path[0]) : null, message: issue.message }));
}

export function toUiError(error: unknown): UiError {
  if (error instanceof CustodyError) {
    return { code: error.code, title: titleFor(error.code), message: error.message, issues: missingPermissionIssues(error) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', title: titleFor('INTERNAL'), message, issues: [] };
}

/** A PERMISSION_DENIED names each Genesys permission the officer lacks (its details' `missing`), one line each. */
function missingPermissionIssues(error: CustodyError): Array<FieldIssue> {
  const missing = error.code === 'PERMISSION_DENIED' ? error.details?.missing : undefined;
  if (!Array.isArray(missing)) return [];
  return missing.filter((p): p is string => typeof p === 'string').map((permission) => ({ field: null, message: `Missing Genesys permission: ${permission}` }));
}

export function isCustodyError(error: unknown, code: AppErrorCode): error is CustodyError {
  return error instanceof CustodyError && error.code === code;
}

/** Expected errors become UI state; anything else is also written to main's log, with its stack. */
export async function logIfUnexpected(api: CustodyApi, scope: string, error: unknown): Promise<void> {
  if (error instanceof CustodyError) return;
  try {
    await api.logWrite({
      level: 'error',
      message: `renderer/${scope}: ${error instanceof Error ? error.message : String(error)}`,
      fields: { stack: error instanceof Error ? error.stack : undefined },
    });
  } catch {
    // A failing log write must not replace the error the officer is already being shown.
  }
}

export function titleFor(code: AppErrorCode): string {
  switch (code) {
    case 'VALIDATION':
      return 'Check the input';
    case 'AUTH_REQUIRED':
      return 'Sign-in to Genesys Cloud required';
    case 'AUTH_REFRESH_FAILED':
      return 'Genesys Cloud session expired';
    case 'SIGNIN_REQUIRED':
      return 'Sign in with your Genesys Cloud account';
    case 'PERMISSION_DENIED':
      return 'Your Genesys Cloud account lacks a permission for this';
    case 'APPROVAL_REQUIRED':
      return 'A second officer must approve this first';
    case 'KEYCHAIN_UNAVAILABLE':
      return 'The OS keychain is unavailable';
    case 'RATE_LIMITED':
      return 'Genesys Cloud rate limit reached — try again shortly';
    case 'UPSTREAM_UNAVAILABLE':
      return 'Genesys Cloud could not be reached';
    case 'UPSTREAM_INVALID':
      return 'Genesys Cloud sent an unexpected response';
    case 'NOT_FOUND':
      return 'Not found';
    case 'ARCHIVED':
      return 'Archived in Genesys Cloud — restore it before playing';
    case 'CASE_REFERENCE_REQUIRED':
      return 'A case reference is required';
    case 'AUDIT_UNAVAILABLE':
      return 'The audit log is unavailable';
    case 'STORAGE':
      return 'Local storage error';
    case 'CANCELLED':
      return 'Cancelled';
    case 'INTERNAL':
      return 'Unexpected error';
    default:
      return assertNever(code, 'unknown error code');
  }
}
