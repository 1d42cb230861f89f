import { z } from 'zod';
import { recordingIdSchema } from '../../domain';
import { transcriptViewSchema } from '../../transcripts';

/** A recording's transcript from Genesys speech analytics: reading it is an audited access under the session's case. */
export const transcriptsChannels = {
  'transcripts:get': { request: z.object({ recordingId: recordingIdSchema }).strict(), response: transcriptViewSchema },
} as const;

export const transcriptsEvents = {} as const;
