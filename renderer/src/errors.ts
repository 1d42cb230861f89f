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

/**
 * What the officer was doing when an error came, so its words can say what was not done and how to
 * do it again. `unrecorded` says why nothing happens without the audit record.
 */
export type Attempt = { notDone: string; unrecorded: string; retry: string };

export const attempts = {
  play: { notDone: 'nothing was played', unrecorded: 'Custody plays nothing it cannot record first', retry: 'press Play again' },
  search: { notDone: 'nothing was searched', unrecorded: 'Custody searches nothing it cannot record first', retry: 'search again' },
  download: { notDone: 'nothing was downloaded', unrecorded: 'Custody downloads nothing it cannot record first', retry: 'start it again' },
  export: { notDone: 'no pack was written', unrecorded: 'Custody exports nothing it cannot record first', retry: 'build the pack again' },
  other: { notDone: 'nothing was changed', unrecorded: 'Custody does nothing it cannot record first', retry: 'try again' },
} as const satisfies Record<string, Attempt>;

/** An error in the officer's words: what happened and what was not done, then what to do next. */
export type ErrorWords = { summary: string; next: string };

export function wordsFor(code: AppErrorCode, attempt: Attempt = attempts.other): ErrorWords {
  const said = (happened: string, todo: string, why?: string): ErrorWords => ({
    summary: `${happened}, so ${attempt.notDone}${why ? ` (${why})` : ''}.`,
    next: `${todo}; then ${attempt.retry}.`,
  });
  switch (code) {
    case 'AUDIT_UNAVAILABLE':
      return said('The WORM audit log could not be reached', 'Check the network or ask IT to check the audit store', attempt.unrecorded);
    case 'UPSTREAM_UNAVAILABLE':
      return said('Genesys Cloud could not be reached', 'Check the network, or wait while Genesys Cloud reports an outage');
    case 'UPSTREAM_INVALID':
      return said('Genesys Cloud sent an answer Custody could not use', 'If it happens again, send the technical detail below to IT');
    case 'RATE_LIMITED':
      return said('Genesys Cloud asked Custody to slow down (its rate limit)', 'Wait a minute');
    case 'AUTH_REQUIRED':
      return said('This profile has no Genesys Cloud service credentials', 'Ask IT to run "custody login" for this profile');
    case 'AUTH_REFRESH_FAILED':
      return said("Genesys Cloud refused this profile's service credentials", 'Ask IT to check the OAuth client ("custody login")');
    case 'SIGNIN_REQUIRED':
      return said('Your Genesys Cloud sign-in has ended', 'Sign in again');
    case 'PERMISSION_DENIED':
      return said('Your Genesys Cloud account lacks a permission this needs', 'Ask your Genesys administrator for the permission named here');
    case 'APPROVAL_REQUIRED':
      return said("This needs a second officer's approval first", 'Request the approval and wait for a second officer to give it');
    case 'KEYCHAIN_UNAVAILABLE':
      return said("The operating system's keychain could not be opened", 'Unlock your desktop session, or ask IT to check the keychain');
    case 'NOT_FOUND':
      return said('Neither Genesys Cloud nor the index holds what was asked for', 'Check the identifier, or search again to refresh the index');
    case 'ARCHIVED':
      return said('The recording is archived in Genesys Cloud', 'Ask your Genesys administrator to restore it');
    case 'VALIDATION':
      return said('The input was not accepted', 'Correct what is named here');
    case 'CASE_REFERENCE_REQUIRED':
      return said('No case reference is set', 'Give the case reference (Case in the header)', attempt.unrecorded);
    case 'STORAGE':
      return said('Custody could not read or write its files on this workstation', 'Check the free disk space, or ask IT');
    case 'CANCELLED':
      return said('It was cancelled', 'When you want it after all');
    case 'INTERNAL':
      return said('Something went wrong inside Custody', 'If it happens again, send the technical detail below to IT');
    default:
      return assertNever(code, 'unknown error code');
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
