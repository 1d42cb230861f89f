import { z } from 'zod';

/** No request lives longer than this, whatever a profile says: workstations look this far back for approvals. */
export const MAX_APPROVAL_LIFETIME_HOURS = 720;

/**
 * The profile's `approvals` section. A hold release always needs a second officer's approval; exports
 * and plays of restricted queues need one only when configured here. Every field has a default.
 */
export const approvalSettingsSchema = z
  .object({
    /** A request, and any approval of it, is void this many hours after it was made. */
    lifetimeHours: z.number().positive().max(MAX_APPROVAL_LIFETIME_HOURS).default(24),
    /** A pack build or bulk retrieval needs an approved export request for its case. */
    requireForExport: z.boolean().default(false),
    /** Queues (by name, as the index shows them) whose calls are played only with an approved request for that call. */
    restrictedQueues: z.array(z.string().trim().min(1).max(200)).default([]),
  })
  .strict();
export type ApprovalSettings = z.infer<typeof approvalSettingsSchema>;
