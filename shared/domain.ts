import { z } from 'zod';
import { printableTextSchema as printable } from './unsafe-text';

export const tradingIdSchema = printable(64);
export const clientAccountSchema = printable(64);
export const caseReferenceSchema = printable(80).refine((v) => v.length >= 3, 'case reference must be at least 3 characters');
export const conversationIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a conversation id');
export const recordingIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a recording id');
export const isoTimeSchema = z.iso.datetime({ offset: true });

export const searchQuerySchema = z
  .object({
    tradingId: tradingIdSchema.optional(),
    clientAccount: clientAccountSchema.optional(),
    agent: printable(120).optional(),
    queue: printable(120).optional(),
    from: isoTimeSchema.optional(),
    to: isoTimeSchema.optional(),
    /** Free text over participant, agent and queue names and identifiers (word prefixes). */
    text: printable(120).optional(),
    /** Words spoken in the call, searched in the transcripts the index holds (Genesys speech analytics). */
    said: printable(200).optional(),
  })
  .strict()
  .refine((q) => Object.values(q).some((v) => v !== undefined), 'give at least one search criterion')
  .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), '"from" must not be after "to"');
export type SearchQuery = z.infer<typeof searchQuerySchema>;

export const fileStates = ['AVAILABLE', 'ARCHIVED', 'DELETED', 'RESTORED', 'RESTORING', 'UPLOADING', 'ERROR'] as const;

export const recordingMatchSchema = z.object({
  conversationId: z.string(),
  recordingId: z.string().nullable(),
  tradingId: z.string().nullable(),
  clientAccount: z.string().nullable(),
  startTime: z.string(),
  endTime: z.string().nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
  queue: z.string().nullable(),
  agent: z.string().nullable(),
  direction: z.string().nullable(),
  fileState: z.enum(fileStates).nullable(),
  /** The whole conversation's length, when it differs from the recording's (holds, transfers, several recordings). */
  conversationDurationMs: z.number().int().nonnegative().nullable().optional(),
  /** For a `said` search: where in this recording the words were said. */
  said: z.array(z.object({ offsetMs: z.number().int().nonnegative(), speaker: z.enum(['agent', 'client', 'unknown']), text: z.string() })).optional(),
});
export type RecordingMatch = z.infer<typeof recordingMatchSchema>;

export const indexFreshnessSchema = z.object({
  lastSyncedAt: z.string().nullable(),
  coveredFrom: z.string().nullable(),
  coveredTo: z.string().nullable(),
  /** 'live' when this answer followed a successful sync; 'offline' when Genesys could not be reached. */
  source: z.enum(['live', 'offline']),
  warning: z.string().nullable(),
  /**
   * How complete the index is for the asked window (cut at now: the future holds no calls). A search
   * with no dates searches the whole index; its window is then the recent span kept in sync.
   */
  window: z
    .object({
      from: z.string(),
      to: z.string(),
      coveredFraction: z.number().min(0).max(1),
      missing: z.array(z.object({ from: z.string(), to: z.string() })),
      wholeIndex: z.boolean(),
      /** The missing spans are being read from Genesys in the background; `index:syncStatus` tells of progress. */
      syncing: z.boolean(),
    })
    .optional(),
});
export type IndexFreshness = z.infer<typeof indexFreshnessSchema>;

export const searchResultSchema = z.object({
  matches: z.array(recordingMatchSchema),
  index: indexFreshnessSchema,
  auditEventId: z.string(),
});
export type SearchResult = z.infer<typeof searchResultSchema>;

export const participantSchema = z.object({
  purpose: z.string(),
  name: z.string().nullable(),
  userId: z.string().nullable(),
});

/** Where the bytes being played came from: Genesys, or the firm's WORM archive once Genesys no longer has them. */
export const mediaSourceSchema = z.enum(['genesys', 'archive']);
export type MediaSource = z.infer<typeof mediaSourceSchema>;

/**
 * The recording's locked copy in the WORM archive. `tier` models archive storage classes (Glacier
 * Deep Archive): 'archived' needs a restore before it can be read, 'restoring' is under way.
 */
export const archiveCopySchema = z.object({
  bucket: z.string(),
  key: z.string(),
  versionId: z.string(),
  sha256: z.string(),
  bytes: z.number().int().nonnegative(),
  archivedAt: z.string(),
  retainUntil: z.string(),
  legalHold: z.boolean().nullable(),
  storageClass: z.string().nullable(),
  tier: z.enum(['online', 'archived', 'restoring', 'restored', 'unknown']),
  restoreExpiresAt: z.string().nullable(),
});
export type ArchiveCopy = z.infer<typeof archiveCopySchema>;

export const recordingDetailSchema = recordingMatchSchema.extend({
  participants: z.array(participantSchema),
  cached: z.object({ sha256: z.string(), bytes: z.number().int(), source: mediaSourceSchema.optional() }).nullable(),
  archive: archiveCopySchema.nullable().optional(),
});
export type RecordingDetail = z.infer<typeof recordingDetailSchema>;

export const playbackGrantSchema = z.object({
  recordingId: z.string(),
  mediaUrl: z.string(),
  auditEventId: z.string(),
  /**
   * The SHA-256 of the whole recording: known at once for a cached recording ('verified'); for one still
   * streaming in from Genesys or the archive it is null ('pending') until the last byte has landed, and
   * `playback:mediaStatus` then says 'verified' (with the hash) or 'failed' (playback stops).
   */
  sha256: z.string().nullable(),
  integrity: z.enum(['verified', 'pending']).optional(),
  bytes: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  contentType: z.string(),
  source: mediaSourceSchema.optional(),
});
export type PlaybackGrant = z.infer<typeof playbackGrantSchema>;

export const waveformSchema = z.object({
  recordingId: z.string(),
  durationMs: z.number().int().nonnegative(),
  /** One array per channel (agent left, client right), peak amplitude 0..1 per bucket. */
  peaks: z.array(z.array(z.number().min(0).max(1))),
  /** The window the peaks cover (the whole recording unless a zoomed window was asked for). */
  fromMs: z.number().int().nonnegative().optional(),
  toMs: z.number().int().nonnegative().optional(),
  /** False while the recording is still streaming in: buckets past what has landed are 0; ask again. */
  complete: z.boolean().optional(),
});
export type Waveform = z.infer<typeof waveformSchema>;

/** A Genesys user signed in through Custody (authorization code with PKCE): the identity every officer action carries. */
export const officerSchema = z.object({
  genesysUserId: z.string().min(1).max(64),
  name: z.string().max(200),
  email: z.string().max(320),
});
export type Officer = z.infer<typeof officerSchema>;

/**
 * Who acted, as an audit record names them. `kind: 'officer'`: a signed-in person, identified by the Genesys user
 * id from her token; `kind: 'service'`: unattended work under the OAuth client (`oauthClientId`), naming the
 * officer who scheduled it in `scheduledBy`. `name` is the officer's Genesys name (or the client's); nothing a user
 * types sets it. Events written before sign-in existed have neither `kind` nor a Genesys id.
 */
export const operatorSchema = z.object({
  osAccount: z.string(),
  name: z.string(),
  kind: z.enum(['officer', 'service']).optional(),
  genesysUserId: z.string().optional(),
  email: z.string().optional(),
  oauthClientId: z.string().optional(),
  scheduledBy: officerSchema.optional(),
});
export type Operator = z.infer<typeof operatorSchema>;

export const workstationSchema = z.object({ hostname: z.string(), addresses: z.array(z.string()) });
export type Workstation = z.infer<typeof workstationSchema>;

/** A sealed regulator review of one evidence pack: read-only, offline, journaled locally. */
export const reviewSessionSchema = z.object({
  sessionId: z.string(),
  reviewer: z.string(),
  startedAt: z.string(),
  packPath: z.string(),
  packId: z.string().nullable(),
  caseReference: z.string().nullable(),
  /** Verification on open failed: the pack was altered; the UI shows it, never hides it. */
  tampered: z.boolean(),
});
export type ReviewSession = z.infer<typeof reviewSessionSchema>;

export const sessionInfoSchema = z.object({
  profile: z.string(),
  operator: operatorSchema,
  workstation: workstationSchema,
  caseReference: z.string().nullable(),
  index: indexFreshnessSchema.omit({ source: true, warning: true }),
  /** Absent or 'normal': the officer's app. 'review': a sealed regulator review of one pack. */
  mode: z.enum(['normal', 'review']).optional(),
  review: reviewSessionSchema.optional(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const auditActions = ['search', 'preview', 'play', 'seek', 'download', 'export', 'hold', 'release', 'posture', 'approval', 'transcript', 'annotate', 'import', 'link', 'witness'] as const;
export const auditActionSchema = z.enum(auditActions);
export type AuditAction = z.infer<typeof auditActionSchema>;

/** One access, one WORM object. `prevHash` links it to the event before it in the same log. */
export const auditEventSchema = z.object({
  schema: z.literal('custody.audit.v1'),
  logId: z.string(),
  seq: z.number().int().nonnegative(),
  eventId: z.string(),
  time: z.string(),
  operator: operatorSchema,
  workstation: workstationSchema,
  action: auditActionSchema,
  conversationId: z.string().nullable(),
  recordingId: z.string().nullable(),
  tradingId: z.string().nullable(),
  caseReference: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/**
 * A signed tree head over one audit log (RFC 9162 style). Leaves are the stored event objects'
 * bytes (their canonical JSON, UTF-8) in seq order; `signature` is Ed25519, base64, over the
 * canonical JSON of this object without `signature`. Stored at
 * audit/v1/<logId>/checkpoints/<treeSize, 12 digits>.json; the public key at audit/v1/<logId>/keys/<keyId>.pem.
 */
export const auditCheckpointSchema = z.object({
  schema: z.literal('custody.checkpoint.v1'),
  logId: z.string(),
  treeSize: z.number().int().nonnegative(),
  rootHash: z.string().regex(/^[0-9a-f]{64}$/),
  time: z.string(),
  keyId: z.string().regex(/^[0-9a-f]{64}$/),
  signature: z.string().min(1),
});
export type AuditCheckpoint = z.infer<typeof auditCheckpointSchema>;
