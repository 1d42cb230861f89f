import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { createTestAudit } from '../../helpers/audit-module';
import { killWhileTakingLock, lockLeftovers, lockSteps } from '../../helpers/lock-kill';
import { useTestBucket } from '../../helpers/worm';
import { officerActor } from '../../helpers/audit-actors';

const { connection } = inject('worm');
let s3: S3Client;
let bucket: string;
let dir: string;

useTestBucket('audit-lock-crash', { mode: 'GOVERNANCE', defaultRetentionDays: 1 }, (fixture) => ({ s3, bucket, dir } = fixture));

async function storedEvents(logId: string): Promise<number> {
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: `audit/v1/${logId}/events/` }));
  return listing.Versions?.length ?? 0;
}

describe('audit log: a process killed while taking the lock never stalls the log', () => {
  it.each(lockSteps)('the next append succeeds within a second after a SIGKILL at step %s', async (step) => {
    const t = createTestAudit({ s3, bucket, dir });
    await t.audit.writer.append({ action: 'search', details: { before: step } }, await officerActor());
    const lockFile = join(dir, `${t.logId}.lock`);

    await killWhileTakingLock(lockFile, step);
    const started = Date.now();
    const event = await t.audit.writer.append({ action: 'play', recordingId: 'rec-1', details: { after: step } }, await officerActor());
    const elapsedMs = Date.now() - started;
    console.log(`audit lock: owner killed at step "${step}", next append took ${elapsedMs} ms`);

    expect(elapsedMs).toBeLessThan(1_000);
    expect(event.seq).toBe(1);
    expect(await storedEvents(t.logId)).toBe(2);
    expect(await lockLeftovers(lockFile)).toEqual([]); // the dead process's lock and temp files are gone
  }, 30_000);

  it('5 writer processes each killed with SIGKILL at a random moment of appending, then the next append goes through', async () => {
    const t = createTestAudit({ s3, bucket, dir });
    const lockFile = join(dir, `${t.logId}.lock`);
    const worker = fileURLToPath(new URL('../../helpers/fixtures/audit-append-worker.ts', import.meta.url));
    const env = { ...process.env, AUDIT_WORKER: JSON.stringify({ connection, bucket, logId: t.logId, lockFile, count: 1_000 }) };
    for (let round = 0; round < 5; round += 1) {
      const child = spawn(process.execPath, ['--import', 'tsx', worker], { env, stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      // Once it is appending (the log has grown), kill it at a random moment of its loop.
      const count = await storedEvents(t.logId);
      while ((await storedEvents(t.logId)) === count) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 200));
      child.kill('SIGKILL');
      await exited;
    }
    const before = await storedEvents(t.logId);
    expect(before).toBeGreaterThanOrEqual(5);
    const started = Date.now();
    const event = await t.audit.writer.append({ action: 'search', details: { after: 'five kills' } }, await officerActor());
    expect(Date.now() - started).toBeLessThan(5_000); // includes catching up the head from the bucket
    expect(event.seq).toBe(before);
    expect(await lockLeftovers(lockFile)).toEqual([]);
  }, 120_000);

  it('an empty lock left by the previous version is broken before any waiter gives up', async () => {
    const t = createTestAudit({ s3, bucket, dir });
    const lockFile = join(dir, `${t.logId}.lock`);
    await writeFile(lockFile, '');
    const started = Date.now();
    const event = await t.audit.writer.append({ action: 'search', details: { legacy: true } }, await officerActor());
    expect(event.seq).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await lockLeftovers(lockFile)).toEqual([]);
  }, 30_000);
});
