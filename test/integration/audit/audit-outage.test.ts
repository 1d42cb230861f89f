import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventChain } from '../../../electron/services/audit/event-chain';
import { readEventChain } from '../../helpers/read-event-chain';
import { genesisHash, hashAuditEvent } from '../../../electron/services/audit/layout';
import { AuditUnavailableError } from '../../../electron/services/errors';
import { localWormStatus, type LocalWorm } from '../../../electron/services/worm/local-worm';
import { createWormS3Client } from '../../../electron/services/worm/s3-client';
import type { AuditEvent } from '../../../shared/domain';
import { InMemoryAuditHeadStore } from '../../helpers/in-memory-audit-head-store';
import { MemoryLogger } from '../../helpers/memory-logger';
import { createTestBucket, startTestWorm } from '../../helpers/worm';
import { TEST_OPERATOR } from '../../helpers/audit-actors';

// A cluster of its own: these tests freeze and stop it.
let worm: LocalWorm;
let s3: S3Client;
let bucket: string;
let baseDir: string;
let dir: string;

beforeAll(async () => {
  baseDir = await mkdtemp(join(tmpdir(), 'custody-worm-outage-'));
  dir = await mkdtemp(join(tmpdir(), 'custody-audit-outage-'));
  worm = await startTestWorm({ baseDir });
  s3 = createWormS3Client(worm.connection);
  bucket = await createTestBucket(s3, 'outage', { mode: 'COMPLIANCE', defaultRetentionDays: 1 });
});
afterAll(async () => {
  s3?.destroy();
  await worm?.stop();
  await rm(baseDir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

function newLog(logId: string, headStore: InMemoryAuditHeadStore, logger: MemoryLogger, writeTimeoutMs?: number): EventChain {
  return new EventChain({
    s3,
    bucket,
    logId,
    workstation: { hostname: 'ws-test', addresses: [] },
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
    newEventId: randomUUID,
    retention: { mode: 'COMPLIANCE', durationMs: 60 * 60 * 1000 },
    headStore,
    lockFile: join(dir, `${logId}.lock`),
    logger,
    writeTimeoutMs,
  });
}

async function osdPid(): Promise<number> {
  const line = (await readFile(join(worm.runDir, 'pids'), 'utf8')).split('\n').find((entry) => entry.endsWith(' osd.0'));
  return Number(line?.split(' ')[0]);
}

describe('audit log with the WORM store in trouble', () => {
  it('refuses appends while the store hangs, then continues the chain with the same seq', async () => {
    const logId = randomUUID();
    const headStore = new InMemoryAuditHeadStore();
    const log = newLog(logId, headStore, new MemoryLogger(), 1_500);
    await log.append({ action: 'search' }, TEST_OPERATOR);
    const headBefore = await headStore.load(logId);

    const osd = await osdPid();
    process.kill(osd, 'SIGSTOP'); // radosgw still accepts requests but cannot store anything
    let elapsedMs: number;
    let error: unknown;
    try {
      const started = Date.now();
      error = await log.append({ action: 'play', recordingId: 'rec-1' }, TEST_OPERATOR).catch((e: unknown) => e);
      elapsedMs = Date.now() - started;
    } finally {
      process.kill(osd, 'SIGCONT');
    }
    expect(error).toBeInstanceOf(AuditUnavailableError);
    expect((error as Error).message).toContain(`WORM store at ${worm.connection.endpoint} did not answer within 1500 ms`);
    expect(elapsedMs).toBeLessThan(3_000);
    expect(await headStore.load(logId)).toEqual(headBefore);

    const next = await log.append({ action: 'play', recordingId: 'rec-1' }, TEST_OPERATOR);
    expect(next.seq).toBe(1);
    const events: Array<AuditEvent> = [];
    for await (const event of readEventChain(s3, bucket, logId)) events.push(event);
    expect(events.map((e) => e.seq)).toEqual([0, 1]);
    expect(events[0]?.prevHash).toBe(genesisHash);
    expect(events[1]?.prevHash).toBe(hashAuditEvent(events[0] as AuditEvent));
  });

  it('refuses the append quickly once the store is stopped, and keeps the head', async () => {
    const logId = randomUUID();
    const headStore = new InMemoryAuditHeadStore();
    const logger = new MemoryLogger();
    const log = newLog(logId, headStore, logger);
    expect(await localWormStatus(baseDir)).toMatchObject({ running: true, runDir: worm.runDir, endpoint: worm.connection.endpoint });
    expect((await log.append({ action: 'search' }, TEST_OPERATOR)).seq).toBe(0);
    const headBefore = await headStore.load(logId);

    await worm.stop();
    expect((await localWormStatus(baseDir)).running).toBe(false);

    const started = Date.now();
    const error = await log.append({ action: 'play', recordingId: 'rec-1' }, TEST_OPERATOR).catch((e: unknown) => e);
    const elapsedMs = Date.now() - started;
    expect(error).toBeInstanceOf(AuditUnavailableError);
    const failure = error as AuditUnavailableError;
    expect(failure.code).toBe('AUDIT_UNAVAILABLE');
    expect(failure.retryable).toBe(true);
    expect(failure.message).toContain(worm.connection.endpoint);
    expect(failure.message).toMatch(/ECONNREFUSED/);
    expect(failure.message).not.toContain(worm.connection.secretAccessKey);
    expect(logger.text()).not.toContain(worm.connection.secretAccessKey);
    expect(elapsedMs).toBeLessThan(5_000);
    expect(await headStore.load(logId)).toEqual(headBefore);
    console.log(`append with the store down failed after ${elapsedMs} ms: ${failure.message}`);
  });
});
