import { z } from 'zod';

/**
 * A call's transcript as Custody shows it, from Genesys speech and text analytics
 * (`GET /api/v2/speechandtextanalytics/conversations/{conversationId}/communications/{communicationId}/transcripturl`
 * and the transcript JSON it points to). Times are milliseconds from the recording's first sample, so
 * that a phrase seeks the player directly; text is Genesys's, with unsafe characters made visible.
 */

export const transcriptSpeakerSchema = z.enum(['agent', 'client', 'unknown']);
export type TranscriptSpeaker = z.infer<typeof transcriptSpeakerSchema>;

const offsetMs = z.number().int().nonnegative();

export const transcriptWordSchema = z.object({ text: z.string(), startMs: offsetMs, durationMs: offsetMs });

export const transcriptPhraseSchema = z.object({
  speaker: transcriptSpeakerSchema,
  text: z.string(),
  startMs: offsetMs,
  durationMs: offsetMs,
  words: z.array(transcriptWordSchema),
  confidence: z.number().min(0).max(1).nullable(),
});
export type TranscriptPhrase = z.infer<typeof transcriptPhraseSchema>;

export const transcriptViewSchema = z.discriminatedUnion('available', [
  z.object({
    available: z.literal(true),
    recordingId: z.string(),
    conversationId: z.string(),
    communicationId: z.string(),
    language: z.string().nullable(),
    phrases: z.array(transcriptPhraseSchema),
    /** The audited read ('transcript' event); null in a regulator's review, which journals it locally. */
    auditEventId: z.string().nullable(),
  }),
  z.object({
    available: z.literal(false),
    recordingId: z.string(),
    /** Why there is none: the org has no speech analytics, or this call was not transcribed. */
    reason: z.enum(['no-speech-analytics', 'not-transcribed']),
    message: z.string(),
  }),
]);
export type TranscriptView = z.infer<typeof transcriptViewSchema>;
