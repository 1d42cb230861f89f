import { z } from 'zod';
import { annotationSchema } from './annotations';
import { auditCheckpointSchema, participantSchema } from './domain';
import { describeOfficer } from './operator-label';
import { tradeIdSchema } from './trades';

/**
 * The documents inside an evidence pack (a BagIt bag). Paths are relative to the bag root.
 *   data/pack.json                         packDocumentSchema
 *   data/transcripts/<recordingId>.json    the recording's transcript (shared/transcripts.ts transcriptViewSchema), when the pack carries one
 *   data/metadata/<recordingId>.json       packRecordingSchema (with the recording's annotations)
 *   data/excerpts/<recordingId>/<annotationId>.wav   an annotated range's samples, sliced from the WAV copy
 *   data/audit/proofs.json                 packProofsSchema (+ data/audit/events/*.json as stored,
 *                                          data/audit/checkpoint.json as stored)
 *   data/audit/export-manifest.jsonl       the export's item manifest, as locked in the audit bucket
 *                                          (exportManifestHeaderSchema, then one exportManifestItemSchema a line)
 *   data/trade/trade.json                  a reconstruction's trade as imported (shared/trades.ts importedTradeSchema)
 *   data/trade/timeline.json               a reconstruction's time axis (shared/trades.ts timelineSchema)
 *   signature/signature.json               packSignatureSchema (Ed25519 over tagmanifest-sha256.txt)
 */

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const sha512Hex = z.string().regex(/^[0-9a-f]{128}$/);

export const packFileSchema = z.object({ path: z.string(), bytes: z.number().int().nonnegative(), sha256: sha256Hex, sha512: sha512Hex });
export type PackFile = z.infer<typeof packFileSchema>;

/** Where a pack holds a recording's plain WAV copy: review plays a recording only from its own file. */
export function packWavPath(conversationId: string, recordingId: string): string {
  return `data/recordings/${conversationId}/${recordingId}.wav`;
}

/** Where a pack holds a recording's transcript: review shows a transcript only from its own file. */
export function packTranscriptPath(recordingId: string): string {
  return `data/transcripts/${recordingId}.json`;
}

/** Where a pack holds an annotated range of a recording as its own WAV (the whole recording stays). */
export function packExcerptPath(recordingId: string, annotationId: string): string {
  return `data/excerpts/${recordingId}/${annotationId}.wav`;
}

/**
 * An annotation as packed; `excerpt` when its range was exported as a WAV of its own: the samples of
 * bytes [startByte, endByte) of the data chunk of `of` (the recording's WAV copy, whose data chunk
 * starts at `dataOffset`), whole sample frames from `fromMs` to `toMs`, under a canonical PCM header.
 */
export const packAnnotationSchema = annotationSchema.extend({
  excerpt: packFileSchema
    .extend({
      fromMs: z.number().int().nonnegative(),
      toMs: z.number().int().nonnegative(),
      of: z.string(),
      dataOffset: z.number().int().nonnegative(),
      startByte: z.number().int().nonnegative(),
      endByte: z.number().int().nonnegative(),
    })
    .optional(),
});
export type PackAnnotation = z.infer<typeof packAnnotationSchema>;

/** Where a reconstruction pack holds its trade record and its timeline (payload files, with their digests). */
export const PACK_TRADE_PATH = 'data/trade/trade.json';
export const PACK_TIMELINE_PATH = 'data/trade/timeline.json';

/** What makes a pack a trade's reconstruction (absent in other packs, and in packs from before trades). */
export const packTradeSchema = z.object({ tradeId: tradeIdSchema, record: z.literal(PACK_TRADE_PATH), timeline: z.literal(PACK_TIMELINE_PATH) });
export type PackTrade = z.infer<typeof packTradeSchema>;

export const packRecordingSchema = z.object({
  schema: z.literal('custody.pack.recording.v1'),
  conversationId: z.string(),
  recordingId: z.string(),
  tradingId: z.string().nullable(),
  clientAccount: z.string().nullable(),
  participants: z.array(participantSchema),
  queue: z.string().nullable(),
  agent: z.string().nullable(),
  direction: z.string().nullable(),
  startTime: z.string(),
  endTime: z.string().nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
  /** Where the audio came from: Genesys Cloud, or the firm's WORM archive when Genesys no longer had it. */
  source: z.enum(['genesys', 'archive']),
  retrieval: z.object({
    /** SHA-256 of the bytes as retrieved, recorded when they were fetched; the original file must equal it. */
    sha256: sha256Hex,
    bytes: z.number().int().nonnegative(),
    contentType: z.string(),
    retrievedAt: z.string(),
  }),
  original: packFileSchema.extend({ contentType: z.string() }),
  wav: packFileSchema.extend({
    channels: z.number().int().positive(),
    sampleRate: z.number().int().positive(),
    bitsPerSample: z.number().int().positive(),
    durationMs: z.number().int().nonnegative(),
    identicalToOriginal: z.boolean(),
  }),
  /** Seqs of the audit events in data/audit/ about this recording. */
  auditSeqs: z.array(z.number().int().nonnegative()),
  /** The transcript file (packTranscriptPath), when the index had one for this recording. */
  transcript: packFileSchema.optional(),
  /** The officers' annotations on this recording when the pack was built (absent in packs from before annotations). */
  annotations: z.array(packAnnotationSchema).optional(),
  /** In a reconstruction: the trade, whether this call is linked to it, and whose call it is (the trader's, the client's). */
  trade: z.object({ tradeId: z.string(), linked: z.boolean(), parties: z.array(z.enum(['trader', 'client'])) }).optional(),
});
export type PackRecording = z.infer<typeof packRecordingSchema>;

export const packDocumentSchema = z.object({
  schema: z.literal('custody.pack.v1'),
  packId: z.string(),
  caseReference: z.string(),
  sourceOrganization: z.string(),
  builtAt: z.string(),
  /** Who built the pack: the signed-in officer's Genesys name (`operator`), user id and email (absent in packs from before sign-in). */
  builtBy: z.object({
    operator: z.string(),
    genesysUserId: z.string().optional(),
    email: z.string().optional(),
    osAccount: z.string(),
    workstation: z.string(),
  }),
  custodyVersion: z.string(),
  /** The 'export' audit event written before anything was copied; it names the locked item manifest (small packs also list the items). */
  exportEventId: z.string(),
  exportEventSeq: z.number().int().nonnegative(),
  logId: z.string(),
  signingKeyId: z.string(),
  /** A trade's reconstruction (`custody reconstruct`): its record and timeline files. */
  trade: packTradeSchema.optional(),
  recordings: z.array(z.object({ recordingId: z.string(), conversationId: z.string(), metadata: z.string() })),
});
export type PackDocument = z.infer<typeof packDocumentSchema>;

/** "Name <email> (Genesys id) (osAccount@workstation)": who built a pack, as the load files and the review show it. */
export function describeBuiltBy(builtBy: PackDocument['builtBy']): string {
  const who = builtBy.genesysUserId ? describeOfficer({ name: builtBy.operator, email: builtBy.email ?? '', genesysUserId: builtBy.genesysUserId }) : builtBy.operator;
  return `${who} (${builtBy.osAccount}@${builtBy.workstation})`;
}

/** Where a pack carries its export's item manifest: the same bytes as the locked object the export event names. */
export const EXPORT_MANIFEST_PATH = 'data/audit/export-manifest.jsonl';

/** First line of an export manifest (canonical JSON, as every line). */
export const exportManifestHeaderSchema = z
  .object({ schema: z.literal('custody.export-manifest.v1'), packId: z.string(), logId: z.string(), caseReference: z.string(), items: z.number().int().nonnegative() })
  .strict();
export type ExportManifestHeader = z.infer<typeof exportManifestHeaderSchema>;

/** One exported recording; `sha256` is its media's when known before the export (cached), else null. */
export const exportManifestItemSchema = z
  .object({ conversationId: z.string(), recordingId: z.string(), tradingIds: z.array(z.string()), caseReference: z.string(), sha256: sha256Hex.nullable() })
  .strict();
export type ExportManifestItem = z.infer<typeof exportManifestItemSchema>;

/** What an export event's `details.manifest` says of the locked manifest object. */
export const exportManifestRefSchema = z.object({ key: z.string(), sha256: sha256Hex, bytes: z.number().int().nonnegative(), items: z.number().int().nonnegative() });
export type ExportManifestRef = z.infer<typeof exportManifestRefSchema>;

export const packProofsSchema = z.object({
  schema: z.literal('custody.pack.proofs.v1'),
  logId: z.string(),
  hashAlgorithm: z.literal('sha256'),
  /** RFC 9162 2.1: leaf = SHA-256(0x00 || stored event bytes), node = SHA-256(0x01 || left || right). */
  tree: z.literal('RFC 9162'),
  checkpoint: z.object({ path: z.string(), key: z.string(), publicKey: z.string(), value: auditCheckpointSchema }),
  events: z.array(
    z.object({
      seq: z.number().int().nonnegative(),
      eventId: z.string(),
      action: z.string(),
      path: z.string(),
      leafHash: sha256Hex,
      proof: z.array(sha256Hex),
    }),
  ),
});
export type PackProofs = z.infer<typeof packProofsSchema>;

export const packSignatureSchema = z.object({
  schema: z.literal('custody.pack.signature.v1'),
  algorithm: z.literal('Ed25519'),
  signedFile: z.literal('tagmanifest-sha256.txt'),
  /** Raw 64-byte signature next to this file, for openssl pkeyutl -verify -rawin. */
  signatureFile: z.literal('signature/tagmanifest-sha256.txt.sig'),
  signature: z.string(),
  keyId: sha256Hex,
  publicKey: z.string(),
  signedAt: z.string(),
});
export type PackSignature = z.infer<typeof packSignatureSchema>;
