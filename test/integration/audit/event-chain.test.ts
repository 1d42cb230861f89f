import { sha256Hex } from '../../../electron/crypto/sha256';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { auditEventKey, auditEventsPrefix, genesisHash, hashAuditEvent } from '../../../electron/services/audit/layout';
import { EventChain, type AuditHeadStore, type EventChainDeps } from '../../../electron/services/audit/event-chain';
import { readEventChain } from '../../helpers/read-event-chain';
import { acquireLockFile } from '../../../electron/services/audit/lock-file';
import { AuditUnavailableError, ValidationError } from '../../../electron/services/errors';
import type { Clock } from '../../../electron/services/ports';
import type { AuditEvent } from '../../../shared/domain';
import { InMemoryAuditHeadStore } from '../../helpers/in-memory-audit-head-store';
import { MemoryLogger } from '../../helpers/memory-logger';
import { useTestBucket } from '../../helpers/worm';
import { TEST_OPERATOR } from '../../helpers/audit-actors';

const dayMs = 24 * 60 * 60 * 1000;
const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const { connection } = inject('worm');
let s3: S3Client;
let bucket: string;
let dir: string;

useTestBucket('audit', { mode: 'COMPLIANCE', defaultRetentionDays: 1 }, (fixture) => ({ s3, bucket, dir } = fixture));

function auditLog(overrides: Partial<EventChainDeps> & { logId: string }): EventChain {
  return new EventChain({
    s3,
    bucket,
    workstation: { hostname: 'ws-test', addresses: ['192.0.2.10'] },
    clock: systemClock,
    newEventId: randomUUID,
    retention: { mode: 'COMPLIANCE', durationMs: dayMs },
    headStore: new InMemoryAuditHeadStore(),
    lockFile: join(dir, `${overrides.logId}.lock`),
    logger: new MemoryLogger(),
    ...overrides,
  });
}

async function readBody(key: string, versionId?: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

async function versionsOf(logId: string): Promise<Array<{ key: string; versionId: string }>> {
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: auditEventsPrefix(logId) }));
  return (listing.Versions ?? []).map((v) => ({ key: v.Key ?? '', versionId: v.VersionId ?? '' }));
}

async function collect(logId: string): Promise<Array<AuditEvent>> {
  const events: Array<AuditEvent> = [];
  for await (const event of readEventChain(s3, bucket, logId)) events.push(event);
  return events;
}

function expectIntactChain(events: ReadonlyArray<AuditEvent>): void {
  events.forEach((event, index) => {
    expect(event.seq).toBe(index);
    expect(event.prevHash).toBe(index === 0 ? genesisHash : hashAuditEvent(events[index - 1] as AuditEvent));
  });
}

describe('EventChain.append against radosgw', () => {
  it('stores the event under COMPLIANCE retention that nobody can delete', async () => {
    const logId = randomUUID();
    const before = Date.now();
    const event = await auditLog({ logId }).append({ action: 'play', recordingId: 'rec-1', conversationId: 'conv-1', caseReference: 'CASE-1', details: { offsetMs: 0 } }, TEST_OPERATOR);
    expect(event).toMatchObject({ seq: 0, logId, action: 'play', recordingId: 'rec-1', prevHash: genesisHash, tradingId: null });
    expect(Date.parse(event.time)).toBeGreaterThanOrEqual(before - 1000);

    const key = auditEventKey(logId, 0);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const expectedUntil = Date.parse(event.time) + dayMs;
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(Math.abs((head.ObjectLockRetainUntilDate?.getTime() ?? 0) - expectedUntil)).toBeLessThan(1000);
    expect(head.ContentType).toBe('application/json');
    const retention = await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: head.VersionId }));
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect(Math.abs((retention.Retention?.RetainUntilDate?.getTime() ?? 0) - expectedUntil)).toBeLessThan(1000);

    const body = await readBody(key);
    expect(JSON.parse(body)).toEqual(event);
    expect(sha256Hex(body)).toBe(hashAuditEvent(event));

    for (const bypass of [false, true]) {
      const refused = await s3
        .send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: head.VersionId, BypassGovernanceRetention: bypass }))
        .catch((error: unknown) => error);
      expect((refused as Error).name).toBe('AccessDenied');
    }
    expect(await readBody(key, head.VersionId)).toBe(body);
  });

  it('chains events: seq 0..4, each prevHash the hash of the previous object as stored', async () => {
    const logId = randomUUID();
    const headStore = new InMemoryAuditHeadStore();
    const log = auditLog({ logId, headStore });
    const appended: Array<AuditEvent> = [];
    for (const action of ['search', 'preview', 'play', 'seek', 'download'] as const) appended.push(await log.append({ action, details: { n: appended.length } }, TEST_OPERATOR));
    expect(appended.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);

    let previousBody: string | null = null;
    for (const seq of [0, 1, 2, 3, 4]) {
      const body = await readBody(auditEventKey(logId, seq));
      const stored = JSON.parse(body) as AuditEvent;
      expect(stored.seq).toBe(seq);
      expect(stored.prevHash).toBe(previousBody === null ? genesisHash : sha256Hex(previousBody));
      previousBody = body;
    }
    expect(headStore.heads.get(logId)).toEqual({ seq: 4, hash: sha256Hex(previousBody ?? '') });
    const events = await collect(logId);
    expect(events).toEqual(appended);
    expectIntactChain(events);
  });

  it('never forks when two writers share the lock file, even with separate head stores', async () => {
    const logId = randomUUID();
    const lockFile = join(dir, `shared-${logId}.lock`);
    const first = auditLog({ logId, lockFile, headStore: new InMemoryAuditHeadStore() });
    const second = auditLog({ logId, lockFile, headStore: new InMemoryAuditHeadStore() });
    const writes: Array<Promise<AuditEvent>> = [];
    for (let i = 0; i < 8; i += 1) {
      writes.push(first.append({ action: 'search', details: { writer: 1, i } }, TEST_OPERATOR));
      writes.push(second.append({ action: 'play', details: { writer: 2, i } }, TEST_OPERATOR));
    }
    const results = await Promise.all(writes);
    expect(new Set(results.map((e) => e.seq)).size).toBe(16);

    const versions = await versionsOf(logId);
    expect(versions).toHaveLength(16);
    expect(new Set(versions.map((v) => v.key)).size).toBe(16);
    const events = await collect(logId);
    expect(events).toHaveLength(16);
    expectIntactChain(events);
  });

  it('never forks when separate processes append at the same time', async () => {
    const logId = randomUUID();
    const lockFile = join(dir, `processes-${logId}.lock`);
    const worker = fileURLToPath(new URL('../../helpers/fixtures/audit-append-worker.ts', import.meta.url));
    const runWorker = () =>
      new Promise<void>((resolve, reject) => {
        const env = { ...process.env, AUDIT_WORKER: JSON.stringify({ connection, bucket, logId, lockFile, count: 10 }) };
        execFile(process.execPath, ['--import', 'tsx', worker], { env, timeout: 60_000 }, (error) => (error ? reject(error) : resolve()));
      });
    const inProcess = async () => {
      const log = auditLog({ logId, lockFile });
      for (let i = 0; i < 10; i += 1) await log.append({ action: 'search', details: { i } }, TEST_OPERATOR);
    };
    await Promise.all([runWorker(), runWorker(), inProcess()]);

    const versions = await versionsOf(logId);
    expect(versions).toHaveLength(30);
    expect(new Set(versions.map((v) => v.key)).size).toBe(30);
    const events = await collect(logId);
    expectIntactChain(events);
    expect(new Set(events.map((e) => e.operator.osAccount))).toEqual(new Set(['cli', 'jdoe']));
  });

  it('refuses the append when another writer holds the lock too long', async () => {
    const logId = randomUUID();
    const lockFile = join(dir, `held-${logId}.lock`);
    const holder = await acquireLockFile(lockFile);
    try {
      const error = await auditLog({ logId, lockFile, lockTimeoutMs: 200 }).append({ action: 'play' }, TEST_OPERATOR).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuditUnavailableError);
      expect((error as Error).message).toMatch(/held by pid/);
    } finally {
      await holder.release();
    }
    expect(await versionsOf(logId)).toEqual([]);
  });

  it('continues the chain from the bucket when the local head is lost or behind', async () => {
    const logId = randomUUID();
    const lockFile = join(dir, `recover-${logId}.lock`);
    const original = auditLog({ logId, lockFile });
    for (let i = 0; i < 3; i += 1) await original.append({ action: 'search', details: { i } }, TEST_OPERATOR);

    const logger = new MemoryLogger();
    const fresh = auditLog({ logId, lockFile, headStore: new InMemoryAuditHeadStore(), logger });
    const recovered = await fresh.append({ action: 'download', recordingId: 'rec-9' }, TEST_OPERATOR);
    expect(recovered.seq).toBe(3);
    expect(logger.text()).toMatch(/bucket is ahead of the local audit head/);

    const staleStore = new InMemoryAuditHeadStore();
    const events = await collect(logId);
    await staleStore.save(logId, { seq: 0, hash: hashAuditEvent(events[0] as AuditEvent) });
    const stale = await auditLog({ logId, lockFile, headStore: staleStore }).append({ action: 'export' }, TEST_OPERATOR);
    expect(stale.seq).toBe(4);
    expect(staleStore.heads.get(logId)?.seq).toBe(4);

    const all = await collect(logId);
    expect(all).toHaveLength(5);
    expectIntactChain(all);
  });

  it('keeps the chain when the head store cannot save (the bucket is the record)', async () => {
    const logId = randomUUID();
    const logger = new MemoryLogger();
    const brokenStore: AuditHeadStore = {
      load: async () => null,
      save: async () => {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
    };
    const log = auditLog({ logId, headStore: brokenStore, logger });
    expect((await log.append({ action: 'search' }, TEST_OPERATOR)).seq).toBe(0);
    expect((await log.append({ action: 'play' }, TEST_OPERATOR)).seq).toBe(1);
    expect(logger.text()).toMatch(/could not save the audit head.*SQLITE_FULL/);
    expectIntactChain(await collect(logId));
  });

  it('refuses the append when the head store cannot be read', async () => {
    const logId = randomUUID();
    const unreadable: AuditHeadStore = {
      load: async () => {
        throw new Error('SQLITE_CORRUPT');
      },
      save: async () => undefined,
    };
    await expect(auditLog({ logId, headStore: unreadable }).append({ action: 'play' }, TEST_OPERATOR)).rejects.toThrow(/cannot read the local audit head: SQLITE_CORRUPT/);
    expect(await versionsOf(logId)).toEqual([]);
  });

  it('refuses to write a gap when the local head is ahead of the bucket', async () => {
    const logId = randomUUID();
    const headStore = new InMemoryAuditHeadStore();
    await headStore.save(logId, { seq: 10, hash: 'a'.repeat(64) });
    const error = await auditLog({ logId, headStore }).append({ action: 'search' }, TEST_OPERATOR).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditUnavailableError);
    expect((error as AuditUnavailableError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/local head is event 10/);
    expect(await versionsOf(logId)).toEqual([]);
    expect(headStore.heads.get(logId)?.seq).toBe(10);
  });

  it('rejects bad input before writing anything', async () => {
    const logId = randomUUID();
    const log = auditLog({ logId });
    await expect(log.append({ action: 'delete' as never }, TEST_OPERATOR)).rejects.toBeInstanceOf(ValidationError);
    await expect(log.append({ action: 'play', recordingId: '../../etc/passwd' }, TEST_OPERATOR)).rejects.toBeInstanceOf(ValidationError);
    await expect(log.append({ action: 'play', details: { n: Number.NaN } }, TEST_OPERATOR)).rejects.toBeInstanceOf(ValidationError);
    expect(await versionsOf(logId)).toEqual([]);
    expect((await log.append({ action: 'play' }, TEST_OPERATOR)).seq).toBe(0);
  });

  it('refuses to log into a missing bucket or one without Object Lock, and keeps the head', async () => {
    const plain = `plain-${randomUUID()}`;
    await s3.send(new CreateBucketCommand({ Bucket: plain }));
    for (const [target, cause] of [[`missing-${randomUUID()}`, /NoSuchBucket/], [plain, /InvalidRequest/]] as const) {
      const logId = randomUUID();
      const headStore: AuditHeadStore = new InMemoryAuditHeadStore();
      const error = await auditLog({ logId, headStore, bucket: target }).append({ action: 'search' }, TEST_OPERATOR).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuditUnavailableError);
      expect((error as AuditUnavailableError).retryable).toBe(false);
      expect((error as Error).message).toMatch(cause);
      expect(await headStore.load(logId)).toBeNull();
    }
  });
});
