import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../../shared/domain';
import { openDatabaseSync } from '../../../../electron/db/connection';
import { startDatabaseWorker } from '../../../../electron/db/worker/database-worker-client';
import { conversationRow } from '../../../helpers/index-rows';
import { testTempDir } from '../../../helpers/temp-dir';
import { testAtRestKey } from '../../../helpers/sealed-files';

const conversation = (id: string, startMs: number, customer: string) =>
  conversationRow(id, startMs, { tradingId: `T-${id}`, participants: [{ purpose: 'customer', name: customer, userId: null }] });

/** The columns the audit mirror stores of an event; the rest of an event does not matter here. */
const auditEvent = (seq: number) =>
  ({
    seq,
    eventId: `e${seq}`,
    time: new Date(1000).toISOString(),
    action: 'search',
    operator: { name: 'A', osAccount: 'a' },
    workstation: { hostname: 'h' },
    conversationId: null,
    recordingId: null,
    tradingId: null,
    caseReference: null,
  }) as unknown as AuditEvent;

describe('the database worker', () => {
  it('serves the repositories on its own connection: writes through it are seen by the host, and the other way round', async () => {
    const file = join(await testTempDir('custody-db-worker-'), 'index.sqlite');
    const key = testAtRestKey();
    const host = openDatabaseSync(file, key);
    const worker = startDatabaseWorker([file, key], host);
    try {
      await worker.index.upsertConversations([conversation('c1', 1000, 'Chloë Novak'), conversation('c2', 2000, 'Raj Mehta')], 10);
      expect((await worker.index.search({ text: 'novak' }, 10)).map((m) => m.conversationId)).toEqual(['c1']);
      expect(host.prepare('SELECT count(*) AS n FROM conversations').get()).toEqual({ n: 2 });

      host.prepare("UPDATE conversations SET trading_id = 'T-changed' WHERE id = 'c2'").run();
      expect(await worker.index.findRecording('none')).toBeNull();
      expect((await worker.index.search({ tradingId: 'T-changed' }, 10)).map((m) => m.conversationId)).toEqual(['c2']);
      // Binary values cross the thread boundary as bytes.
      const leafHash = new Uint8Array(32).fill(7);
      await worker.auditMirror.recordEvents('log', [{ event: auditEvent(0), body: '{}', leafHash, alertCount: 0 }]);
      expect(await worker.auditMirror.leafHash('log', 0)).toEqual(leafHash);

      // A job is claimed on the host's connection (its liveness check is a callback), the rest runs on the worker.
      const job = { id: 'j1', createdMs: 1, state: 'paused', message: null, caseReference: 'C-1', selectionJson: '{}', inputReportJson: '{}', outDir: '/out', concurrency: 1, api: 'auto' } as const;
      await worker.jobs.createJob(job, [{ conversationId: 'c1', recordingId: 'r1', tradingId: null, clientAccount: null, startMs: 1000 }]);
      const claimed = await worker.jobs.claim('j1', { id: 'runner', pid: process.pid }, 5, () => true);
      expect(claimed.runnerId).toBe('runner');
      expect((await worker.jobs.job('j1'))?.runnerId).toBe('runner');
    } finally {
      await worker.close();
      host.close();
    }
  });

  it('rejects a failed call with the error the repository threw, and a call after close with a clear error', async () => {
    const file = join(await testTempDir('custody-db-worker-'), 'index.sqlite');
    const key = testAtRestKey();
    const host = openDatabaseSync(file, key);
    const worker = startDatabaseWorker([file, key], host);
    await expect(
      worker.auditMirror.recordEvents('log', [{ event: auditEvent(5), body: '{}', leafHash: new Uint8Array(32), alertCount: 0 }]),
    ).rejects.toThrow(new RangeError('audit event 5 cannot be recorded before event 0'));
    await expect(worker.index.search({ text: 'x' }, 10)).resolves.toEqual([]);
    await worker.close();
    await expect(worker.index.search({ text: 'x' }, 10)).rejects.toThrow(/database worker has stopped/);
    host.close();
  });
});
