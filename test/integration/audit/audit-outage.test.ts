import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../electron/services/audit/audit-log';
import { AuditUnavailableError } from '../../../electron/services/errors';
import { localWormStatus, type LocalWorm } from '../../../electron/services/worm/local-worm';
import { createWormS3Client } from '../../../electron/services/worm/s3-client';
import { InMemoryAuditHeadStore } from '../../helpers/in-memory-audit-head-store';
import { MemoryLogger } from '../../helpers/memory-logger';
import { createTestBucket, startTestWorm } from '../../helpers/worm';

let worm: LocalWorm | undefined;
let s3: S3Client | undefined;
const dirs: Array<string> = [];

afterAll(async () => {
  s3?.destroy();
  await worm?.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('audit log with the WORM store down', () => {
  it('refuses the append quickly with AuditUnavailableError and keeps the head', async () => {
    const baseDir = await mkdtemp(join(tmpdir(), 'custody-worm-outage-'));
    const dir = await mkdtemp(join(tmpdir(), 'custody-audit-outage-'));
    dirs.push(baseDir, dir);
    worm = await startTestWorm({ baseDir });
    expect(await localWormStatus(baseDir)).toMatchObject({ running: true, runDir: worm.runDir, endpoint: worm.connection.endpoint });

    s3 = createWormS3Client(worm.connection);
    const bucket = await createTestBucket(s3, 'outage', { mode: 'COMPLIANCE', defaultRetentionDays: 1 });
    const logId = randomUUID();
    const headStore = new InMemoryAuditHeadStore();
    const logger = new MemoryLogger();
    const log = new AuditLog({
      s3,
      bucket,
      logId,
      operator: { osAccount: 'jdoe', name: 'Jane Doe' },
      workstation: { hostname: 'ws-test', addresses: [] },
      clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
      newEventId: randomUUID,
      retention: { mode: 'COMPLIANCE', durationMs: 60_000 },
      headStore,
      lockFile: join(dir, 'audit.lock'),
      logger,
    });
    const first = await log.append({ action: 'search' });
    expect(first.seq).toBe(0);
    const headBefore = await headStore.load(logId);

    await worm.stop();
    expect((await localWormStatus(baseDir)).running).toBe(false);

    const started = Date.now();
    const error = await log.append({ action: 'play', recordingId: 'rec-1' }).catch((e: unknown) => e);
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
