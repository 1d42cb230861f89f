import type { Db } from '../connection';
import { createArchiveRepository } from '../repositories/archive-repository';
import { createAuditMirrorRepository } from '../repositories/audit-mirror-repository';
import { createComplianceRepository } from '../repositories/compliance-repository';
import { createIndexRepository } from '../repositories/index-repository';

/**
 * The repositories whose queries can run long (free-text search over the whole index, audit event
 * queries and Merkle records, index sync's batch upserts, posture and archive scans). In a host they
 * run on the database worker's connection, never on the host's main thread. Every method takes and
 * returns plain data, so a call can cross the thread boundary unchanged.
 */
export function createWorkerRepositories(db: Db) {
  return {
    index: createIndexRepository(db),
    auditMirror: createAuditMirrorRepository(db),
    compliance: createComplianceRepository(db),
    archive: createArchiveRepository(db),
  };
}

export type WorkerRepositories = ReturnType<typeof createWorkerRepositories>;
export type WorkerRepositoryName = keyof WorkerRepositories;

/** One repository call sent to the worker. */
export type DatabaseCall = { id: number; repository: WorkerRepositoryName; method: string; args: ReadonlyArray<unknown> };
/** Its answer: the value, or the error's name, message and SQLite code. */
export type DatabaseReply = { id: number; value: unknown } | { id: number; error: { name: string; message: string; code?: string } };
/** What the host gives the worker: the database file, opened there through `openDatabaseSync`. */
export type DatabaseWorkerData = { file: string };
