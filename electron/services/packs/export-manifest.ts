import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { canonicalJson } from '../../../shared/canonical-json';
import type { AuditEvent } from '../../../shared/domain';
import {
  exportManifestHeaderSchema,
  exportManifestItemSchema,
  exportManifestRefSchema,
  type ExportManifestHeader,
  type ExportManifestItem,
  type ExportManifestRef,
} from '../../../shared/pack-format';
import { createSha256 } from '../../crypto/sha256';
import { assertValidLogId } from '../audit/layout';
import { ValidationError } from '../errors';
import { putLockedObject, wormRequest, type LockMode } from '../worm/locked-objects';
import { DigestingWriter, LineSplitter, type Digests } from './file-digests';

/**
 * The item manifest of an export: which recordings a pack carries. The export event cannot list
 * thousands of items in one audit record (64 KB), so before the export happens the full list is
 * written as JSON lines (a header, then one canonical-JSON item a line) to a locked object in the
 * audit bucket, and the export event names that object by key, size and SHA-256. The pack carries
 * the same bytes, so a recipient checks them against the event offline.
 */

export const exportManifestKey = (logId: string, packId: string): string => {
  assertValidLogId(logId);
  if (!/^[A-Za-z0-9-]{1,64}$/.test(packId)) throw new ValidationError(`not a pack id: ${JSON.stringify(packId)}`);
  return `audit/v1/${logId}/exports/${packId}.jsonl`;
};

export type WrittenExportManifest = Digests & { path: string; md5Base64: string };

/** Writes the manifest to the new file `path`, streaming: one item in memory at a time. */
export async function writeExportManifest(path: string, header: ExportManifestHeader, items: AsyncIterable<ExportManifestItem> | Iterable<ExportManifestItem>): Promise<WrittenExportManifest> {
  const writer = await DigestingWriter.create(path, { md5: true });
  let count = 0;
  try {
    await writer.write(`${canonicalJson(exportManifestHeaderSchema.parse(header))}\n`);
    for await (const item of items) {
      await writer.write(`${canonicalJson(exportManifestItemSchema.parse(item))}\n`);
      count += 1;
    }
  } catch (error) {
    await writer.abandon();
    throw error;
  }
  const written = await writer.close();
  if (count !== header.items) throw new ValidationError(`the export manifest holds ${count} items, its header says ${header.items}`);
  return { path, bytes: written.bytes, sha256: written.sha256, sha512: written.sha512, md5Base64: written.md5Base64! };
}

/** Locks the written manifest in the audit bucket, with the audit events' retention; resolves once the store acknowledged it. */
export async function lockExportManifest(
  store: { s3: S3Client; bucket: string; retention: { mode: LockMode; durationMs: number } },
  key: string,
  manifest: WrittenExportManifest,
  nowMs: number,
): Promise<void> {
  await putLockedObject(store.s3, {
    bucket: store.bucket,
    key,
    body: { path: manifest.path, bytes: manifest.bytes, md5Base64: manifest.md5Base64 },
    contentType: 'application/x-ndjson',
    retainUntil: new Date(nowMs + store.retention.durationMs),
    mode: store.retention.mode,
  });
}

/**
 * Reads a manifest pushed to it in chunks: the header first, then each item to `onItem`, and at `end`
 * its size and SHA-256. Every line is validated; a bad line throws, naming its number.
 */
export class ExportManifestReader {
  header: ExportManifestHeader | null = null;
  private items = 0;
  private bytes = 0;
  private lineNumber = 0;
  private readonly hash = createSha256();
  private readonly lines: LineSplitter;

  constructor(onItem: (item: ExportManifestItem) => void) {
    this.lines = new LineSplitter((line) => {
      this.lineNumber += 1;
      const value = parseJsonLine(line, this.lineNumber);
      if (this.header === null) {
        const parsed = exportManifestHeaderSchema.safeParse(value);
        if (!parsed.success) throw new ValidationError('line 1 is not a custody.export-manifest.v1 header');
        this.header = parsed.data;
        return;
      }
      const parsed = exportManifestItemSchema.safeParse(value);
      if (!parsed.success) throw new ValidationError(`line ${this.lineNumber} is not an export manifest item`);
      this.items += 1;
      onItem(parsed.data);
    });
  }

  push(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.lines.push(chunk);
  }

  end(): { header: ExportManifestHeader; items: number; bytes: number; sha256: string } {
    this.lines.end();
    if (!this.header) throw new ValidationError('the export manifest is empty');
    if (this.items !== this.header.items) throw new ValidationError(`the export manifest holds ${this.items} items, its header says ${this.header.items}`);
    return { header: this.header, items: this.items, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

function parseJsonLine(line: string, lineNumber: number): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw new ValidationError(`line ${lineNumber} of the export manifest is not JSON`);
  }
}

/** The manifest an export event names, or null for an event that lists its items inline (packs built before manifests). */
export function exportManifestRefOf(event: Pick<AuditEvent, 'action' | 'details'>): ExportManifestRef | null {
  if (event.action !== 'export' || event.details.manifest === undefined) return null;
  const parsed = exportManifestRefSchema.safeParse(event.details.manifest);
  if (!parsed.success) throw new ValidationError('the export event names its manifest in an unknown form');
  return parsed.data;
}

/**
 * Every item an export event exported: read from the locked manifest it names (streamed, so any size),
 * or from the event itself when it lists them inline. This is the one reader of an export's items
 * (the audit mirror indexes them with it, so "who touched trade T" finds the export). The manifest's
 * size and SHA-256 are checked against the event at the end: the last step throws when they differ,
 * so a consumer stores what it read only once the iteration completes.
 */
export async function* exportItems(store: { s3: S3Client; bucket: string }, event: AuditEvent): AsyncIterable<ExportManifestItem> {
  const ref = exportManifestRefOf(event);
  if (!ref) {
    for (const item of Array.isArray(event.details.items) ? (event.details.items as Array<unknown>) : []) {
      if (!Array.isArray(item)) continue;
      yield { conversationId: String(item[0]), recordingId: String(item[1]), tradingIds: event.tradingId ? [event.tradingId] : [], caseReference: event.caseReference ?? '', sha256: null };
    }
    return;
  }
  const body = await wormRequest(store.s3, `GetObject s3://${store.bucket}/${ref.key}`, async () => {
    const object = await store.s3.send(new GetObjectCommand({ Bucket: store.bucket, Key: ref.key }));
    if (!object.Body) throw new Error('empty body');
    return object.Body as Readable;
  });
  let ready: Array<ExportManifestItem> = [];
  const reader = new ExportManifestReader((item) => ready.push(item));
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      reader.push(chunk);
      const batch = ready;
      ready = [];
      yield* batch;
    }
  } finally {
    body.destroy();
  }
  const read = reader.end();
  yield* ready;
  if (read.sha256 !== ref.sha256 || read.bytes !== ref.bytes) {
    throw new ValidationError(`s3://${store.bucket}/${ref.key} is not the manifest export event ${event.eventId} names (SHA-256 or size differs)`);
  }
  if (read.header.packId !== event.details.packId || read.header.logId !== event.logId) {
    throw new ValidationError(`s3://${store.bucket}/${ref.key} is the manifest of another export`);
  }
}
