import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditEvent, SearchResult } from '../../../shared/domain';
import { packRecordingSchema } from '../../../shared/pack-format';
import { transcriptViewSchema, type TranscriptView } from '../../../shared/transcripts';
import type { SeedConversation } from '../../sandbox/server';
import { storeCliCredentials } from '../../helpers/bulk';
import { startHarness, TEST_ANCHOR, type Harness } from '../../helpers/engine-harness';
import { readEventChain } from '../../helpers/read-event-chain';
import { runCli } from '../../helpers/run-cli';

/**
 * `custody transcript` and `custody search --said` against the sandbox's speech analytics, through the
 * official SDK: the transcript of the dialogue the sandbox synthesised (true timings), its audited read,
 * where words were said, and the refusals: an unknown conversation, an empty phrase, a call Genesys did not
 * transcribe and an org without speech analytics.
 */

let h: Harness;
let forget: () => Promise<void>;
const CASE = 'FCA-2026-0412';
const cli = (args: ReadonlyArray<string>) => runCli([...args, '--profile', h.profile], { env: h.env, timeoutMs: 120_000 });

/** Short, single-recording trading calls a few days old. */
function shortCalls(): Array<SeedConversation> {
  return h.sandbox.dataset.conversations.filter(
    (c) => c.deal && c.tradingId && !c.followUpOf && c.recordings.length === 1 && c.recordings[0]!.fileState === 'AVAILABLE' && c.recordings[0]!.durationMs < 60_000 && Date.parse(c.startTime) < TEST_ANCHOR.getTime() - 2 * 86_400_000,
  );
}

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  forget = await storeCliCredentials(h);
});
afterAll(async () => {
  await forget?.();
  await h?.close();
});

describe('custody transcript and search --said', () => {
  it('shows the transcript with true timings after auditing the read, then finds where its words were said', async () => {
    const call = shortCalls()[0]!;
    const run = await cli(['transcript', '--conversation', call.id, '--case', CASE, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const view = transcriptViewSchema.parse(JSON.parse(run.stdout.trim())) as TranscriptView & { available: true };
    expect(view.available).toBe(true);
    const { phrases } = view;
    // The sandbox lays its first turn 0.3-0.7 s into the recording, the agent greeting the client.
    expect(phrases[0]).toMatchObject({ speaker: 'agent' });
    expect(phrases[0]!.startMs).toBeGreaterThanOrEqual(300);
    expect(phrases[0]!.startMs).toBeLessThanOrEqual(700);
    expect(phrases.map((p) => p.speaker)).toContain('client');
    for (let i = 1; i < phrases.length; i += 1) expect(phrases[i]!.startMs).toBeGreaterThanOrEqual(phrases[i - 1]!.startMs + phrases[i - 1]!.durationMs);
    expect(phrases.at(-1)!.startMs + phrases.at(-1)!.durationMs).toBeLessThanOrEqual(call.recordings[0]!.durationMs);
    const order = phrases.find((p) => p.speaker === 'client' && p.text.startsWith('Can you show me'))!;
    expect(order.words.map((w) => w.text).join(' ')).toBe(order.text);

    const events: Array<AuditEvent> = [];
    for await (const event of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) events.push(event);
    const read = events.find((e) => e.eventId === view.auditEventId)!;
    expect(read).toMatchObject({ action: 'transcript', conversationId: call.id, recordingId: call.recordings[0]!.id, caseReference: CASE });

    const said = await cli(['search', '--said', order.text.replace(/[?.,]/g, ''), '--case', CASE, '--json']);
    expect(said.code, said.stderr).toBe(0);
    const result = JSON.parse(said.stdout.trim()) as SearchResult;
    expect(result.matches.map((m) => m.recordingId)).toEqual([call.recordings[0]!.id]);
    expect(result.matches[0]!.said).toEqual([{ offsetMs: order.startMs, speaker: 'client', text: order.text }]);

    // A pack of the call carries the transcript the index holds, for review mode.
    const out = join(h.root, 'pack-with-transcript');
    const pack = await cli(['pack', 'build', '--trading-id', call.tradingId!, '--case', CASE, '--out', out]);
    expect(pack.code, pack.stderr).toBe(0);
    const recordingId = call.recordings[0]!.id;
    const metadata = packRecordingSchema.parse(JSON.parse(await readFile(join(out, `data/metadata/${recordingId}.json`), 'utf8')));
    expect(metadata.transcript?.path).toBe(`data/transcripts/${recordingId}.json`);
    const packed = transcriptViewSchema.parse(JSON.parse(await readFile(join(out, metadata.transcript!.path), 'utf8')));
    expect(packed).toMatchObject({ available: true, phrases: view.phrases });
  }, 180_000);

  it('refuses an unknown conversation and an empty phrase, and says when Genesys has no transcript', async () => {
    const [, untranscribed, unlicensed] = shortCalls();
    h.sandbox.dropTranscript(untranscribed!.id);
    const results = await Promise.all([
      cli(['transcript', '--conversation', '0d7c9a58-0000-4000-8000-00000000dead', '--case', CASE]),
      cli(['search', '--said', '  ', '--case', CASE]),
      cli(['transcript', '--conversation', untranscribed!.id, '--case', CASE]),
    ]);
    const [unknown, empty, notTranscribed] = results;
    expect(unknown!.code).toBe(1);
    expect(unknown!.stderr).toMatch(/not found/i);
    expect(empty!.code).toBe(1);
    expect(notTranscribed!.code).toBe(1);
    expect(notTranscribed!.stderr).toMatch(/Genesys did not transcribe this call/);

    h.sandbox.setSpeechAnalytics(false);
    const none = await cli(['transcript', '--conversation', unlicensed!.id, '--case', CASE]);
    h.sandbox.setSpeechAnalytics(true);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/speech and text analytics is not enabled/);
    expect(none.stderr).toMatch(/no other speech service/);
  }, 180_000);
});
