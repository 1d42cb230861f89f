import { Worker } from 'node:worker_threads';
import type { Db, openDatabaseSync } from '../connection';
import { createJobsRepository } from '../repositories/jobs-repository';
import { workerEntry } from './worker-entry';
import type { DatabaseCall, DatabaseReply, WorkerRepositories, WorkerRepositoryName } from './worker-repositories';

/** The long-running repositories, served by a worker thread; `close` ends the worker and its connection. */
export type DatabaseWorker = WorkerRepositories & { close(): Promise<void> };

/**
 * Starts the database worker, which opens the database with the host's `open` arguments (the host
 * opened and migrated it first, as `hostDb`), and
 * returns the repositories it serves, with their usual async API: Signal Desktop's pattern, so that no
 * query runs on the host's main thread. Calls made before the worker is up wait in its queue.
 * `jobs.claim` asks the caller whether a runner is alive inside its transaction, so it runs on `hostDb`
 * (once per job run).
 */
export function startDatabaseWorker(open: Parameters<typeof openDatabaseSync>, hostDb: Db): DatabaseWorker {
  const { url, workerData } = workerEntry(import.meta.url, 'database-worker', new URL('./database-worker.ts', import.meta.url), { open });
  const worker = new Worker(url, { workerData });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let stopped: Error | null = null;

  worker.on('message', (reply: DatabaseReply) => {
    const call = pending.get(reply.id);
    if (!call) return;
    pending.delete(reply.id);
    if ('error' in reply) call.reject(remoteError(reply.error));
    else call.resolve(reply.value);
  });
  const stop = (error: Error) => {
    stopped ??= error;
    for (const call of pending.values()) call.reject(stopped);
    pending.clear();
  };
  worker.on('error', (error) => stop(new Error(`The index database worker failed: ${error.message}`)));
  worker.on('exit', (code) => stop(new Error(`The index database worker has stopped (exit code ${code}).`)));
  // The worker never keeps a finished host alive; pending calls keep it referenced (see `call`).
  worker.unref();

  const call = (repository: WorkerRepositoryName, method: string, args: ReadonlyArray<unknown>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (stopped) return reject(stopped);
      const id = nextId++;
      const message: DatabaseCall = { id, repository, method, args };
      try {
        worker.postMessage(message);
      } catch (error) {
        return reject(error as Error);
      }
      if (pending.size === 0) worker.ref();
      pending.set(id, {
        resolve: (value) => {
          if (pending.size === 0) worker.unref();
          resolve(value);
        },
        reject: (error) => {
          if (pending.size === 0) worker.unref();
          reject(error);
        },
      });
    });

  const remote = <Name extends WorkerRepositoryName>(repository: Name, onHost: Partial<WorkerRepositories[Name]> = {}): WorkerRepositories[Name] =>
    new Proxy(Object.create(null) as WorkerRepositories[Name], {
      // Only method names are forwarded; `then` stays undefined so that the proxy is not taken for a promise.
      get: (_target, method) => {
        if (typeof method !== 'string' || method === 'then') return undefined;
        return (onHost as Record<string, unknown>)[method] ?? ((...args: Array<unknown>) => call(repository, method, args));
      },
    });

  let closing: Promise<void> | null = null;
  return {
    index: remote('index'),
    auditMirror: remote('auditMirror'),
    compliance: remote('compliance'),
    archive: remote('archive'),
    jobs: remote('jobs', { claim: createJobsRepository(hostDb).claim }),
    media: remote('media'),
    auditHead: remote('auditHead'),
    transcripts: remote('transcripts'),
    trades: remote('trades'),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        if (stopped) return resolve();
        worker.ref();
        worker.once('exit', () => resolve());
        // Queued after every call already sent: they finish first, then the connection closes.
        worker.postMessage('close');
      });
      return closing;
    },
  };
}

function remoteError({ name, message, code }: { name: string; message: string; code?: string }): Error {
  const error = name === 'RangeError' ? new RangeError(message) : name === 'TypeError' ? new TypeError(message) : new Error(message);
  if (error.name !== name) error.name = name;
  if (code !== undefined) Object.assign(error, { code });
  return error;
}
