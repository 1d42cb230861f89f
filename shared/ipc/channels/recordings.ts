import { z } from 'zod';
import {
  caseReferenceSchema,
  playbackGrantSchema,
  recordingDetailSchema,
  recordingIdSchema,
  searchQuerySchema,
  searchResultSchema,
  sessionInfoSchema,
  waveformSchema,
} from '../../domain';

/** Session, search and playback: the walking skeleton's channels. */
export const recordingsChannels = {
  'session:get': { request: z.object({}).strict(), response: sessionInfoSchema },
  'session:setCaseReference': {
    request: z.object({ caseReference: caseReferenceSchema }).strict(),
    response: sessionInfoSchema,
  },
  'recordings:search': { request: searchQuerySchema, response: searchResultSchema },
  /**
   * The same audited search read again from the index as background sync lands: no new query (the
   * renderer names the search by its audit event), so no new audit record.
   */
  'recordings:searchRefresh': { request: z.object({ auditEventId: z.string().min(1).max(200) }).strict(), response: searchResultSchema },
  'recordings:get': {
    request: z.object({ recordingId: recordingIdSchema }).strict(),
    response: recordingDetailSchema,
  },
  'recordings:authorizePlayback': {
    request: z.object({ recordingId: recordingIdSchema, startOffsetMs: z.number().int().nonnegative().optional() }).strict(),
    response: playbackGrantSchema,
  },
  'recordings:recordSeek': {
    request: z.object({ recordingId: recordingIdSchema, positionMs: z.number().int().nonnegative() }).strict(),
    response: z.object({ auditEventId: z.string() }),
  },
  /** The view of a recording closed (or moved on): its play ends and its media URL stops working. */
  'recordings:endPlayback': {
    request: z.object({ recordingId: recordingIdSchema }).strict(),
    response: z.object({}),
  },
  'recordings:getWaveform': {
    request: z
      .object({
        recordingId: recordingIdSchema,
        buckets: z.number().int().min(16).max(20000),
        /** A zoomed window of the recording; the whole recording when absent. */
        fromMs: z.number().int().nonnegative().optional(),
        toMs: z.number().int().nonnegative().optional(),
      })
      .strict()
      .refine((r) => r.fromMs === undefined || r.toMs === undefined || r.fromMs < r.toMs, '"fromMs" must be before "toMs"'),
    response: waveformSchema,
  },
  'log:write': {
    request: z
      .object({
        level: z.enum(['debug', 'info', 'warn', 'error']),
        message: z.string().max(2000),
        fields: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
    response: z.object({}),
  },
} as const;

export const recordingsEvents = {
  'index:syncStatus': z.object({
    state: z.enum(['started', 'progress', 'finished', 'failed']),
    lastSyncedAt: z.string().nullable(),
    message: z.string().nullable(),
    /** The window being synced and how much of it the index now covers (started, progress, finished). */
    progress: z.object({ from: z.string(), to: z.string(), coveredFraction: z.number().min(0).max(1) }).optional(),
  }),
  /** Main ended a play the renderer may still show (the case changed): its media is no longer served. */
  'playback:ended': z.object({ recordingId: z.string(), reason: z.enum(['case-changed', 'officer-changed', 'integrity-failed']) }),
  /**
   * A play whose recording is still streaming into the cache: how much has landed, then 'verified' with
   * the SHA-256 of the whole file, or 'failed' (the hash or the transfer failed: playback stops, `message` says why).
   */
  'playback:mediaStatus': z.object({
    recordingId: z.string(),
    state: z.enum(['streaming', 'verified', 'failed']),
    bytesLanded: z.number().int().nonnegative(),
    totalBytes: z.number().int().nonnegative().nullable(),
    sha256: z.string().nullable(),
    message: z.string().nullable(),
  }),
} as const;
