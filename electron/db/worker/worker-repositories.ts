import type { Db, openDatabaseSync } from '../connection';
import { createArchiveRepository } from '../repositories/archive-repository';
import { createAuditHeadRepository } from '../repositories/audit-head-repository';
import { createAuditMirrorRepository } from '../repositories/audit-mirror-repository';
import { createComplianceRepository } from '../repositories/compliance-repository';
import { createIndexRepository } from '../repositories/index-repository';
import { createJobsRepository } from '../repositories/jobs-repository';
import { createMediaRepository } from '../repositories/media-repository';
import { createTradeRepository } from '../repositories/trade-repository';
import { createTranscriptRepository } from '../repositories/transcript-repository';

/**
 * The repositories a host uses while it works: searches over the whole index, audit event queries and
 * Merkle records, index sync's batch upserts, posture and archive scans, trade matching, and the writes of every job
 * item, audit append and cache entry. In a host they run on the database worker's connection, never on
 * its main thread: even a point query there can wait for the disk, or for the worker's write lock.
 * Every method takes and returns plain data, so a call can cross the thread boundary unchanged (the
 * one exception, `jobs.claim`, takes a callback and stays on the host: see database-worker-client.ts).
 */
export function createWorkerRepositories(db: Db) {
  return {
    index: createIndexRepository(db),
    auditMirror: createAuditMirrorRepository(db),
    compliance: createComplianceRepository(db),
    archive: createArchiveRepository(db),
    jobs: createJobsRepository(db),
    media: createMediaRepository(db),
    auditHead: createAuditHeadRepository(db),
    transcripts: createTranscriptRepository(db),
    trades: createTradeRepository(db),
  };
}

export type WorkerRepositories = ReturnType<typeof createWorkerRepositories>;
export type WorkerRepositoryName = keyof WorkerRepositories;

/** One repository call sent to the worker. */
export type DatabaseCall = { id: number; repository: WorkerRepositoryName; method: string; args: ReadonlyArray<unknown> };
/** Its answer: the value, or the error's name, message and SQLite code. */
export type DatabaseReply = { id: number; value: unknown } | { id: number; error: { name: string; message: string; code?: string } };
/** What the host gives the worker: the arguments it opened the database with (file and, where it has one, key). */
export type DatabaseWorkerData = { open: Parameters<typeof openDatabaseSync> };
