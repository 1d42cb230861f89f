import { z } from 'zod';
import { healthStatusSchema } from '../../health';

/** Whether the WORM store and Genesys are reachable: the last observation, or a probe now. */
export const healthChannels = {
  'health:get': { request: z.object({}).strict(), response: healthStatusSchema },
  'health:check': { request: z.object({}).strict(), response: healthStatusSchema },
} as const;

export const healthEvents = {
  /** Either target was probed or seen by a real call. */
  'health:changed': healthStatusSchema,
} as const;
