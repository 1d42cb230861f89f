import { z } from 'zod';
import { operatorSchema, participantSchema, workstationSchema } from './domain';

/**
 * The sidecar stored next to every archived recording (same key with `.json`), itself locked for
 * the same retention: what the recording is, where it came from, its SHA-256, who archived it and
 * under which audit event. Anyone holding the bucket can check the audio against it.
 */
export const archiveSidecarSchema = z.object({
  schema: z.literal('custody.archive.v1'),
  recordingId: z.string(),
  conversationId: z.string(),
  tradingId: z.string().nullable(),
  clientAccount: z.string().nullable(),
  recording: z.object({
    startTime: z.string(),
    endTime: z.string().nullable(),
    durationMs: z.number().int().nonnegative().nullable(),
    /** Genesys's own state and dates when the copy was taken. */
    fileState: z.string().nullable(),
    genesysArchiveDate: z.string().nullable(),
    genesysDeleteDate: z.string().nullable(),
  }),
  conversation: z.object({
    startTime: z.string(),
    endTime: z.string().nullable(),
    direction: z.string().nullable(),
    queue: z.string().nullable(),
    agent: z.string().nullable(),
    participants: z.array(participantSchema),
  }),
  media: z.object({
    key: z.string(),
    versionId: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().positive(),
    contentType: z.string(),
    multipart: z.boolean(),
  }),
  retention: z.object({
    mode: z.enum(['COMPLIANCE', 'GOVERNANCE']),
    /** What the rule asks: the recording's start plus the jurisdiction's years. */
    requiredUntil: z.string(),
    /** What the store holds the media version to (never earlier than requiredUntil). */
    retainUntil: z.string(),
    basis: z.string(),
  }),
  source: z.object({ system: z.literal('genesys-cloud'), api: z.string(), fetchedAt: z.string() }),
  archivedAt: z.string(),
  archivedBy: z.object({ operator: operatorSchema, workstation: workstationSchema }),
  /** The 'export' audit event written before this recording was read for archiving. */
  auditEventId: z.string(),
  runId: z.string(),
});
export type ArchiveSidecar = z.infer<typeof archiveSidecarSchema>;

export const archiveItemOutcomes = ['archived', 'already-archived', 'failed', 'skipped'] as const;

/** One recording's fate in an archive run. */
export const archiveItemResultSchema = z.object({
  recordingId: z.string(),
  conversationId: z.string(),
  tradingId: z.string().nullable(),
  outcome: z.enum(archiveItemOutcomes),
  key: z.string().nullable(),
  sha256: z.string().nullable(),
  bytes: z.number().int().nullable(),
  retainUntil: z.string().nullable(),
  multipart: z.boolean().nullable(),
  reason: z.string().nullable(),
});
export type ArchiveItemResult = z.infer<typeof archiveItemResultSchema>;

export const archiveRunSummarySchema = z.object({
  runId: z.string(),
  bucket: z.string(),
  since: z.string(),
  until: z.string(),
  state: z.enum(['done', 'done-with-failures']),
  counts: z.object({
    considered: z.number().int(),
    archived: z.number().int(),
    alreadyArchived: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    untagged: z.number().int(),
  }),
  bytes: z.number().int(),
  auditEventIds: z.array(z.string()),
  /** Why the run stopped before the end (WORM store or audit log unavailable); the next run resumes. */
  stopped: z.string().nullable(),
  items: z.array(archiveItemResultSchema),
});
export type ArchiveRunSummary = z.infer<typeof archiveRunSummarySchema>;
