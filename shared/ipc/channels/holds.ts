import { z } from 'zod';
import { holdIdSchema, holdReasonSchema, holdViewSchema, placeHoldRequestSchema } from '../../holds';

/** Legal holds: list, place, and the two halves of a four-eyes release. */
export const holdsChannels = {
  'holds:list': {
    request: z.object({ includeReleased: z.boolean().optional() }).strict(),
    response: z.object({ holds: z.array(holdViewSchema) }),
  },
  'holds:place': { request: placeHoldRequestSchema, response: holdViewSchema },
  'holds:requestRelease': {
    request: z.object({ holdId: holdIdSchema, reason: holdReasonSchema }).strict(),
    response: holdViewSchema,
  },
  'holds:approveRelease': { request: z.object({ holdId: holdIdSchema }).strict(), response: holdViewSchema },
  /** Runs a release another officer approved from her own workstation (or retries an incomplete one). */
  'holds:completeRelease': { request: z.object({ holdId: holdIdSchema }).strict(), response: holdViewSchema },
} as const;

export const holdsEvents = {} as const;
