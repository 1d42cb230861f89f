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
export const auditAlertRules = ['outside-business-hours', 'workstation-network', 'unusual-volume', 'participant-playback', 'witnessed-log-inconsistent'] as const;
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
    /** A workstation: its hostname (case-insensitive prefix) or its audit log's id. */
    workstation: z.string().trim().min(1).max(120).optional(),
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
    /** The log (one per workstation installation) the event belongs to. */
    logId: true,
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
  /** This workstation's own log. */
  logId: z.string(),
  entries: z.array(auditTrailEntrySchema),
  /** Events matching the filter; `entries` holds the newest `limit` of them. */
  total: z.number().int().nonnegative(),
  /** Every log the page was read from (the firm's trail), each with its integrity; absent for one log's page. */
  logs: z.lazy(() => z.array(auditLogSummarySchema)).optional(),
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
  'too-few-cosignatures',
  'contradicted-by-witness',
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

/** Witness cosignatures of one log's checkpoints (c2sp.org/tlog-cosignature), as the verifier found them. */
export const cosignatureReportSchema = z.object({
  /** Distinct witnesses every checkpoint needs (the profile's audit.witness.minCosignatures); 0: reported only. */
  minCosignatures: z.number().int().nonnegative(),
  ok: z.boolean(),
  checkpoints: z.array(
    treeHeadSchema.extend({
      /** Witnesses whose valid cosignature of this checkpoint the bucket holds. */
      cosigners: z.array(z.object({ witnessLogId: z.string(), keyId: z.string(), time: z.string() })),
      /** Distinct witnesses that cosigned it or a later checkpoint (a larger tree of the same events extends it). */
      witnessedBy: z.number().int().nonnegative(),
    }),
  ),
  problems: z.array(auditProblemSchema),
  warnings: z.array(z.string()),
});
export type CosignatureReport = z.infer<typeof cosignatureReportSchema>;

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
  /** Witness cosignatures, when asked for (`audit verify` always asks, with the profile's policy). */
  cosignatures: cosignatureReportSchema.optional(),
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

/** One workstation's log in the firm's trail, as this workstation mirrors it. */
export const auditLogSummarySchema = z.object({
  logId: z.string(),
  /** This workstation's own log. */
  own: z.boolean(),
  /** The hostname its newest event names; null before this workstation read any of its events. */
  workstation: z.string().nullable(),
  /** Events mirrored here. */
  events: z.number().int().nonnegative(),
  newestEventTime: z.string().nullable(),
  /** The last tree head this workstation verified for the log. */
  verifiedHead: treeHeadSchema.nullable(),
  integrity: auditIntegritySchema,
});
export type AuditLogSummary = z.infer<typeof auditLogSummarySchema>;

/** One log's outcome of verifying every log (`audit verify --all`, the app's "Verify now"). */
export const logVerificationSchema = z.object({
  logId: z.string(),
  own: z.boolean(),
  workstation: z.string().nullable(),
  report: auditVerificationSchema.nullable(),
  /** Why the log could not be verified at all (the store refused a read, say); the others still are. */
  error: z.string().nullable(),
});
export type LogVerification = z.infer<typeof logVerificationSchema>;

export const firmVerificationSchema = z.object({ ok: z.boolean(), bucket: z.string(), logs: z.array(logVerificationSchema) });
export type FirmVerification = z.infer<typeof firmVerificationSchema>;

/** One log's result in a word or a line, as `audit verify --all` prints it and the app shows it. */
export function describeLogVerification(log: Readonly<LogVerification>): string {
  if (log.error !== null || log.report === null) return `NOT VERIFIED: ${log.error ?? 'no report'}`;
  if (log.report.ok) return 'VERIFIED';
  const first = log.report.firstBad;
  if (!first) return 'FAILED: see the report';
  const what = first.seq !== null ? `first bad event ${first.seq}` : first.treeSize !== null ? `first bad checkpoint at tree size ${first.treeSize}` : 'bad bucket';
  return `FAILED: ${what}: ${first.message}`;
}
