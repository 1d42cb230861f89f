import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { AppError, describeCause } from '../errors';
import { formatJsonLine, formatSyslogMessage, octetCounted, type StoredAuditEvent } from './siem-record';
import type { SiemDestination } from './siem-settings';

/** The SIEM did not take a batch; the outbox keeps it and tries again later. */
export class SiemDeliveryError extends AppError {
  constructor(destination: string, problem: string, cause?: unknown) {
    super('UPSTREAM_UNAVAILABLE', `The SIEM at ${destination} did not take the audit events: ${problem}`, { retryable: true, cause, details: { destination } });
  }
}

/**
 * Delivers one batch within `timeoutMs` (connection included), resolving only once the receiver has taken
 * all of it; `signal` abandons it (the host closing), which counts as not delivered.
 */
export type SiemSender = { readonly destination: string; send(batch: ReadonlyArray<StoredAuditEvent>, timeoutMs: number, signal?: AbortSignal): Promise<void> };

export type SiemSenderOptions = {
  /** PEM of the CA the receiver's certificate must chain to (default: Node's bundled CAs). */
  ca?: string | undefined;
  /** The Authorization header's value for HTTPS ("Splunk <token>", "ApiKey <key>"; a bare token is sent as Bearer). */
  authorization?: string | null | undefined;
  enterpriseId: number;
};

export function createSiemSender(destination: SiemDestination, options: SiemSenderOptions): SiemSender {
  if (destination.kind === 'syslog') {
    return {
      destination: destination.url,
      send: (batch, timeoutMs, signal) =>
        sendSyslog(destination, Buffer.concat(batch.map((e) => octetCounted(formatSyslogMessage(e, options.enterpriseId)))), options.ca, timeoutMs, signal),
    };
  }
  return { destination: destination.url, send: (batch, timeoutMs, signal) => postJsonLines(destination.url, batch.map(formatJsonLine).join('\n'), options, timeoutMs, signal) };
}

/**
 * One connection per batch: write it, half-close, and count it delivered only when the receiver has
 * read to our end and closed its side without an error. Plain syslog has no acknowledgement; a
 * long-lived connection to a receiver that went away swallows writes into a dead socket, so it is not kept.
 */
function sendSyslog(destination: Extract<SiemDestination, { kind: 'syslog' }>, frames: Buffer, ca: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let peerEnded = false;
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error === undefined) resolve();
      else reject(error instanceof SiemDeliveryError ? error : new SiemDeliveryError(destination.url, describeCause(error), error));
    };
    const onConnected = () => socket.end(frames);
    const socket: Socket = destination.tls
      ? tlsConnect({ host: destination.host, port: destination.port, servername: isIp(destination.host) ? undefined : destination.host, ...(ca ? { ca } : {}) }, onConnected)
      : netConnect({ host: destination.host, port: destination.port }, onConnected);
    const timer = setTimeout(() => finish(new SiemDeliveryError(destination.url, `no answer within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => finish(new SiemDeliveryError(destination.url, 'abandoned: Custody is closing'));
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) onAbort();
    socket.on('error', finish);
    socket.on('data', () => undefined);
    socket.on('end', () => {
      peerEnded = true;
    });
    socket.on('close', (hadError) => {
      if (hadError) return;
      finish(peerEnded ? undefined : new SiemDeliveryError(destination.url, 'the connection closed before the receiver read the batch'));
    });
  });
}

function postJsonLines(url: string, body: string, options: SiemSenderOptions, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const authorization = options.authorization ? (options.authorization.includes(' ') ? options.authorization : `Bearer ${options.authorization}`) : null;
  return new Promise<void>((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', ...(authorization ? { authorization } : {}) },
        ...(options.ca ? { ca: options.ca } : {}),
        timeout: timeoutMs,
        ...(signal ? { signal } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new SiemDeliveryError(url, `HTTP ${status}`));
        });
        res.on('error', (error) => reject(new SiemDeliveryError(url, describeCause(error), error)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(new SiemDeliveryError(url, describeCause(error), error)));
    req.end(body);
  });
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
