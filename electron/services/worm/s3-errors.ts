import { describeCause } from '../errors';

export type S3Failure = {
  /** Not reachable, timed out, or 5xx/429: the store is (for now) unavailable. Otherwise it refused. */
  unavailable: boolean;
  status: number | undefined;
  /** Short text for error messages: the S3 error code or the network cause. */
  summary: string;
};

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
const networkNames = new Set(['TimeoutError', 'AbortError', 'RequestTimeout']);

/** Classifies an error thrown by the AWS SDK into "store unavailable" or "store refused". */
export function classifyS3Failure(error: unknown): S3Failure {
  const metadata = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  const status = metadata?.httpStatusCode;
  if (error instanceof Error && status !== undefined) {
    const message = error.message && error.message !== error.name && error.message !== 'UnknownError' ? `: ${error.message}` : '';
    return { unavailable: status >= 500 || status === 429 || status === 408, status, summary: `${error.name} (HTTP ${status})${message}` };
  }
  const code = (error as { code?: unknown } | null)?.code;
  const name = error instanceof Error ? error.name : '';
  const unavailable = (typeof code === 'string' && networkCodes.has(code)) || networkNames.has(name);
  return { unavailable, status: undefined, summary: describeCause(error) };
}
