import { z } from 'zod';
import { recordingIdSchema } from '../../domain';

export const packBuildResultSchema = z.object({
  packId: z.string(),
  path: z.string(),
  zip: z.boolean(),
  caseReference: z.string(),
  exportEventId: z.string(),
  recordings: z.number().int().nonnegative(),
  payloadBytes: z.number().int().nonnegative(),
  payloadFiles: z.number().int().nonnegative(),
  checkpointTreeSize: z.number().int().nonnegative(),
  wroteCheckpoint: z.boolean(),
  signingKeyId: z.string(),
  ms: z.number().int().nonnegative(),
  /** The pack verified after it was written (the same check `custody pack verify` runs). */
  verified: z.boolean(),
});
export type PackBuildResult = z.infer<typeof packBuildResultSchema>;

/** Evidence packs: built from selected recordings into the profile's packs folder, under the session's case reference. */
export const packsChannels = {
  'packs:build': {
    request: z
      .object({
        recordingIds: z.array(recordingIdSchema).min(1).max(500),
        zip: z.boolean().default(false),
        /** Every annotated range of the selected recordings also as an excerpt WAV. */
        excerpts: z.boolean().optional(),
      })
      .strict(),
    response: packBuildResultSchema,
  },
} as const;

export const packsEvents = {
  'packs:progress': z.object({
    packId: z.string(),
    stage: z.enum(['audited', 'copying', 'proving', 'finished', 'failed']),
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    message: z.string(),
  }),
} as const;
