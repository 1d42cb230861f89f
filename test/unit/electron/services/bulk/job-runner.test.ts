import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createJobsRepository } from '../../../../../electron/db/repositories/jobs-repository';
import { systemClock } from '../../../../../electron/services/adapters/system-clock';
import type { AuditAppendInput } from '../../../../../electron/services/audit/event-chain';
import type { AuditWriter } from '../../../../../electron/services/audit/audit-writer';
import { PARTIAL_DIR, recordingFilePath } from '../../../../../electron/services/bulk/output-layout';
import { JobRun, type BulkGenesys } from '../../../../../electron/services/bulk/job-runner';
import type { AuditEvent } from '../../../../../shared/domain';
import { recordingLogger } from '../../../../helpers/fakes';
import { testTempDir } from '../../../../helpers/temp-dir';
import { testActors } from '../../../../helpers/audit-actors';

const conversations = Array.from({ length: 6 }, (_, n) => ({ conversationId: `c-${n}`, recordingId: `r-${n}` }));
const audioOf = (recordingId: string) => Buffer.from(`RIFF audio of ${recordingId}`);

/** A job of six one-recording calls, listed per conversation, run with the given fakes at its ports. */
async function setup(options: { concurrency: number; auditBatchMaxItems: number; http: (recordingId: string) => Promise<Response>; append: (input: AuditAppendInput) => Promise<void> }) {
  const outDir = await testTempDir('custody-job-runner-');
  const jobs = createJobsRepository(openDatabaseSync(':memory:'));
  const now = systemClock.now();
  const job = {
    id: 'job-1',
    createdMs: now,
    state: 'paused' as const,
    message: null,
    caseReference: 'FCA-2026-0042',
    selectionJson: '{}',
    inputReportJson: '[]',
    outDir,
    concurrency: options.concurrency,
    api: 'per-conversation' as const,
  };
  await jobs.createJob(job, conversations.map((c) => ({ ...c, tradingId: 'T-20261125-0044', clientAccount: null, startMs: now })));
  const runner = { id: 'runner-1', pid: process.pid };
  const claimed = await jobs.claim(job.id, runner, now, () => false);
  const events: Array<AuditEvent> = [];
  const audit: AuditWriter = {
    append: async (input) => {
      await options.append(input);
      const event = { ...input, eventId: `event-${events.length + 1}`, details: input.details ?? {} } as AuditEvent;
      events.push(event);
      return event;
    },
  };
  const genesys = {
    client: {
      conversationRecordingsWithMedia: async (conversationId: string) => ({
        ready: true,
        recordings: conversations
          .filter((c) => c.conversationId === conversationId)
          .map((c) => ({ id: c.recordingId, fileState: 'AVAILABLE', mediaUris: { S: { mediaUri: `https://media.test/${c.recordingId}` } } })),
      }),
    },
  } as unknown as BulkGenesys;
  const run = new JobRun(
    {
      jobs,
      audit: async () => audit,
      actors: testActors(),
      genesys: async () => genesys,
      http: async (url) => options.http(String(url).split('/').at(-1)!),
      clock: systemClock,
      random: () => 0,
      logger: recordingLogger(),
      onProgress: async () => undefined,
      onFinish: async () => undefined,
      runner,
      tuning: { auditBatchMaxItems: options.auditBatchMaxItems },
    },
    claimed,
  );
  const fileOf = (recordingId: string) => join(outDir, recordingFilePath({ ...conversations.find((c) => c.recordingId === recordingId)!, tradingId: 'T-20261125-0044', startMs: now }, 'audio/wav'));
  return { run, jobs, events, outDir, fileOf };
}

const wav = (recordingId: string) => new Response(audioOf(recordingId), { headers: { 'content-type': 'audio/wav' } });
const listed = (event: AuditEvent) => (event.details.items as Array<[string, string]>).map(([, recordingId]) => recordingId);

describe('bulk job run', () => {
  it('audits each batch in one event before any of its files is written, and records the next batch while the one before downloads', async () => {
    let secondBatchAudited!: () => void;
    const audited = new Promise<void>((resolve) => (secondBatchAudited = resolve));
    let appends = 0;
    const t = await setup({
      concurrency: 2,
      auditBatchMaxItems: 2,
      append: async (input) => {
        // Nothing of a recording exists on disk before its event is acknowledged, not even a temporary file.
        const partials = await readdir(join(t.outDir, PARTIAL_DIR)).catch(() => []);
        for (const [, recordingId] of input.details!.items as Array<[string, string]>) {
          expect(existsSync(t.fileOf(recordingId)), recordingId).toBe(false);
          expect(partials.filter((name) => name.startsWith(`job-1.${recordingId}.`))).toEqual([]);
        }
        if (++appends === 2) queueMicrotask(secondBatchAudited);
      },
      // The first batch's downloads hold until the second batch is audited: the run only ends if the two overlap.
      http: async (recordingId) => {
        if (t.events.length > 0 && listed(t.events[0]!).includes(recordingId)) await audited;
        return wav(recordingId);
      },
    });
    expect(await t.run.run()).toEqual({ state: 'done', message: null });

    expect(t.events.map(listed)).toEqual([['r-0', 'r-1'], ['r-2', 'r-3'], ['r-4', 'r-5']]);
    for (const event of t.events) {
      expect(event).toMatchObject({ action: 'download', caseReference: 'FCA-2026-0042', tradingId: 'T-20261125-0044', details: { jobId: 'job-1', via: 'per-conversation' } });
    }
    const items = await t.jobs.items('job-1');
    for (const item of items) {
      expect(item).toMatchObject({ state: 'done', bytes: audioOf(item.recordingId).length });
      expect(t.events.find((e) => e.eventId === item.auditEventId)!.details.items).toContainEqual([item.conversationId, item.recordingId]);
    }
  });

  it('retries a failed download under the event that already lists it, without a second event', async () => {
    let tries = 0;
    const t = await setup({
      concurrency: 6,
      auditBatchMaxItems: 100,
      append: async () => undefined,
      http: async (recordingId) => (recordingId === 'r-3' && ++tries === 1 ? new Response('busy', { status: 503 }) : wav(recordingId)),
    });
    expect((await t.run.run()).state).toBe('done');
    expect(tries).toBe(2);
    expect(t.events.flatMap(listed).sort()).toEqual(conversations.map((c) => c.recordingId));
    expect((await t.jobs.items('job-1')).find((i) => i.recordingId === 'r-3')).toMatchObject({ state: 'done', attempts: 2 });
  });
});
