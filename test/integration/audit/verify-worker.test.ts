import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { verifierInThread } from '../../../electron/services/audit/audit-verifier';
import { startHarness, type Harness } from '../../helpers/engine-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
});
afterAll(async () => h?.close());

describe('audit verification in its worker thread', () => {
  it('verifies every log with the worker\'s own reads: none of the verifier\'s requests go through the host\'s S3 client', async () => {
    await h.composed.engine.search({ queue: 'FX' }, { caseReference: null });
    const log = await h.composed.audit.log();
    await log.drain();
    await log.checkpointer.checkpointNow();

    const requests: Array<string> = [];
    log.s3.middlewareStack.add(
      (next, context) => async (args) => {
        requests.push(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize', name: 'countHostRequests' },
    );
    const progress: Array<[string, number, number]> = [];
    const result = await (await h.composed.audit.firmTrail()).verifyAll({ onProgress: (logId, read, total) => progress.push([logId, read, total]) });
    expect(result.ok).toBe(true);
    const own = result.logs.find((l) => l.own)!;
    expect(own.report).toMatchObject({ ok: true, bucketLock: { enabled: true }, events: { read: 1 }, verifiedUpTo: { treeSize: 1 } });
    // The bucket's lock and the log's objects were read, but by the worker: the host only listed the logs and caught up.
    expect(requests).not.toContain('GetObjectLockConfigurationCommand');
    expect(progress.at(-1)).toEqual([log.logId, 1, 1]);

    // The same report as the verifier run in this thread, apart from when it was made.
    const inThread = await verifierInThread(log.s3, h.composed.clock)({ bucket: log.bucket, logId: log.logId });
    const { ok, events, checkpoints, verifiedUpTo, problems, bucketLock, keys } = inThread;
    expect(own.report).toMatchObject({ ok, events, checkpoints, verifiedUpTo, problems, bucketLock, keys });
  });

  it('ends with the engine: a verification after that is refused, not run on the host', async () => {
    const log = await h.composed.audit.log();
    await h.composed.audit.closeVerifier();
    await expect(log.verifyLog({ bucket: log.bucket, logId: log.logId })).rejects.toThrow(/verification worker was closed/);
  });
});
