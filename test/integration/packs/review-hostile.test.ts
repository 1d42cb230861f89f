import { createHash } from 'node:crypto';
import { cp, mkdir, open, readdir, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createReviewJournalRepository, type JournalEntry } from '../../../electron/db/repositories/review-journal-repository';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { CredentialVault } from '../../../electron/services/auth/credentials';
import { readEventChain } from '../../helpers/read-event-chain';
import { SecretRedactor } from '../../../electron/services/logging/redactor';
import { composeReview, type ComposedReview } from '../../../electron/services/composition/compose-review';
import { ReviewJournal } from '../../../electron/services/review/review-journal';
import type { AuditEvent } from '../../../shared/domain';
import type { PackRecording } from '../../../shared/pack-format';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, TEST_ANCHOR, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';

let h: Harness;
let cli: Awaited<ReturnType<typeof shareProfileWithCli>>;
let packDir: string;
let call: ReturnType<typeof uniqueTradingCall>;
/** A recording the officer has in the media cache but that is not in the pack. */
let cachedOther: { recordingId: string; path: string; sha256: string };
// The CLI reads the app's own keychain service: review sessions here use it too, so the CLI's sync checks the same key and head.
const secrets = createKeyringSecretStore();

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  cli = await shareProfileWithCli(h);
  call = uniqueTradingCall(h.sandbox);
  packDir = join(h.root, 'pack');
  await h.composed.packs.build({ selection: { kind: 'tradingIds', tradingIds: [call.tradingId] }, caseReference: 'FCA-2026-0042', outPath: packDir, zip: false });
  const { conversations, recordings } = h.sandbox.dataset;
  const other = conversations.find(
    (c) =>
      c.id !== call.conversation.id &&
      Date.parse(c.startTime) < TEST_ANCHOR.getTime() - 86_400_000 &&
      recordings.some((r) => r.conversationId === c.id && r.fileState === 'AVAILABLE' && r.durationMs < 120_000),
  )!;
  const [downloaded] = await h.composed.engine.download(other.id, 'FCA-2026-0042', join(h.root, 'downloads'));
  const media = join(h.composed.paths.dataDir, 'media');
  const cachedName = (await readdir(media)).find((f) => f.startsWith(`${downloaded!.recordingId}.`))!;
  cachedOther = { recordingId: downloaded!.recordingId, path: join(media, cachedName), sha256: downloaded!.sha256 };
});
afterAll(async () => {
  await secrets.delete(`${h.profile}/review-journal`);
  await cli?.dispose();
  await h?.close();
});

const packCopy = async (name: string) => {
  const copy = join(h.root, `pack-${name}`);
  await cp(packDir, copy, { recursive: true, verbatimSymlinks: true });
  return copy;
};
const wavPath = (pack: string) => join(pack, `data/recordings/${call.conversation.id}/${call.recording.id}.wav`);
const metadataPath = (pack: string) => join(pack, `data/metadata/${call.recording.id}.json`);
async function editMetadata(pack: string, edit: (r: PackRecording) => PackRecording): Promise<void> {
  await writeFile(metadataPath(pack), JSON.stringify(edit(JSON.parse(await readFile(metadataPath(pack), 'utf8')) as PackRecording)));
}
const openReview = (packPath: string) => composeReview({ profile: h.profile, env: h.env, packPath, reviewer: 'Dana Inspector (FCA)', mediaUrlBase: 'media://recording/', secrets });
const journal = () => createReviewJournalRepository(h.composed.db).list();
const sessionEntries = async (session: ComposedReview): Promise<Array<JournalEntry>> =>
  (await journal()).filter((e) => e.sessionId === session.review.info().review!.sessionId);
const sha256Of = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

/** Asserts the refusal: nothing granted, no play journaled, the refusal journaled as tamper, and nothing about another recording. */
async function expectRefusedPlay(session: ComposedReview, message: RegExp): Promise<void> {
  await expect(session.review.authorizePlayback(call.recording.id)).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(message) });
  expect(session.grants.current(call.recording.id)).toBeNull();
  const entries = await sessionEntries(session);
  expect(entries.filter((e) => e.action === 'play')).toEqual([]);
  expect(entries.find((e) => e.action === 'tamper' && e.details.refused === 'play')).toMatchObject({ recordingId: call.recording.id, details: { problem: expect.stringMatching(message) } });
  expect(entries.filter((e) => e.recordingId === cachedOther.recordingId)).toEqual([]);
}

describe('review serves only the files the verifier checked', () => {
  it('a folder pack with a symlink into the media cache plays nothing, and the journal shows no play of the other recording', async () => {
    const pack = await packCopy('symlink');
    await symlink(join(h.composed.paths.dataDir, 'media'), join(pack, 'data/cache'));
    await editMetadata(pack, (r) => ({ ...r, wav: { ...r.wav, path: `data/cache/${cachedOther.path.split('/').pop()!}`, sha256: cachedOther.sha256 } }));
    const session = await openReview(pack);
    try {
      expect(session.review.info().review!.tampered).toBe(true);
      await expectRefusedPlay(session, /not its own/);
    } finally {
      await session.close();
    }
  });

  it('refuses a folder swapped for a symlink after the pack was verified, even to identical bytes', async () => {
    const pack = await packCopy('swap');
    const session = await openReview(pack);
    try {
      expect(session.review.info().review!.tampered).toBe(false);
      const folder = join(pack, `data/recordings/${call.conversation.id}`);
      await rename(folder, join(h.root, 'moved-away'));
      await symlink(join(h.root, 'moved-away'), folder);
      await expectRefusedPlay(session, /symbolic link/);
    } finally {
      await session.close();
    }
  });

  it('refuses a metadata path outside the pack and a file the manifest does not list', async () => {
    const outside = await packCopy('outside');
    await editMetadata(outside, (r) => ({ ...r, wav: { ...r.wav, path: '../../../../etc/passwd' } }));
    const first = await openReview(outside);
    try {
      await expectRefusedPlay(first, /not its own/);
    } finally {
      await first.close();
    }

    const unlisted = await packCopy('unlisted');
    const manifest = join(unlisted, 'manifest-sha256.txt');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).split('\n').filter((line) => !line.endsWith(`${call.recording.id}.wav`)).join('\n'));
    const second = await openReview(unlisted);
    try {
      await expectRefusedPlay(second, /not a payload file the verifier checked/);
    } finally {
      await second.close();
    }
  });

  it('serves a private verified copy; a payload file altered after open is refused', async () => {
    const pack = await packCopy('altered');
    const session = await openReview(pack);
    let servedPath: string | undefined;
    try {
      const manifestSha = (await readFile(join(pack, 'manifest-sha256.txt'), 'utf8')).split('\n').find((l) => l.endsWith(`${call.recording.id}.wav`))!.split(' ')[0]!;
      const played = await session.review.authorizePlayback(call.recording.id);
      const served = session.grants.use(new URL(played.mediaUrl).searchParams.get('grant')!, call.recording.id)!;
      servedPath = served.path;
      expect(served.path.startsWith(pack)).toBe(false);
      expect(((await stat(served.path)).mode & 0o777).toString(8)).toBe('600');
      // Alter the pack's file after the play was granted: what is served does not change.
      const handle = await open(wavPath(pack), 'r+');
      await handle.write(Buffer.from('altered!'), 0, 8, 4096);
      await handle.close();
      expect(await sha256Of(served.path)).toBe(manifestSha);
      expect(played.sha256).toBe(manifestSha);

      await expect(session.review.authorizePlayback(call.recording.id)).rejects.toMatchObject({ message: expect.stringMatching(/does not match the pack's manifest/) });
      const entries = await sessionEntries(session);
      expect(entries.filter((e) => e.action === 'play')).toHaveLength(1);
      expect(entries.at(-1)).toMatchObject({ action: 'tamper', details: { refused: 'play', file: `data/recordings/${call.conversation.id}/${call.recording.id}.wav` } });
    } finally {
      await session.close();
    }
    // The private copies go with the session.
    await expect(stat(servedPath!)).rejects.toThrow();
  });
});

async function reviewEventsInLog(): Promise<Array<AuditEvent>> {
  const events: Array<AuditEvent> = [];
  for await (const e of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) if (e.details.review) events.push(e);
  return events;
}

describe('the review journal against hostile packs and tampering', () => {
  it('a bad pack-supplied ID is refused at review; a bad entry in the journal is rejected and never blocks the entries after it', async () => {
    const pack = await packCopy('bad-id');
    await editMetadata(pack, (r) => ({ ...r, conversationId: 'not a conversation id' }));
    const refused = await openReview(pack);
    try {
      await expect(refused.review.recordView(call.recording.id)).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/conversation id that is not valid/) });
      expect((await sessionEntries(refused)).find((e) => e.details.refused === 'view')).toMatchObject({ action: 'tamper', conversationId: null, recordingId: call.recording.id });
      expect((await sessionEntries(refused)).filter((e) => e.action === 'view')).toEqual([]);
    } finally {
      await refused.close();
    }
    // An entry journaled by an earlier Custody that took the pack's ID as it was, then good entries after it.
    const vault = new CredentialVault(secrets, h.profile, new SecretRedactor());
    const raw = await ReviewJournal.open({ repository: createReviewJournalRepository(h.composed.db), clock: { now: () => Date.now(), sleep: async () => undefined }, seals: vault });
    const context = { sessionId: 'old-session', reviewer: 'Dana Inspector (FCA)', osAccount: 'dana', hostname: 'review-pc', packPath: pack, packId: null, caseReference: 'FCA-2026-0042' };
    const bad = await raw.record(context, 'play', { conversationId: '../not a conversation id', recordingId: call.recording.id });
    const good = await openReview(await packCopy('good'));
    await good.review.authorizePlayback(call.recording.id);
    await good.close();
    const pending = (await journal()).filter((e) => e.syncedEventId === null);
    expect(pending.length).toBeGreaterThan(10);

    const run = await cli.run(['review', 'sync-journal', '--json']);
    expect(run.code, run.stderr).toBe(2);
    const report = JSON.parse(run.stdout) as { written: number; rejected: number; failed: number; chainIntact: boolean; items: Array<{ seq: number; outcome: string; error?: string }> };
    expect(report).toMatchObject({ rejected: 1, failed: 0, chainIntact: true, written: pending.length - 1 });
    expect(report.items.find((i) => i.seq === bad.seq)).toMatchObject({ outcome: 'rejected', error: expect.stringMatching(/conversationId is not a conversation id/) });
    expect(report.items.filter((i) => i.seq > bad.seq).every((i) => i.outcome === 'written')).toBe(true);
    expect((await journal()).find((e) => e.seq === bad.seq)).toMatchObject({ rejectedReason: expect.stringMatching(/conversationId/) });

    const logged = await reviewEventsInLog();
    const bySeq = new Map(logged.map((e) => [(e.details.review as { journalSeq: number }).journalSeq, e]));
    for (const entry of pending) expect(bySeq.has(entry.seq), `entry ${entry.seq} in the WORM log`).toBe(true);
    expect(bySeq.get(bad.seq)).toMatchObject({ conversationId: null, recordingId: null, details: { review: { rejected: expect.stringMatching(/conversationId/) } } });
    expect(JSON.stringify(bySeq.get(bad.seq))).not.toContain('../not');
    expect(logged.filter((e) => e.action === 'play' && e.recordingId === call.recording.id).length).toBeGreaterThan(0);

    // Nothing left: the next run has nothing to do and exits 0.
    const again = await cli.run(['review', 'sync-journal', '--json']);
    expect(again.code, again.stdout).toBe(0);
  });

  it('deleting the last entries of the journal is detected: review refuses to journal, sync reports it (exit 2) and writes what is intact', async () => {
    const session = await openReview(await packCopy('truncate'));
    await session.review.authorizePlayback(call.recording.id);
    await session.close();
    const entries = await sessionEntries(session);
    expect(entries.map((e) => e.action)).toEqual(['open', 'play', 'close']);
    // Remove the play and the close, as someone covering up the play would.
    h.composed.db.prepare('DELETE FROM review_journal WHERE seq >= ?').run(entries[1]!.seq);

    await expect(openReview(packDir)).rejects.toThrow(/review journal was altered .*were deleted/);
    expect((await journal()).at(-1)!.seq).toBe(entries[0]!.seq);

    const run = await cli.run(['review', 'sync-journal']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toContain(`LOCAL JOURNAL ALTERED at entry ${entries[1]!.seq}`);
    expect(run.stdout).toContain(`entries ${entries[1]!.seq} to ${entries[2]!.seq} were deleted`);
    expect(run.stdout).toMatch(new RegExp(`#${entries[0]!.seq} .* open: written`));
    const altered = (await reviewEventsInLog()).filter((e) => (e.details.review as { entry: string }).entry === 'journal-altered');
    expect(altered).toHaveLength(1);
    expect(altered[0]!.details.review).toMatchObject({ brokenAtSeq: entries[1]!.seq, alterations: [expect.stringMatching(/were deleted/)] });

    // Reported once; the head is sealed again over what remains, and reviews journal again.
    const again = await cli.run(['review', 'sync-journal']);
    expect(again.code, again.stdout).toBe(0);
    const next = await openReview(packDir);
    await next.close();
  });
});

/** Puts `bytes` at `path` in a folder pack, listed in both payload manifests as a builder would. */
async function addPayload(pack: string, path: string, bytes: Buffer | string): Promise<void> {
  await writeFile(join(pack, path), bytes);
  for (const algorithm of ['sha256', 'sha512'] as const) {
    const manifest = join(pack, `manifest-${algorithm}.txt`);
    const lines = (await readFile(manifest, 'utf8')).split('\n').filter((line) => line !== '' && !line.endsWith(`  ${path}`));
    lines.push(`${createHash(algorithm).update(bytes).digest('hex')}  ${path}`);
    await writeFile(manifest, `${lines.join('\n')}\n`);
  }
}

describe("a review plays on the app's player: waveform, seeks and transcript journaled", () => {
  it('draws the waveform of the verified copy only for a live play, journals each seek inside the recording before it lands', async () => {
    const session = await openReview(await packCopy('player'));
    try {
      await expect(session.review.waveform(call.recording.id, { buckets: 500 })).rejects.toThrow(/Play the recording first/);
      await expect(session.review.recordSeek(call.recording.id, 1000)).rejects.toThrow(/press Play/);
      const played = await session.review.authorizePlayback(call.recording.id);
      const whole = await session.review.waveform(call.recording.id, { buckets: 500 });
      expect(whole).toMatchObject({ recordingId: call.recording.id, durationMs: played.durationMs, complete: true });
      expect(whole.peaks.map((channel) => channel.length)).toEqual([500, 500]);
      expect(Math.max(...whole.peaks[0]!)).toBeGreaterThan(0.05);
      const zoomed = await session.review.waveform(call.recording.id, { buckets: 100, fromMs: 2_000, toMs: 4_000 });
      expect(zoomed.fromMs).toBeLessThanOrEqual(2_000);
      expect(zoomed.toMs).toBeGreaterThanOrEqual(4_000);

      const seek = await session.review.recordSeek(call.recording.id, 3_250);
      await expect(session.review.recordSeek(call.recording.id, played.durationMs + 1_000)).rejects.toThrow(/not inside the recording/);
      expect((await sessionEntries(session)).filter((e) => e.action === 'seek')).toEqual([
        expect.objectContaining({ seq: seek.journalSeq, recordingId: call.recording.id, conversationId: call.conversation.id, details: { positionMs: 3_250, playJournalSeq: played.journalSeq } }),
      ]);
      session.review.endPlayback(call.recording.id);
      await expect(session.review.recordSeek(call.recording.id, 1_000)).rejects.toThrow(/press Play/);
    } finally {
      await session.close();
    }
  });

  it("shows the pack's own transcript file only as verified, journaling the read; an altered one is journaled as tamper and not shown", async () => {
    const pack = await packCopy('transcript');
    const transcriptPath = `data/transcripts/${call.recording.id}.json`;
    await mkdir(join(pack, 'data/transcripts'));
    const transcript = JSON.stringify({
      available: true,
      recordingId: call.recording.id,
      conversationId: call.conversation.id,
      communicationId: 'comm-1',
      language: 'en-GB',
      phrases: [{ speaker: 'agent', text: 'Confirming trade \u202eT-1', startMs: 1_000, durationMs: 1_500, words: [], confidence: 0.9 }],
      auditEventId: 'officer-read',
    });
    await addPayload(pack, transcriptPath, transcript);
    const metadata = JSON.parse(await readFile(metadataPath(pack), 'utf8')) as PackRecording;
    const file = { path: transcriptPath, bytes: Buffer.byteLength(transcript), sha256: createHash('sha256').update(transcript).digest('hex'), sha512: createHash('sha512').update(transcript).digest('hex') };
    await addPayload(pack, `data/metadata/${call.recording.id}.json`, JSON.stringify({ ...metadata, transcript: file }));

    const session = await openReview(pack);
    try {
      const shown = await session.review.transcript(call.recording.id);
      expect(shown).toMatchObject({ available: true, auditEventId: null, phrases: [{ speaker: 'agent', startMs: 1_000 }] });
      // Pack-supplied text: the bidi override is made visible, not obeyed.
      expect(shown.available && shown.phrases[0]!.text).not.toContain('\u202e');
      expect((await sessionEntries(session)).filter((e) => e.action === 'transcript')).toEqual([
        expect.objectContaining({ recordingId: call.recording.id, details: { file: transcriptPath, sha256: file.sha256, phrases: 1 } }),
      ]);

      await writeFile(join(pack, transcriptPath), transcript.replace('Confirming', 'Cancelling'));
      const altered = await session.review.transcript(call.recording.id);
      expect(altered).toMatchObject({ available: false, message: expect.stringMatching(/does not match the pack's manifest/) });
      expect((await sessionEntries(session)).at(-1)).toMatchObject({ action: 'tamper', details: { refused: 'transcript', file: transcriptPath } });
      expect((await sessionEntries(session)).filter((e) => e.action === 'transcript')).toHaveLength(1);
    } finally {
      await session.close();
    }

    // A pack without a transcript says so, and nothing is journaled as read.
    const plain = await openReview(await packCopy('no-transcript'));
    try {
      expect(await plain.review.transcript(call.recording.id)).toMatchObject({ available: false, reason: 'not-transcribed', message: expect.stringMatching(/no transcript/) });
      expect((await sessionEntries(plain)).map((e) => e.action)).toEqual(['open']);
    } finally {
      await plain.close();
    }
  });
});
