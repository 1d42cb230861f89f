import { z } from 'zod';
import { operatorSchema, recordingIdSchema, waveformSchema, workstationSchema } from '../../domain';
import { packRecordingSchema } from '../../pack-format';
import { transcriptViewSchema } from '../../transcripts';
import { recordingsChannels } from './recordings';

const checkStatus = z.enum(['pass', 'fail']);

export const reviewPackSchema = z.object({
  packId: z.string().nullable(),
  caseReference: z.string().nullable(),
  sourceOrganization: z.string().nullable(),
  builtAt: z.string().nullable(),
  builtBy: z.string().nullable(),
  exportEventId: z.string().nullable(),
  signedAt: z.string().nullable(),
  signingKeyId: z.string().nullable(),
  /** Whether the key that signed the pack is trusted; an untrusted pack is never shown as verified. */
  signer: z.object({
    keyId: z.string().nullable(),
    fingerprint: z.string().nullable(),
    trust: z.enum(['trusted', 'untrusted', 'unchecked']),
    source: z.enum(['installation', 'pinned', 'bucket']).nullable(),
  }),
  verification: z.object({
    ok: z.boolean(),
    verdict: z.enum(['verified', 'untrusted', 'failed']),
    checks: z.object({ bagit: checkStatus, manifests: checkStatus, payloadOxum: checkStatus, signature: checkStatus, proofs: checkStatus, audio: checkStatus }),
    problems: z.array(z.object({ file: z.string(), check: z.string(), problem: z.string() })),
  }),
  recordings: z.array(packRecordingSchema),
  events: z.array(
    z.object({
      seq: z.number().int().nonnegative(),
      eventId: z.string(),
      time: z.string(),
      action: z.string(),
      operator: operatorSchema,
      workstation: workstationSchema,
      recordingId: z.string().nullable(),
      caseReference: z.string().nullable(),
    }),
  ),
});
export type ReviewPack = z.infer<typeof reviewPackSchema>;

export const reviewPlaybackSchema = z.object({
  recordingId: z.string(),
  mediaUrl: z.string(),
  journalSeq: z.number().int().nonnegative(),
  sha256: z.string(),
  bytes: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  contentType: z.string(),
});
export type ReviewPlayback = z.infer<typeof reviewPlaybackSchema>;

const journaled = z.object({ journalSeq: z.number().int().nonnegative() });

/**
 * Regulator review mode: the opened pack, read-only; every view, play, seek and transcript read goes
 * to the local journal first.
 */
export const reviewChannels = {
  'review:getPack': { request: z.object({}).strict(), response: reviewPackSchema },
  'review:recordView': { request: z.object({ recordingId: recordingIdSchema }).strict(), response: journaled },
  'review:authorizePlayback': { request: z.object({ recordingId: recordingIdSchema }).strict(), response: reviewPlaybackSchema },
  /** Peaks of the verified WAV being played (the whole recording, or a zoomed window), as the app's player asks them. */
  'review:getWaveform': { request: recordingsChannels['recordings:getWaveform'].request, response: waveformSchema },
  /** Where playback moved to, journaled before the player plays on from there. */
  'review:recordSeek': { request: recordingsChannels['recordings:recordSeek'].request, response: journaled },
  /** The pack's transcript of the recording, journaled before it is shown; unavailable when the pack carries none it verified. */
  'review:getTranscript': { request: z.object({ recordingId: recordingIdSchema }).strict(), response: transcriptViewSchema },
} as const;

export const reviewEvents = {} as const;
