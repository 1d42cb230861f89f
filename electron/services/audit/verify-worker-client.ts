import { Worker } from 'node:worker_threads';
import type { AuditVerification } from '../../../shared/audit-views';
import type { AppErrorCode } from '../../../shared/errors';
import { workerEntry } from '../../db/worker/worker-entry';
import { AppError } from '../errors';
import type { WormConnection } from '../worm/s3-client';
import type { AuditLogVerifier, VerifyAuditLogOptions } from './audit-verifier';

export type VerifyWorkerData = { connection: WormConnection };
export type VerifyCall = { id: number; options: Omit<VerifyAuditLogOptions, 's3' | 'clock' | 'onProgress'>; progress: boolean };
export type VerifyReply =
  | { id: number; progress: { read: number; total: number } }
  | { id: number; value: AuditVerification }
  | { id: number; error: { name: string; message: string; code: AppErrorCode; retryable: boolean } };

/**
 * Audit log verification in a worker thread of its own, started on the first call: the verifier the
 * audit module uses for this log and every other workstation's. The worker holds its own S3 client for
 * the audit bucket; nothing but options, progress and reports crosses. `close` ends it.
 */
export function startVerifyWorker(connection: WormConnection): { verifyLog: AuditLogVerifier; close(): Promise<void> } {
  let worker: Worker | null = null;
  let stopped: Error | null = null;
  let nextId = 0;
  const pending = new Map<number, { resolve(report: AuditVerification): void; reject(error: Error): void; onProgress?: (read: number, total: number) => void }>();

  const start = (): Worker => {
    const { url, workerData } = workerEntry(import.meta.url, 'verify-worker', new URL('./verify-worker.ts', import.meta.url), { connection });
    const started = new Worker(url, { workerData });
    started.on('message', (reply: VerifyReply) => {
      const call = pending.get(reply.id);
      if (!call) return;
      if ('progress' in reply) return call.onProgress?.(reply.progress.read, reply.progress.total);
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      if ('value' in reply) call.resolve(reply.value);
      else call.reject(Object.assign(new AppError(reply.error.code, reply.error.message, { retryable: reply.error.retryable }), { name: reply.error.name }));
    });
    const stop = (error: Error) => {
      stopped ??= error;
      for (const call of pending.values()) call.reject(stopped);
      pending.clear();
    };
    started.on('error', (error) => stop(new AppError('INTERNAL', `The audit verification worker failed: ${error.message}`)));
    started.on('exit', (code) => stop(new AppError('INTERNAL', `The audit verification worker has stopped (exit code ${code}).`)));
    started.unref();
    return started;
  };

  return {
    verifyLog: (options) =>
      new Promise<AuditVerification>((resolve, reject) => {
        if (stopped) return reject(stopped);
        worker ??= start();
        const { onProgress, ...rest } = options;
        const id = nextId++;
        const call: VerifyCall = { id, options: rest, progress: onProgress !== undefined };
        try {
          worker.postMessage(call);
        } catch (error) {
          return reject(error as Error);
        }
        worker.ref();
        pending.set(id, { resolve, reject, ...(onProgress ? { onProgress } : {}) });
      }),
    close: async () => {
      const running = worker;
      if (!running || stopped) return;
      stopped = new AppError('INTERNAL', 'The audit verification worker was closed.');
      await new Promise<void>((resolve) => {
        running.ref();
        running.once('exit', () => resolve());
        // Queued after the calls already sent: they finish first.
        running.postMessage('close');
      });
    },
  };
}
