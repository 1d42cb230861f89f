import { join } from 'node:path';
import type { Workstation } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import { openDatabaseSync, type Db, type IndexKey } from '../../db/connection';
import { createAnnotationRepository } from '../../db/repositories/annotation-repository';
import { createHoldRepository } from '../../db/repositories/hold-repository';
import { createReviewJournalRepository } from '../../db/repositories/review-journal-repository';
import { createWitnessRepository } from '../../db/repositories/witness-repository';
import { startDatabaseWorker, type DatabaseWorker } from '../../db/worker/database-worker-client';
import { createWorkerRepositories } from '../../db/worker/worker-repositories';
import { systemClock } from '../adapters/system-clock';
import type { CredentialVault } from '../auth/credentials';
import type { OfficerSession, OfficerSignIn } from '../auth/officer';
import type { Profile, ProfilePaths } from '../config/profile';
import { currentOsAccount, currentWorkstation } from '../identity';
import { createFileLogWriter, createLogger } from '../logging/file-logger';
import type { SecretRedactor } from '../logging/redactor';
import type { Clock, HttpClient, Random, SecretStore } from '../ports';
import { composeOfficerSession } from './compose-officer';
import { composeProfileSettings } from './compose-settings';

/** The profile's log (rotated JSON lines under its data folder); `close` waits for the queued lines. */
export type ProfileLog = { logger: Logger; close(): Promise<void> };

export function composeLog(paths: ProfilePaths, redactor: SecretRedactor): ProfileLog {
  const file = createFileLogWriter(join(paths.dataDir, 'logs'));
  return { logger: createLogger({ sink: file.write, redactor, minLevel: 'info' }), close: () => file.close() };
}

/** The profile's local index database (recordings, jobs, audit mirror, review journal), encrypted under the profile's index key. */
export function openProfileDatabase(paths: ProfilePaths, key: IndexKey): Db {
  return openDatabaseSync(join(paths.dataDir, 'index.sqlite'), key);
}

/**
 * The profile database's repositories, built once; each domain factory takes the ones it uses. With a
 * database worker, the long-running ones are served by it (see worker-repositories.ts), the rest by `db`.
 */
export function createProfileRepositories(db: Db, worker: DatabaseWorker | null = null) {
  const { index, media, auditMirror, auditHead, archive, compliance, jobs, transcripts, trades } = worker ?? createWorkerRepositories(db);
  return {
    index,
    transcripts,
    trades,
    media,
    auditMirror,
    auditHead,
    archive,
    holds: createHoldRepository(db),
    annotations: createAnnotationRepository(db),
    compliance,
    jobs,
    reviewJournal: createReviewJournalRepository(db),
    witness: createWitnessRepository(db),
  };
}
export type ProfileRepositories = ReturnType<typeof createProfileRepositories>;

/**
 * Where actions come from, as every audit record names it next to who acted: the OS account this process
 * runs as and the workstation. Who acted is the officer signed in at the time (`officer`), never a typed name.
 */
export type Identity = { osAccount: string; workstation: Workstation };

export function currentIdentity(): Identity {
  return { osAccount: currentOsAccount(), workstation: currentWorkstation() };
}

export type BaseOptions = {
  profile: string;
  env?: NodeJS.ProcessEnv;
  secrets?: SecretStore;
  clock?: Clock;
  random?: Random;
  http?: HttpClient;
  /** The officer sign-in to act under; default: the profile's, from the keychain. Unit tests pass a fake. */
  officer?: OfficerSession;
  /** Run the long queries on the host's thread instead of the database worker (the main-thread benchmark's baseline). */
  databaseOnMainThread?: boolean;
};

/** What every engine domain is built on: the profile, its database and log, the keychain, the clock and identity. */
export type Base = Identity & {
  profile: Profile;
  paths: ProfilePaths;
  vault: CredentialVault;
  redactor: SecretRedactor;
  log: ProfileLog;
  /** The officer signed in on this profile: every officer action asks it before anything is written. */
  officer: OfficerSession;
  /** Signing in and out (the keychain session); null when a test injected its own `officer`. */
  officerSignIn: OfficerSignIn | null;
  db: Db;
  repositories: ProfileRepositories;
  /** Closes the database worker (after the calls already sent), then `db`. */
  closeDatabase(): Promise<void>;
  clock: Clock;
  random: Random;
  http: HttpClient;
};

export async function composeBase(options: BaseOptions): Promise<Base> {
  const settings = composeProfileSettings(options);
  const profile = await settings.load();
  const log = composeLog(settings.paths, settings.redactor);
  const clock = options.clock ?? systemClock;
  const http = options.http ?? fetch;
  const indexKey = await settings.vault.atRestKey('index-key');
  const db = openProfileDatabase(settings.paths, indexKey);
  // Searches, audit queries, index batches, job and cache writes run on the worker, on its own connection to the same file.
  const worker = options.databaseOnMainThread ? null : startDatabaseWorker([db.name, indexKey], db);
  return {
    profile,
    paths: settings.paths,
    vault: settings.vault,
    redactor: settings.redactor,
    log,
    ...officerSessionOf(options.officer, () => composeOfficerSession({ settings, http, clock, logger: log.logger })),
    db,
    repositories: createProfileRepositories(db, worker),
    closeDatabase: async () => {
      await worker?.close();
      db.close();
    },
    clock,
    random: options.random ?? Math.random,
    http,
    ...currentIdentity(),
  };
}

function officerSessionOf(injected: OfficerSession | undefined, keychain: () => OfficerSession & OfficerSignIn): Pick<Base, 'officer' | 'officerSignIn'> {
  if (injected) return { officer: injected, officerSignIn: null };
  const session = keychain();
  return { officer: session, officerSignIn: session };
}
