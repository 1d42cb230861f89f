import { z } from 'zod';
import {
  auditActionSchema,
  auditEventSchema,
  caseReferenceSchema,
  conversationIdSchema,
  isoTimeSchema,
  recordingIdSchema,
  tradingIdSchema,
} from './domain';

/** The alert rules of issue 4: each marks the event it fires on (inside the WORM object's `details.alerts`). */
export const auditAlertRules = ['outside-business-hours', 'workstation-network', 'unusual-volume', 'participant-playback'] as const;
export const auditAlertSchema = z.object({ rule: z.enum(auditAlertRules), message: z.string() });
export type AuditAlert = z.infer<typeof auditAlertSchema>;

/** `audit show` and the audit trail view filter the same way. */
export const auditTrailFilterSchema = z
  .object({
    conversationId: conversationIdSchema.optional(),
    recordingId: recordingIdSchema.optional(),
    tradingId: tradingIdSchema.optional(),
    operator: z.string().trim().min(1).max(120).optional(),
    caseReference: caseReferenceSchema.optional(),
    action: auditActionSchema.optional(),
    from: isoTimeSchema.optional(),
    to: isoTimeSchema.optional(),
    alertsOnly: z.boolean().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .refine((f) => !f.from || !f.to || Date.parse(f.from) <= Date.parse(f.to), '"from" must not be after "to"');
export type AuditTrailFilter = z.infer<typeof auditTrailFilterSchema>;

/** One access as the officer reads it: who, what, when, from where, why, and the alerts it raised. */
export const auditTrailEntrySchema = auditEventSchema
  .pick({
    seq: true,
    eventId: true,
    time: true,
    operator: true,
    workstation: true,
    action: true,
    conversationId: true,
    recordingId: true,
    tradingId: true,
    caseReference: true,
  })
  .extend({
    /** What the action was applied with: a start offset, a seek position, a destination, a query. */
    summary: z.string().nullable(),
    alerts: z.array(auditAlertSchema),
  });
export type AuditTrailEntry = z.infer<typeof auditTrailEntrySchema>;

export const auditTrailPageSchema = z.object({
  logId: z.string(),
  entries: z.array(auditTrailEntrySchema),
  /** Events matching the filter; `entries` holds the newest `limit` of them. */
  total: z.number().int().nonnegative(),
});
export type AuditTrailPage = z.infer<typeof auditTrailPageSchema>;

export const auditProblemKinds = [
  'bucket-not-locked',
  'missing-event',
  'altered-event',
  'reordered-event',
  'rewritten-event',
  'unreadable-event',
  'unlocked-event',
  'bad-checkpoint',
  'bad-checkpoint-signature',
  'unknown-checkpoint-key',
  'checkpoint-root-mismatch',
  'checkpoint-beyond-log',
  'bad-public-key',
  'inconsistent-with-seen-head',
  'bad-tile',
  'bad-checkpoint-note',
] as const;

/** One thing verification found wrong, naming the event (seq) or checkpoint (tree size) and the object. */
export const auditProblemSchema = z.object({
  kind: z.enum(auditProblemKinds),
  seq: z.number().int().nonnegative().nullable(),
  treeSize: z.number().int().nonnegative().nullable(),
  key: z.string().nullable(),
  message: z.string(),
});
export type AuditProblem = z.infer<typeof auditProblemSchema>;

export const treeHeadSchema = z.object({
  treeSize: z.number().int().nonnegative(),
  rootHash: z.string(),
  time: z.string(),
});
export type TreeHead = z.infer<typeof treeHeadSchema>;

/** The outcome of `custody audit verify`: recomputed from the bucket alone (plus pinned keys). */
export const auditVerificationSchema = z.object({
  ok: z.boolean(),
  logId: z.string(),
  bucket: z.string(),
  checkedAt: z.string(),
  window: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  bucketLock: z.object({ enabled: z.boolean(), mode: z.string().nullable(), days: z.number().nullable() }),
  events: z.object({
    /** Events read from the bucket (every event up to the checkpoint covering the window). */
    read: z.number().int().nonnegative(),
    /** Of those, the ones whose time lies in the window. */
    inWindow: z.number().int().nonnegative(),
    /** Highest seq present in the bucket, or null for an empty log. */
    lastSeq: z.number().int().nonnegative().nullable(),
  }),
  checkpoints: z.object({ total: z.number().int().nonnegative(), valid: z.number().int().nonnegative(), latest: treeHeadSchema.nullable() }),
  keys: z.array(z.object({ keyId: z.string(), source: z.enum(['bucket', 'pinned']) })),
  /** The largest checkpoint whose signature, root and every event before it check out. */
  verifiedUpTo: treeHeadSchema.nullable(),
  /** Events after the last checkpoint: chained, but not yet committed to by a signed root. */
  uncheckpointed: z.number().int().nonnegative(),
  firstBad: auditProblemSchema.nullable(),
  problems: z.array(auditProblemSchema),
  /** More problems were found than listed. */
  problemsTruncated: z.boolean(),
  warnings: z.array(z.string()),
  /** How the C2SP tlog-tiles copy of the log was read (absent from reports of older versions). */
  tiles: z
    .object({
      /** Events read from entry bundles (the rest, one object each). */
      fromBundles: z.number().int().nonnegative(),
      bundlesRead: z.number().int().nonnegative(),
      hashTilesChecked: z.number().int().nonnegative(),
      checkpointNotesChecked: z.number().int().nonnegative(),
      /** Per-event objects compared byte for byte with their bundle entry: a random sample, or all. */
      eventObjects: z.enum(['sample', 'all']),
      eventObjectsChecked: z.number().int().nonnegative(),
    })
    .optional(),
});
export type AuditVerification = z.infer<typeof auditVerificationSchema>;

/** This workstation's view of its log's integrity, shown by the UI and `audit show`. */
export const auditIntegritySchema = z.object({
  state: z.enum(['unknown', 'ok', 'failed']),
  /** What produced the state: a consistency check (sync, start) or a full verification. */
  source: z.enum(['consistency', 'verify']).nullable(),
  checkedAt: z.string().nullable(),
  message: z.string(),
  firstBad: auditProblemSchema.nullable(),
});
export type AuditIntegrity = z.infer<typeof auditIntegritySchema>;

export const auditStatusSchema = z.object({
  logId: z.string(),
  bucket: z.string().nullable(),
  /** Events recorded in this workstation's copy of the tree. */
  localTreeSize: z.number().int().nonnegative(),
  lastCheckpoint: treeHeadSchema.nullable(),
  /** The last tree head this workstation verified (its own checkpoint, or the bucket's, proven consistent). */
  verifiedHead: treeHeadSchema.nullable(),
  integrity: auditIntegritySchema,
  keyId: z.string().nullable(),
});
export type AuditStatus = z.infer<typeof auditStatusSchema>;
