import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { openDatabaseSync, type Db } from '../../electron/db/connection';
import { createAuditHeadRepository } from '../../electron/db/repositories/audit-head-repository';
import { createAuditMirrorRepository, type AuditMirrorRepository } from '../../electron/db/repositories/audit-mirror-repository';
import { auditSettingsSchema } from '../../electron/services/audit/audit-settings';
import type { CheckpointPolicy } from '../../electron/services/audit/checkpointer';
import { buildAuditModule, type AuditModule } from '../../electron/services/audit/audit-module';
import { CredentialVault } from '../../electron/services/auth/credentials';
import { EventHub, type DomainEvent } from '../../electron/services/events';
import { SecretRedactor } from '../../electron/services/logging/redactor';
import type { Clock, SecretStore } from '../../electron/services/ports';
import { loadOrCreateSigningKey, type SigningKey } from '../../electron/services/signing/signing-key';
import type { LockMode } from '../../electron/services/worm/locked-objects';
import { testClockStart } from './fake-clock';
import { MemoryLogger } from './memory-logger';
import { testAtRestKey } from './sealed-files';

/** A clock tests move by hand; sleeps are real (short) waits. */
export class SettableClock implements Clock {
  constructor(public current = testClockStart()) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const timer = setTimeout(resolve, Math.min(ms, 20));
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      });
    });
  }
}

/** One index key for every trail this process opens, so a "restarted" workstation reopens its database. */
const TRAIL_INDEX_KEY = testAtRestKey();

export function memorySecretStore(): SecretStore {
  const data = new Map<string, string>();
  return {
    get: async (account) => data.get(account) ?? null,
    set: async (account, secret) => void data.set(account, secret),
    delete: async (account) => data.delete(account),
  };
}

export type TestAudit = {
  audit: AuditModule;
  repository: AuditMirrorRepository;
  db: Db;
  logId: string;
  clock: SettableClock;
  logger: MemoryLogger;
  published: Array<DomainEvent>;
  signingKey: () => Promise<SigningKey>;
  /** The keychain holding the signing key: pass it to another audit module to be the same installation. */
  secrets: SecretStore;
};

/**
 * The audit module on real parts (radosgw bucket, SQLite file), built by the production factory
 * (buildAuditModule, which the profile's audit domain calls too), with knobs for tests: its own log id, checkpoint policy, alert settings, clock and
 * signing-key store.
 */
export function createTestAudit(options: {
  s3: S3Client;
  bucket: string;
  dir: string;
  logId?: string;
  mode?: LockMode;
  /** Another "workstation" of the same log: its own database file. */
  dbName?: string;
  checkpointPolicy?: Partial<CheckpointPolicy>;
  alerts?: unknown;
  clock?: SettableClock;
  secrets?: SecretStore;
  osAccount?: string;
  workstation?: { hostname: string; addresses: Array<string> };
  participants?: Array<{ name: string | null; userId: string | null }>;
}): TestAudit {
  const logId = options.logId ?? randomUUID();
  const clock = options.clock ?? new SettableClock();
  const logger = new MemoryLogger();
  const db = openDatabaseSync(join(options.dir, `${options.dbName ?? logId}.sqlite`), TRAIL_INDEX_KEY);
  const events = new EventHub();
  const published: Array<DomainEvent> = [];
  events.subscribe((event) => published.push(event));
  const secrets = options.secrets ?? memorySecretStore();
  const vault = new CredentialVault(secrets, 'test', new SecretRedactor());
  let key: Promise<SigningKey> | null = null;
  const signingKey = () => (key ??= loadOrCreateSigningKey(vault));
  const repository = createAuditMirrorRepository(db);
  const audit = buildAuditModule({
    s3: options.s3,
    bucket: options.bucket,
    logId,
    retention: { mode: options.mode ?? 'GOVERNANCE', durationMs: 86_400_000 },
    repository,
    headStore: createAuditHeadRepository(db),
    signingKey,
    alertSettings: auditSettingsSchema.parse({ alerts: options.alerts ?? {} }).alerts,
    checkpointPolicy: { everyEvents: 1000, everyMinutes: 600, ...options.checkpointPolicy },
    participantsOf: async () => options.participants ?? [],
    osAccount: options.osAccount ?? 'jdoe',
    workstation: options.workstation ?? { hostname: 'ws-test', addresses: ['10.20.4.17'] },
    clock,
    logger,
    events,
    lockFile: join(options.dir, `${logId}.lock`),
    checkpointLockFile: join(options.dir, `${logId}.checkpoint.lock`),
    tickMs: 10,
  });
  return { audit, repository, db, logId, clock, logger, published, signingKey, secrets };
}
