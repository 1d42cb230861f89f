import { z } from 'zod';
import { caseReferenceSchema, operatorSchema, tradingIdSchema } from './domain';
import { printableTextSchema } from './unsafe-text';

export const holdStates = ['placing', 'active', 'release-requested', 'releasing', 'released'] as const;
export type HoldState = (typeof holdStates)[number];

export const holdReasonSchema = printableTextSchema(500).min(3, 'give a reason of at least 3 characters');

export const holdIdSchema = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'not a hold id');

/** A legal hold as officers see it: what it protects, how completely, and its four-eyes release. */
export const holdViewSchema = z.object({
  id: z.string(),
  tradingId: z.string(),
  caseReference: z.string(),
  reason: z.string(),
  state: z.enum(holdStates),
  placedBy: operatorSchema,
  placedAt: z.string(),
  /**
   * `requestId`: the four-eyes approval request in the audit bucket (absent on releases requested before those
   * existed); `requestedByYou`: the officer signed in now made it (same Genesys user id), so she cannot approve it.
   */
  releaseRequest: z.object({ by: operatorSchema, at: z.string(), reason: z.string(), requestId: z.string().optional(), requestedByYou: z.boolean().optional() }).nullable(),
  released: z.object({ by: operatorSchema, at: z.string() }).nullable(),
  /** S3 legal holds on archived object versions (media and sidecars). */
  objects: z.object({ held: z.number().int(), failed: z.number().int(), released: z.number().int(), kept: z.number().int() }),
  /** Genesys deletion protection per conversation. */
  conversations: z.object({
    total: z.number().int(),
    protected: z.number().int(),
    capReached: z.number().int(),
    failed: z.number().int(),
    released: z.number().int(),
    kept: z.number().int(),
  }),
  /** False while some lock could not be applied; placing the hold again retries. */
  complete: z.boolean(),
  notes: z.array(z.string()),
  auditEventIds: z.array(z.string()),
});
export type HoldView = z.infer<typeof holdViewSchema>;

export const placeHoldRequestSchema = z
  .object({ tradingId: tradingIdSchema, caseReference: caseReferenceSchema, reason: holdReasonSchema })
  .strict();
export type PlaceHoldRequest = z.infer<typeof placeHoldRequestSchema>;
