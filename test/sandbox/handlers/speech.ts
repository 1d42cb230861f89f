import type { Models } from 'purecloud-platform-client-v2';
import type { Turn } from '../audio';
import { AUDIO_SAMPLE_RATE, type SeedConversation, type SeedRecording } from '../dataset';
import { notFound, SandboxHttpError } from '../http';
import { RECORDING_VIEW_PERMISSIONS } from '../permissions';
import type { Route, SandboxContext } from '../routes';

/**
 * Speech and text analytics: the pre-signed URL of a communication's transcript
 * (`.../communications/{communicationId}/transcripturl(s)`) and, behind it, the transcript JSON Genesys publishes,
 * made from the dialogue the sandbox synthesised with its true timings (each turn a phrase, its words spread over it).
 * An org without the product answers 403, and a call that was not transcribed 404, as Genesys does.
 */

/** What the org's speech analytics looks like to the handlers; the sandbox's control switches it. */
export type SpeechAnalyticsState = {
  enabled: boolean;
  /** Conversations Genesys did not transcribe. */
  untranscribed: Set<string>;
};

/** The transcript document at the pre-signed URL (Genesys's published format; the SDK has no model for it). */
export type GenesysTranscriptDocument = {
  organizationId: string;
  conversationId: string;
  communicationId: string;
  mediaType: 'call';
  startTime: number;
  duration: { milliseconds: number };
  transcripts: Array<{
    transcriptId: string;
    language: string;
    engineProvider: string;
    phrases: Array<{
      text: string;
      stability: number;
      confidence: number;
      offsetMs: number;
      startTimeMs: number;
      duration: { milliseconds: number };
      words: Array<{ word: string; confidence: number; offsetMs: number; startTimeMs: number; duration: { milliseconds: number } }>;
      participantPurpose: 'internal' | 'external';
      channelId: number;
      phraseIndex: number;
    }>;
  }>;
};

const TRANSCRIPT_URL_TTL_MINUTES = 10;

export function speechRoutes(ctx: SandboxContext, speech: SpeechAnalyticsState): Array<Route> {
  const { world } = ctx;
  const recordingsOf = (conversationId: string, communicationId: string): Array<SeedRecording> => {
    if (!speech.enabled) {
      throw new SandboxHttpError(403, 'speech.analytics.not.enabled', 'Speech and text analytics is not enabled for this organization.');
    }
    const conversation = world.conversations.get(conversationId);
    if (!conversation) throw notFound(`Conversation ${conversationId} not found.`);
    const recordings = conversation.recordings.filter((r) => r.sessionId === communicationId && world.fileState(r) !== 'DELETED');
    if (recordings.length === 0 || speech.untranscribed.has(conversationId)) {
      throw notFound(`No transcript found for communication ${communicationId} of conversation ${conversationId}.`);
    }
    return recordings;
  };
  const url = (recording: Readonly<SeedRecording>): string =>
    `${ctx.origin()}/media/${ctx.signer.sign({
      conversationId: recording.conversationId,
      recordingId: recording.id,
      expiresAt: ctx.now() + TRANSCRIPT_URL_TTL_MINUTES * 60_000,
      kind: 'transcript',
    })}`;
  const base = '/speechandtextanalytics/conversations/{conversationId}/communications/{communicationId}';
  return [
    {
      method: 'GET',
      template: `${base}/transcripturl`,
      permissions: RECORDING_VIEW_PERMISSIONS,
      handle: ({ params }) => {
        const [first] = recordingsOf(params.conversationId ?? '', params.communicationId ?? '');
        return { status: 200, body: { url: url(first as SeedRecording) } satisfies Models.TranscriptUrl };
      },
    },
    {
      method: 'GET',
      template: `${base}/transcripturls`,
      permissions: RECORDING_VIEW_PERMISSIONS,
      handle: ({ params }) => {
        const conversationId = params.conversationId ?? '';
        const communicationId = params.communicationId ?? '';
        const [first] = recordingsOf(conversationId, communicationId);
        return {
          status: 200,
          body: {
            conversation: { id: conversationId, selfUri: `/api/v2/conversations/${conversationId}` },
            communicationId,
            urls: [{ url: url(first as SeedRecording) }],
          } satisfies Models.TranscriptUrls,
        };
      },
    },
  ];
}

/**
 * The transcript of the communication `recording` belongs to: every recording of that session, in order, its
 * turns at their true offsets. `offsetMs` counts from the communication's first recorded sample.
 */
export async function transcriptDocument(
  organizationId: string,
  conversation: Readonly<SeedConversation>,
  communicationId: string,
  turnsOf: (recording: Readonly<SeedRecording>) => Promise<Array<Turn>>,
): Promise<GenesysTranscriptDocument> {
  const recordings = conversation.recordings.filter((r) => r.sessionId === communicationId);
  const startTime = Date.parse(recordings[0]?.startTime ?? conversation.recordings[0]?.startTime ?? '');
  const phrases: GenesysTranscriptDocument['transcripts'][number]['phrases'] = [];
  for (const recording of recordings) {
    const recordingStart = Date.parse(recording.startTime);
    for (const turn of await turnsOf(recording)) {
      const offsetMs = recordingStart - startTime + framesToMs(turn.startFrame);
      const durationMs = framesToMs(turn.endFrame - turn.startFrame);
      phrases.push({
        text: turn.text,
        stability: 0,
        confidence: 0.9,
        offsetMs,
        startTimeMs: startTime + offsetMs,
        duration: { milliseconds: durationMs },
        words: spreadWords(turn.text, startTime, offsetMs, durationMs),
        participantPurpose: turn.speaker === 'agent' ? 'internal' : 'external',
        channelId: turn.speaker === 'agent' ? 0 : 1,
        phraseIndex: phrases.length,
      });
    }
  }
  const last = phrases.at(-1);
  return {
    organizationId,
    conversationId: conversation.id,
    communicationId,
    mediaType: 'call',
    startTime,
    duration: { milliseconds: last ? last.offsetMs + last.duration.milliseconds : 0 },
    transcripts: [{ transcriptId: `${communicationId}-transcript`, language: 'en-US', engineProvider: 'GENESYS', phrases }],
  };
}

const framesToMs = (frames: number): number => Math.round((frames * 1000) / AUDIO_SAMPLE_RATE);

/** Word timings over the turn, each word's share of it proportional to its length. */
function spreadWords(text: string, startTime: number, offsetMs: number, durationMs: number) {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  const letters = words.reduce((sum, w) => sum + w.length, 0) || 1;
  let cursor = offsetMs;
  return words.map((word) => {
    const share = Math.round((durationMs * word.length) / letters);
    const entry = { word, confidence: 0.9, offsetMs: cursor, startTimeMs: startTime + cursor, duration: { milliseconds: share } };
    cursor += share;
    return entry;
  });
}
