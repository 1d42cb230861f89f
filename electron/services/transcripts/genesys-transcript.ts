import { z } from 'zod';
import type { TranscriptPhrase, TranscriptSpeaker } from '../../../shared/transcripts';
import { externalTextSchema } from '../../../shared/unsafe-text';
import { InvalidResponseError } from '../errors';

/**
 * The transcript document Genesys speech and text analytics publishes at the pre-signed URL of
 * `.../communications/{communicationId}/transcripturl` (the SDK has no model for it): `transcripts[]`, each
 * with `phrases[]` of text, participantPurpose, `offsetMs` (from the communication's start), `startTimeMs`
 * (epoch), `duration.milliseconds`, confidence and `words[]` with the same timings. Hostile input: bounded
 * sizes, finite non-negative numbers, text with its unsafe characters made visible.
 */
const ms = z.number().finite().nonnegative().max(Number.MAX_SAFE_INTEGER);
const durationSchema = z.looseObject({ milliseconds: ms });
const confidenceSchema = z.number().finite().min(0).max(1).optional();
const wordSchema = z.looseObject({
  word: externalTextSchema.pipe(z.string().max(200)),
  confidence: confidenceSchema,
  offsetMs: ms.optional(),
  startTimeMs: ms.optional(),
  duration: durationSchema.optional(),
});
const phraseSchema = z.looseObject({
  text: externalTextSchema.pipe(z.string().max(10_000)),
  confidence: confidenceSchema,
  offsetMs: ms.optional(),
  startTimeMs: ms.optional(),
  duration: durationSchema.optional(),
  words: z.array(wordSchema).max(5_000).optional(),
  participantPurpose: z.string().max(40).optional(),
});
export const genesysTranscriptSchema = z.looseObject({
  conversationId: z.string().max(128).optional(),
  communicationId: z.string().max(128).optional(),
  startTime: ms.optional(),
  transcripts: z
    .array(z.looseObject({ language: z.string().max(35).optional(), phrases: z.array(phraseSchema).max(200_000).optional() }))
    .max(50)
    .optional(),
});
export type GenesysTranscript = z.infer<typeof genesysTranscriptSchema>;

export const TRANSCRIPT_ENDPOINT = 'speech analytics transcript';

export function parseGenesysTranscript(body: unknown): GenesysTranscript {
  const parsed = genesysTranscriptSchema.safeParse(body);
  if (!parsed.success) throw new InvalidResponseError(TRANSCRIPT_ENDPOINT, z.prettifyError(parsed.error).slice(0, 300));
  return parsed.data;
}

/** Agent, client or unknown from Genesys's participant purpose: `internal` is the org's side (agent, IVR, ACD). */
export function speakerOf(participantPurpose: string | undefined): TranscriptSpeaker {
  const purpose = participantPurpose?.toLowerCase();
  if (purpose === 'internal' || purpose === 'agent' || purpose === 'user') return 'agent';
  if (purpose === 'external' || purpose === 'customer') return 'client';
  return 'unknown';
}

/**
 * The phrases of one recording, in milliseconds from its first sample. A transcript covers the whole
 * communication, which may span several recordings (a hold splits one). When the recording's start is
 * known, each timing is placed by its epoch `startTimeMs` against it and only the phrases inside the
 * recording are kept; otherwise (Genesys gives no start time for audio recordings) `offsetMs`, from the
 * communication's first recorded sample, is the position. In time order.
 */
export function phrasesOfRecording(transcript: GenesysTranscript, recording: { startMs: number | null; durationMs: number | null }): Array<TranscriptPhrase> {
  const base = transcript.startTime;
  const relative = (item: { startTimeMs?: number | undefined; offsetMs?: number | undefined }): number | null => {
    if (recording.startMs !== null) {
      const epoch = item.startTimeMs ?? (base !== undefined && item.offsetMs !== undefined ? base + item.offsetMs : null);
      if (epoch !== null) return Math.round(epoch - recording.startMs);
    }
    if (item.offsetMs !== undefined) return Math.round(item.offsetMs);
    return base !== undefined && item.startTimeMs !== undefined ? Math.round(item.startTimeMs - base) : null;
  };
  const end = recording.durationMs ?? Number.POSITIVE_INFINITY;
  const phrases: Array<TranscriptPhrase> = [];
  for (const part of transcript.transcripts ?? []) {
    for (const phrase of part.phrases ?? []) {
      const startMs = relative(phrase);
      if (startMs === null || startMs < 0 || startMs >= end) continue;
      const words = (phrase.words ?? []).flatMap((word) => {
        const wordStart = relative(word);
        return wordStart === null || wordStart < 0 ? [] : [{ text: word.word, startMs: wordStart, durationMs: Math.round(word.duration?.milliseconds ?? 0) }];
      });
      phrases.push({
        speaker: speakerOf(phrase.participantPurpose),
        text: phrase.text,
        startMs,
        durationMs: Math.round(phrase.duration?.milliseconds ?? 0),
        words,
        confidence: phrase.confidence ?? null,
      });
    }
  }
  return phrases.sort((a, b) => a.startMs - b.startMs);
}

export function languageOf(transcript: GenesysTranscript): string | null {
  return transcript.transcripts?.find((t) => t.language)?.language ?? null;
}
