import { z } from 'zod';
import {
  auditIntegritySchema,
  auditStatusSchema,
  auditTrailEntrySchema,
  auditTrailFilterSchema,
  auditTrailPageSchema,
  firmVerificationSchema,
} from '../../audit-views';
import { isoTimeSchema } from '../../domain';

/** The audit trail view: who accessed what, the logs' verification status, and verifying every log on demand. */
export const auditChannels = {
  'audit:list': { request: auditTrailFilterSchema, response: auditTrailPageSchema },
  'audit:status': { request: z.object({}).strict(), response: auditStatusSchema },
  /** Every workstation's log in the bucket, one report each (as `custody audit verify --all`). */
  'audit:verify': {
    request: z.object({ from: isoTimeSchema.optional(), to: isoTimeSchema.optional() }).strict(),
    response: firmVerificationSchema,
  },
} as const;

export const auditEvents = {
  /** An access was written to the WORM log (with any alerts it raised). */
  'audit:recorded': auditTrailEntrySchema,
  /** The log's integrity state changed (a consistency check or a verification). */
  'audit:integrity': auditIntegritySchema,
} as const;
