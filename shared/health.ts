import { z } from 'zod';
import { isoTimeSchema } from './domain';

/** What Custody depends on to do anything: the WORM audit store (every access) and Genesys Cloud (search, play). */
export const healthTargets = ['worm', 'genesys'] as const;
export type HealthTarget = (typeof healthTargets)[number];

/** Whether one of them answered when last tried, by a light probe or by a real call. */
export const reachabilitySchema = z.object({
  state: z.enum(['unknown', 'reachable', 'unreachable']),
  /** When that was seen (null: not tried yet). */
  checkedAt: isoTimeSchema.nullable(),
  /** Why it is unreachable, as the call or probe failed (redacted). */
  message: z.string().nullable(),
});
export type Reachability = z.infer<typeof reachabilitySchema>;

export const healthStatusSchema = z.object({ worm: reachabilitySchema, genesys: reachabilitySchema });
export type HealthStatus = z.infer<typeof healthStatusSchema>;
