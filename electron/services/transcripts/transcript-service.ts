import type { Logger } from '../../../shared/logger';
import type { TranscriptView } from '../../../shared/transcripts';
import type { IndexRecording, IndexRepository } from '../../db/repositories/index-repository';
import type { StoredTranscript, TranscriptRepository } from '../../db/repositories/transcript-repository';
import type { AuditActor, AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { requireCase } from '../custody-engine';
import { AppError, AuthError, HttpError, NetworkError } from '../errors';
import type { GenesysClient } from '../genesys/genesys-client';
import type { Clock, HttpClient } from '../ports';
import type { GenesysServices } from '../retrieval/genesys-services';
import { languageOf, parseGenesysTranscript, phrasesOfRecording, TRANSCRIPT_ENDPOINT } from './genesys-transcript';

export type TranscriptServiceDeps = {
  transcripts: TranscriptRepository;
  index: Pick<IndexRepository, 'findRecording' | 'recordingsOfConversation' | 'hasConversation'>;
  audit: () => Promise<AuditWriter>;
  actors: Pick<AuditActors, 'officer'>;
  /** The signed-in officer's Genesys connection: a transcript is read with her token, like a play. */
  genesys: () => Promise<OfficerConnection>;
  /** Fetches the pre-signed transcript URL (no Authorization header: the URL carries its credential). */
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  /** How long a "not transcribed" answer is trusted before the background fetch asks again (Genesys transcribes after the call). */
  retryNotTranscribedMs?: number;
};

const TRANSCRIPT_BYTES_MAX = 32 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;
const DAY_MS = 86_400_000;

export const NO_SPEECH_ANALYTICS_MESSAGE =
  'Genesys has no transcripts for this org: speech and text analytics is not enabled (or your Genesys account may not read it). Custody sends audio to no other speech service.';
export const NOT_TRANSCRIBED_MESSAGE = 'Genesys did not transcribe this call, so there is no transcript to show.';

/** The officer's connection as the service uses it: her interactive client, and her services (index sync, bulk client). */
export type OfficerConnection = { services: Pick<GenesysServices, 'sync' | 'bulk'>; admin: { client: GenesysClient } };

type Fetched = StoredTranscript | { status: 'no-speech-analytics'; detail: string };

/**
 * Transcripts from Genesys speech and text analytics, and nothing else: no audio is ever sent to any
 * other speech service. Reading one is an audited access ('transcript', under the officer's current case,
 * before the read); what Genesys returns is kept in the encrypted index, its phrases under FTS5 for `said`.
 */
export class TranscriptService {
  private backgroundRun: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly deps: TranscriptServiceDeps) {}

  /** A recording's transcript for the officer: audited first, then from the index, else from Genesys (and kept). */
  async transcript(recordingId: string, caseReference: string | null): Promise<TranscriptView> {
    const checkedCase = requireCase(caseReference);
    const actor = await this.deps.actors.officer('play');
    const recording = await this.requireRecording(recordingId);
    const event = await this.record(actor, recording, checkedCase, {});
    const stored = (await this.deps.transcripts.get(recordingId)) ?? (await this.fetchAndKeep(recording, 'interactive'));
    return this.view(recordingId, stored, event.eventId);
  }

  /** Every recording's transcript of a conversation (the CLI's `custody transcript`), each read audited. */
  async conversationTranscripts(conversationId: string, caseReference: string | null): Promise<Array<TranscriptView>> {
    requireCase(caseReference);
    await this.deps.actors.officer('play');
    let recordings = await this.deps.index.recordingsOfConversation(conversationId);
    if (recordings.length === 0) {
      const { sync } = (await this.deps.genesys()).services;
      if (!(await this.deps.index.hasConversation(conversationId))) await sync.syncConversation(conversationId);
      else await sync.syncRecordings([conversationId]);
      recordings = await this.deps.index.recordingsOfConversation(conversationId);
    }
    if (recordings.length === 0) throw new AppError('NOT_FOUND', `Conversation ${conversationId} has no recordings, so it has no transcript.`);
    const views: Array<TranscriptView> = [];
    for (const recording of recordings) views.push(await this.transcript(recording.recordingId as string, caseReference));
    return views;
  }

  /** What the index holds for a recording (an evidence pack carries it under the pack's own export event); null when nothing. */
  async stored(recordingId: string): Promise<TranscriptView | null> {
    const stored = await this.deps.transcripts.get(recordingId);
    return stored?.status === 'available' ? this.view(recordingId, stored, null) : null;
  }

  /**
   * Fetches, one at a time and newest first, the transcripts of indexed calls the index lacks, each fetch
   * audited ('transcript', no case: it is the officer's background work, under her token and name, started
   * by her search). It stops at the first sign the org has no speech analytics, when she signs out, at
   * `limit`, or on `stop()`. One run at a time; a call while one runs joins it.
   */
  fetchInBackground(options: { limit?: number; paceMs?: number } = {}): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.backgroundRun ??= this.runBackground(options.limit ?? 100, options.paceMs ?? 3_000).finally(() => {
      this.backgroundRun = null;
    });
    return this.backgroundRun;
  }

  /** Ends background fetching (shutdown): the fetch under way finishes, no other starts. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.backgroundRun;
  }

  private async runBackground(limit: number, paceMs: number): Promise<void> {
    const retryBefore = this.deps.clock.now() - (this.deps.retryNotTranscribedMs ?? DAY_MS);
    const candidates = await this.deps.transcripts.missing(retryBefore, limit);
    for (const candidate of candidates) {
      if (this.stopped) return;
      try {
        const actor = await this.deps.actors.officer('play');
        const recording = await this.requireRecording(candidate.recordingId);
        await this.record(actor, recording, null, { background: true });
        const fetched = await this.fetchAndKeep(recording, 'bulk');
        if (fetched.status === 'no-speech-analytics') return;
      } catch (error) {
        this.deps.logger.warn('background transcript fetch stopped', { recordingId: candidate.recordingId, reason: (error as Error).message });
        return;
      }
      await this.deps.clock.sleep(paceMs);
    }
  }

  private async fetchAndKeep(recording: IndexRecording & { recordingId: string }, policy: 'interactive' | 'bulk'): Promise<Fetched> {
    const fetched = await this.fetch(recording, policy);
    if (fetched.status !== 'no-speech-analytics') await this.deps.transcripts.put(fetched);
    return fetched;
  }

  private async fetch(recording: IndexRecording & { recordingId: string }, policy: 'interactive' | 'bulk'): Promise<Fetched> {
    const connection = await this.deps.genesys();
    const client = policy === 'interactive' ? connection.admin.client : connection.services.bulk;
    const communicationId = await this.communicationOf(recording, connection);
    const common = { recordingId: recording.recordingId, conversationId: recording.conversationId, communicationId, fetchedMs: this.deps.clock.now() };
    let url: string;
    try {
      url = await client.transcriptUrl(recording.conversationId, communicationId);
    } catch (error) {
      // Genesys answers 403 for an org without speech and text analytics, 404 for a call it did not transcribe.
      if (error instanceof AuthError) return { status: 'no-speech-analytics', detail: error.message };
      if (error instanceof HttpError && error.status === 404) return { status: 'not-transcribed', ...common };
      throw error;
    }
    const transcript = parseGenesysTranscript(await this.download(url));
    const { recordingStartMs: startMs, recordingEndMs: endMs } = recording;
    const phrases = phrasesOfRecording(transcript, { startMs, durationMs: startMs !== null && endMs !== null ? endMs - startMs : null });
    return { status: 'available', ...common, language: languageOf(transcript), phrases };
  }

  /** The recorded communication; a recording indexed before Custody kept it is listed again from Genesys. */
  private async communicationOf(recording: IndexRecording & { recordingId: string }, connection: OfficerConnection): Promise<string> {
    let communicationId = await this.deps.transcripts.communicationOf(recording.recordingId);
    if (communicationId === null) {
      await connection.services.sync.syncRecordings([recording.conversationId]);
      communicationId = await this.deps.transcripts.communicationOf(recording.recordingId);
    }
    if (communicationId === null) throw new AppError('UPSTREAM_INVALID', `Genesys does not say which communication recording ${recording.recordingId} captured, so its transcript cannot be asked for.`);
    return communicationId;
  }

  /** The transcript JSON at its pre-signed URL, bounded in size and time. */
  private async download(url: string): Promise<unknown> {
    let response: Response;
    try {
      response = await this.deps.http(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
    } catch (error) {
      throw new NetworkError(TRANSCRIPT_ENDPOINT, error);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new HttpError(response.status, TRANSCRIPT_ENDPOINT, `The transcript server answered ${response.status}`);
    }
    const announced = Number(response.headers.get('content-length') ?? NaN);
    if (announced > TRANSCRIPT_BYTES_MAX) {
      await response.body?.cancel();
      throw new AppError('UPSTREAM_INVALID', `The transcript is larger than ${TRANSCRIPT_BYTES_MAX} bytes; Custody does not read it.`);
    }
    const text = await response.text();
    if (text.length > TRANSCRIPT_BYTES_MAX) throw new AppError('UPSTREAM_INVALID', `The transcript is larger than ${TRANSCRIPT_BYTES_MAX} bytes; Custody does not read it.`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }

  private view(recordingId: string, stored: Fetched, auditEventId: string | null): TranscriptView {
    if (stored.status === 'available') {
      return {
        available: true,
        recordingId,
        conversationId: stored.conversationId,
        communicationId: stored.communicationId,
        language: stored.language,
        phrases: stored.phrases,
        auditEventId,
      };
    }
    if (stored.status === 'not-transcribed') return { available: false, recordingId, reason: 'not-transcribed', message: NOT_TRANSCRIBED_MESSAGE };
    return { available: false, recordingId, reason: 'no-speech-analytics', message: NO_SPEECH_ANALYTICS_MESSAGE };
  }

  private async record(actor: AuditActor, recording: IndexRecording & { recordingId: string }, caseReference: string | null, details: Record<string, unknown>) {
    const audit = await this.deps.audit();
    return audit.append(
      { action: 'transcript', conversationId: recording.conversationId, recordingId: recording.recordingId, tradingId: recording.tradingId, caseReference, details },
      actor,
    );
  }

  private async requireRecording(recordingId: string): Promise<IndexRecording & { recordingId: string }> {
    const match = await this.deps.index.findRecording(recordingId);
    if (!match?.recordingId) throw new AppError('NOT_FOUND', `Recording ${recordingId} is not in the local index; search for it first.`);
    return match as IndexRecording & { recordingId: string };
  }
}
