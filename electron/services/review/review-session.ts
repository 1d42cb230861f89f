import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { auditEventSchema, conversationIdSchema, type ReviewSession, type SessionInfo, type Waveform, type Workstation } from '../../../shared/domain';
import type { ReviewPack, ReviewPlayback } from '../../../shared/ipc/channels/review';
import { describeBuiltBy, packDocumentSchema, packProofsSchema, packRecordingSchema, packTranscriptPath, packWavPath, type PackRecording } from '../../../shared/pack-format';
import { transcriptViewSchema, type TranscriptView } from '../../../shared/transcripts';
import { escapeUnsafeText, hasUnsafeText } from '../../../shared/unsafe-text';
import { readWavInfo } from '../audio/wav';
import { analyseMedia, readMediaFile, type MediaAnalysis } from '../cache/media-analysis';
import { AppError } from '../errors';
import type { PlaybackGrants } from '../playback/playback-grants';
import type { Clock } from '../ports';
import { openPack, type PackReader } from '../packs/pack-reader';
import { verifyPack, type PackVerification } from '../packs/pack-verifier';
import { extractZip } from '../packs/zip';
import type { KeyTrust } from '../signing/key-trust';
import type { JournalContext, ReviewJournal } from './review-journal';
import { plainRangeSource } from '../storage/durable-file';
import { waveformWindow, type WaveformWindow } from './review-waveform';
import { copyVerifiedPayload, PackRefusalError, readVerifiedPayload } from './served-payload';

type Access = 'view' | 'play' | 'seek' | 'transcript';

/** A transcript file larger than this is not one Custody wrote (10 hours of speech is a few MB). */
const MAX_TRANSCRIPT_BYTES = 32 * 1024 * 1024;

export type ReviewSessionDeps = {
  journal: ReviewJournal;
  grants: PlaybackGrants;
  clock: Clock;
  /** The OS account the review runs as; the reviewer is the person named at open. */
  osAccount: string;
  workstation: Workstation;
  profile: string;
  mediaUrlBase: string;
};

/**
 * A sealed regulator review of one evidence pack: the pack is verified on open (tampering is
 * journaled and shown, never hidden), nothing is fetched or exported, no credential is read, and
 * every view, play, seek and transcript read is written to the local journal before it happens.
 */
export class ReviewSessionService {
  private constructor(
    private readonly deps: ReviewSessionDeps,
    private readonly session: ReviewSession,
    private readonly context: JournalContext,
    private readonly pack: ReviewPack,
    private readonly filesRoot: string,
    private readonly cleanup: () => Promise<void>,
    /** Payload files whose bytes matched both manifests when the pack was verified, with their SHA-256: the only files review serves. */
    private readonly verifiedPayload: ReadonlyMap<string, string>,
  ) {}

  /** A private directory holding the verified copies that are served (made on the first play). */
  private servedDir: Promise<string> | null = null;
  private readonly servedCopies = new Map<string, string>();
  /** The journal entry of each recording's current play, which its seeks name. */
  private readonly playEntries = new Map<string, number>();
  /** Each played recording's analysis (hash, WAV header, peaks), made once per session from its verified copy. */
  private readonly analyses = new Map<string, Promise<MediaAnalysis>>();

  static async open(deps: ReviewSessionDeps, options: { packPath: string; reviewer: string; trust: KeyTrust }): Promise<ReviewSessionService> {
    const reviewer = options.reviewer.trim();
    if (reviewer.length < 2 || reviewer.length > 120 || hasUnsafeText(reviewer)) {
      throw new AppError('VALIDATION', 'A reviewer name (2-120 printable characters) is required for a review session.');
    }
    const packPath = resolve(options.packPath);
    const verifiedPayload = new Map<string, string>();
    const verification = await verifyPack(packPath, { trust: options.trust, onVerifiedPayload: (file, sha256) => verifiedPayload.set(file, sha256) });
    if (verification.format === null) throw new AppError('VALIDATION', `Cannot open the pack: ${verification.problems[0]?.problem ?? 'unreadable'}`);
    let filesRoot = packPath;
    let cleanup = async (): Promise<void> => undefined;
    if (verification.format === 'zip') {
      filesRoot = await mkdtemp(join(tmpdir(), 'custody-review-'));
      const extracted = filesRoot;
      cleanup = async () => rm(extracted, { recursive: true, force: true });
    }
    try {
      return await ReviewSessionService.start(deps, { packPath, reviewer, verification, verifiedPayload, filesRoot, cleanup });
    } catch (error) {
      // A failed open leaves nothing behind: no extracted copy of the pack in the temp directory.
      await cleanup();
      throw error;
    }
  }

  private static async start(
    deps: ReviewSessionDeps,
    options: {
      packPath: string;
      reviewer: string;
      verification: PackVerification;
      verifiedPayload: Map<string, string>;
      filesRoot: string;
      cleanup: () => Promise<void>;
    },
  ): Promise<ReviewSessionService> {
    const { packPath, reviewer, verification, verifiedPayload, filesRoot, cleanup } = options;
    if (verification.format === 'zip') await extractZip(packPath, filesRoot);
    const reader = await openPack(filesRoot);
    let pack: ReviewPack;
    try {
      pack = await readPackView(reader, verification);
    } finally {
      await reader.close();
    }
    const session: ReviewSession = {
      sessionId: randomUUID(),
      reviewer,
      startedAt: new Date(deps.clock.now()).toISOString(),
      packPath,
      packId: pack.packId,
      caseReference: pack.caseReference,
      tampered: !verification.ok,
    };
    const context: JournalContext = {
      sessionId: session.sessionId,
      reviewer,
      osAccount: deps.osAccount,
      hostname: deps.workstation.hostname,
      packPath,
      packId: pack.packId,
      caseReference: pack.caseReference,
    };
    await deps.journal.record(context, 'open', { details: { verified: verification.ok, format: verification.format, signer: verification.signer.keyId, keyTrust: verification.signer.trust } });
    if (!verification.ok) {
      await deps.journal.record(context, 'tamper', {
        details: { problems: verification.problems.slice(0, 50).map((p) => `${p.file}: ${p.problem}`), problemCount: verification.problems.length },
      });
    }
    return new ReviewSessionService(deps, session, context, pack, filesRoot, cleanup, verifiedPayload);
  }

  info(): SessionInfo {
    return {
      profile: this.deps.profile,
      operator: { osAccount: this.deps.osAccount, name: this.session.reviewer },
      workstation: this.deps.workstation,
      caseReference: this.session.caseReference,
      index: { lastSyncedAt: null, coveredFrom: null, coveredTo: null },
      mode: 'review',
      review: this.session,
    };
  }

  packView(): ReviewPack {
    return this.pack;
  }

  async recordView(recordingId: string): Promise<{ journalSeq: number }> {
    const recording = await this.recordingToJournal(recordingId, 'view');
    const entry = await this.deps.journal.record(this.context, 'view', { conversationId: recording.conversationId, recordingId });
    return { journalSeq: entry.seq };
  }

  /**
   * Serves only a payload file the verifier checked, by its real path inside the pack, copied
   * privately while its SHA-256 is checked again against the manifest; then journals the play of
   * exactly that file and grants the copy (served read-only by media://). A refusal is journaled
   * and nothing plays.
   */
  async authorizePlayback(recordingId: string): Promise<ReviewPlayback> {
    const recording = await this.recordingToJournal(recordingId, 'play');
    const file = recording.wav.path;
    const sha256 = this.verifiedPayload.get(file);
    const ownFile = packWavPath(recording.conversationId, recordingId);
    if (file !== ownFile) return this.refuse(recording, 'play', `The pack names another file as this recording's audio, not its own ${ownFile}; it will not be played.`);
    if (sha256 === undefined) return this.refuse(recording, 'play', `${file} is not a payload file the verifier checked (not listed in both manifests, or its bytes did not match them); it will not be played.`);
    if (sha256 !== recording.wav.sha256) return this.refuse(recording, 'play', `The recording's metadata does not describe ${file} (its SHA-256 differs from the manifest's); it will not be played.`, { file });
    const target = join(await this.privateServedDir(), `${randomUUID()}.wav`);
    try {
      await copyVerifiedPayload({ root: this.filesRoot, relative: file, expectedSha256: sha256, target });
    } catch (error) {
      if (error instanceof PackRefusalError) return this.refuse(recording, 'play', error.message, { file });
      throw error;
    }
    const previous = this.servedCopies.get(recordingId);
    this.servedCopies.set(recordingId, target);
    if (previous) await rm(previous, { force: true });
    const entry = await this.deps.journal.record(this.context, 'play', {
      conversationId: recording.conversationId,
      recordingId,
      details: { file, sha256 },
    });
    this.playEntries.set(recordingId, entry.seq);
    const info = await readWavInfo(target);
    const grant = this.deps.grants.issue({
      recordingId,
      caseReference: this.session.caseReference,
      path: target,
      content: plainRangeSource(target),
      contentType: 'audio/wav',
      sha256,
      auditEventId: `journal-${entry.seq}`,
      durationMs: info.durationMs,
    });
    return {
      recordingId,
      mediaUrl: `${this.deps.mediaUrlBase}${encodeURIComponent(recordingId)}?grant=${grant.id}`,
      journalSeq: entry.seq,
      sha256,
      bytes: recording.wav.bytes,
      durationMs: info.durationMs,
      contentType: 'audio/wav',
    };
  }

  /**
   * Journals where playback moved to in the recording being played, before the player plays on
   * from there (as an officer's seek is audited): no seek without a live play, none past the end.
   */
  async recordSeek(recordingId: string, positionMs: number): Promise<{ journalSeq: number }> {
    const grant = this.deps.grants.current(recordingId);
    const play = this.playEntries.get(recordingId);
    if (!grant || play === undefined) throw new AppError('VALIDATION', 'This play has ended (it was closed or expired): press Play to start a new journaled play.');
    if (!Number.isSafeInteger(positionMs) || positionMs < 0 || positionMs > grant.durationMs) {
      throw new AppError('VALIDATION', `The seek position ${positionMs} ms is not inside the recording (0–${grant.durationMs} ms).`);
    }
    const recording = await this.recordingToJournal(recordingId, 'seek');
    const entry = await this.deps.journal.record(this.context, 'seek', {
      conversationId: recording.conversationId,
      recordingId,
      details: { positionMs, playJournalSeq: play },
    });
    // A seek is a use of the play: it keeps the grant alive.
    this.deps.grants.use(grant.id, recordingId);
    return { journalSeq: entry.seq };
  }

  /**
   * Peaks of the verified copy being played, from one analysis per recording per session (the
   * engine's single pass over the file); only while its play is live, as in the officer's app.
   */
  async waveform(recordingId: string, window: WaveformWindow): Promise<Waveform> {
    const grant = this.deps.grants.current(recordingId);
    if (!grant) throw new AppError('VALIDATION', 'Play the recording first: its waveform is drawn only for a journaled play.');
    let analysis = this.analyses.get(recordingId);
    if (!analysis) {
      analysis = analyseMedia(readMediaFile(grant.path), await grant.content.size());
      this.analyses.set(recordingId, analysis);
      analysis.catch(() => this.analyses.delete(recordingId));
    }
    const analysed = await analysis;
    if (analysed.sha256 !== grant.sha256) {
      this.analyses.delete(recordingId);
      throw new AppError('VALIDATION', 'The served copy of the recording no longer matches the pack; press Play to copy it again.');
    }
    return waveformWindow(recordingId, analysed, window);
  }

  /**
   * The pack's transcript of the recording, read only from its own file when the verifier found it
   * matching both manifests, and journaled before it is shown. A transcript the pack claims but that
   * did not verify is journaled as tamper and not shown.
   */
  async transcript(recordingId: string): Promise<TranscriptView> {
    const recording = await this.recordingToJournal(recordingId, 'transcript');
    const unavailable = (message: string): TranscriptView => ({ available: false, recordingId, reason: 'not-transcribed', message });
    const file = recording.transcript;
    if (!file) return unavailable('This pack carries no transcript of this recording.');
    const own = packTranscriptPath(recordingId);
    const sha256 = this.verifiedPayload.get(own);
    let problem: string | null = null;
    if (file.path !== own) problem = `The pack names another file as this recording's transcript, not its own ${own}; it is not shown.`;
    else if (sha256 === undefined) problem = `${own} is not a payload file the verifier checked (not listed in both manifests, or its bytes did not match them); it is not shown.`;
    else if (sha256 !== file.sha256) problem = `The recording's metadata does not describe ${own} (its SHA-256 differs from the manifest's); it is not shown.`;
    let bytes: Buffer | null = null;
    if (problem === null) {
      try {
        bytes = await readVerifiedPayload({ root: this.filesRoot, relative: own, expectedSha256: sha256!, maxBytes: MAX_TRANSCRIPT_BYTES });
      } catch (error) {
        if (!(error instanceof PackRefusalError)) throw error;
        problem = error.message;
      }
    }
    if (bytes === null) {
      await this.journalRefusal(recording, 'transcript', problem!, { file: own });
      return unavailable(problem!);
    }
    const parsed = transcriptViewSchema.safeParse(parseJson(bytes));
    if (!parsed.success || !parsed.data.available || parsed.data.recordingId !== recordingId || parsed.data.conversationId !== recording.conversationId) {
      return unavailable(`${own} is not a transcript of this recording that Custody can read.`);
    }
    await this.deps.journal.record(this.context, 'transcript', {
      conversationId: recording.conversationId,
      recordingId,
      details: { file: own, sha256, phrases: parsed.data.phrases.length },
    });
    // Pack-supplied text: control and bidi characters are made visible, as in a transcript from Genesys.
    const visible = (text: string) => escapeUnsafeText(text);
    return {
      ...parsed.data,
      phrases: parsed.data.phrases.map((p) => ({ ...p, text: visible(p.text), words: p.words.map((w) => ({ ...w, text: visible(w.text) })) })),
      auditEventId: null,
    };
  }

  /** The reviewer closed the recording: its play ends and its media URL stops working. */
  endPlayback(recordingId: string): void {
    this.deps.grants.revokeRecording(recordingId);
    this.playEntries.delete(recordingId);
  }

  async close(): Promise<void> {
    this.deps.grants.revokeAll();
    await this.deps.journal.record(this.context, 'close');
    await this.cleanup();
    if (this.servedDir) await rm(await this.servedDir, { recursive: true, force: true });
  }

  /** The pack's recording, once its pack-supplied IDs pass the IPC contract's rules (else the refusal is journaled). */
  private async recordingToJournal(recordingId: string, access: Access): Promise<PackRecording> {
    const recording = this.pack.recordings.find((r) => r.recordingId === recordingId);
    if (!recording) throw new AppError('NOT_FOUND', `Recording ${recordingId} is not in this pack.`);
    if (!conversationIdSchema.safeParse(recording.conversationId).success) {
      await this.refuse(recording, access, `The pack gives recording ${recordingId} a conversation id that is not valid; it will not be ${access === 'view' || access === 'transcript' ? 'shown' : 'played'}.`);
    }
    return recording;
  }

  /** Journals a refused access (as 'tamper': the pack is not what it claims). Only validated IDs reach the journal. */
  private async journalRefusal(recording: PackRecording, access: Access, message: string, details: { file?: string } = {}): Promise<void> {
    const conversationId = conversationIdSchema.safeParse(recording.conversationId);
    await this.deps.journal.record(this.context, 'tamper', {
      conversationId: conversationId.success ? conversationId.data : null,
      recordingId: recording.recordingId,
      details: { refused: access, problem: message, ...details },
    });
  }

  /** Journals a refused access and throws. */
  private async refuse(recording: PackRecording, access: Access, message: string, details: { file?: string } = {}): Promise<never> {
    await this.journalRefusal(recording, access, message, details);
    throw new PackRefusalError(message);
  }

  private privateServedDir(): Promise<string> {
    this.servedDir ??= mkdtemp(join(tmpdir(), 'custody-review-served-'));
    return this.servedDir;
  }
}

/** What the review UI shows, read from the pack as it is (even when it failed verification). */
async function readPackView(reader: PackReader, verification: PackVerification): Promise<ReviewPack> {
  const json = async (path: string): Promise<unknown> => {
    if (!reader.files.has(path)) return undefined;
    // A file that cannot be read is shown as missing: the verification says what is wrong with it.
    return parseJson(await reader.readBytes(path).catch(() => Buffer.alloc(0)));
  };
  const document = packDocumentSchema.safeParse(await json('data/pack.json'));
  const recordings: Array<PackRecording> = [];
  if (document.success) {
    for (const entry of document.data.recordings) {
      const parsed = packRecordingSchema.safeParse(await json(entry.metadata));
      if (parsed.success) recordings.push(parsed.data);
    }
  }
  const proofs = packProofsSchema.safeParse(await json('data/audit/proofs.json'));
  const events: ReviewPack['events'] = [];
  if (proofs.success) {
    for (const entry of proofs.data.events) {
      const event = auditEventSchema.safeParse(await json(entry.path));
      if (event.success) {
        const e = event.data;
        events.push({ seq: e.seq, eventId: e.eventId, time: e.time, action: e.action, operator: e.operator, workstation: e.workstation, recordingId: e.recordingId, caseReference: e.caseReference });
      }
    }
  }
  const doc = document.success ? document.data : null;
  return {
    packId: doc?.packId ?? verification.packId,
    caseReference: doc?.caseReference ?? verification.caseReference,
    sourceOrganization: doc?.sourceOrganization ?? null,
    builtAt: doc?.builtAt ?? null,
    builtBy: doc ? describeBuiltBy(doc.builtBy) : null,
    exportEventId: doc?.exportEventId ?? verification.exportEventId,
    signedAt: verification.signedAt,
    signingKeyId: verification.signingKeyId,
    signer: verification.signer,
    verification: { ok: verification.ok, verdict: verification.verdict, checks: verification.checks, problems: verification.problems },
    recordings,
    events,
  };
}

/** A pack file's JSON, or undefined when it is not JSON. */
function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
