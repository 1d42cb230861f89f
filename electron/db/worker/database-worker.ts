// The database worker's entry (a worker_threads thread): the long repository calls run here, on
// their own connection, so a search over the whole index never blocks the host's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabaseSync } from '../connection';
import { createWorkerRepositories, type DatabaseCall, type DatabaseReply, type DatabaseWorkerData } from './worker-repositories';

const port = parentPort;
if (!port) throw new Error('database-worker.ts runs only as a worker thread');

// The host's own open, with its arguments (schema, pragmas and, where configured, the key): one owner of opening.
const db = openDatabaseSync(...(workerData as DatabaseWorkerData).open);
const repositories = createWorkerRepositories(db);

port.on('message', async (message: DatabaseCall | 'close') => {
  if (message === 'close') {
    db.close();
    port.close();
    return;
  }
  port.postMessage(await answer(message));
});

async function answer({ id, repository, method, args }: DatabaseCall): Promise<DatabaseReply> {
  try {
    const target = repositories[repository] as unknown as Record<string, (...a: ReadonlyArray<unknown>) => Promise<unknown>>;
    const fn = target[method];
    if (typeof fn !== 'function') throw new TypeError(`${repository}.${method} is not a repository method`);
    return { id, value: await fn(...args) };
  } catch (error) {
    const { name, message, code } = error as { name?: string; message?: string; code?: unknown };
    return { id, error: { name: name ?? 'Error', message: message ?? String(error), ...(typeof code === 'string' ? { code } : {}) } };
  }
}
