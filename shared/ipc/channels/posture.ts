import { z } from 'zod';
import { postureReportSchema } from '../../posture';

/** The MiFID II posture check: run it (audited), or show the last report. */
export const postureChannels = {
  'posture:run': { request: z.object({}).strict(), response: postureReportSchema },
  'posture:latest': { request: z.object({}).strict(), response: z.object({ report: postureReportSchema.nullable() }) },
} as const;

export const postureEvents = {} as const;
