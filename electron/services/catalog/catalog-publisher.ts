import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { canonicalJson } from '../../../shared/canonical-json';
import type { Logger } from '../../../shared/logger';
import { sha256Hex } from '../../crypto/sha256';
import type { CatalogIndexRow, CatalogRepository } from '../../db/repositories/catalog-repository';
import type { AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { StorageError } from '../errors';
import type { Clock } from '../ports';
import { putLockedObject, type LockMode } from '../worm/locked-objects';
import { dayOf, manifestKey, MANIFEST_SCHEMA, partKey, type CatalogManifest, type ManifestPart } from './catalog-layout';
import { latestManifestSeq, manifestVersions, readManifest } from './catalog-manifests';
import { writeCatalogParquet } from './parquet-files';

export type CatalogPublisherDeps = {
  s3: S3Client;
  /** The ARCHIVE bucket: the catalog describes what it holds. */
  bucket: string;
  mode: LockMode;
  /** How long each part and manifest is locked. */
  retentionMs: number;
  catalog: Pick<CatalogRepository, 'exportRows'>;
  audit: () => Promise<AuditWriter>;
  actors: Pick<AuditActors, 'service'>;
  /** Where Parquet files are written before they are hashed and uploaded (a temporary folder is made in it). */
  workDir: string;
  clock: Clock;
  logger: Logger;
};

export type PublishSummary = {
  bucket: string;
  /** The manifest now current (null: nothing was ever published, and the index is empty). */
  seq: number | null;
  manifestKey: string | null;
  published: boolean;
  days: number;
  rows: number;
  newParts: Array<{ day: string; key: string; rows: number; sha256: string }>;
  auditEventId: string | null;
};

/**
 * Publishes the archiver's index as the firm's catalog: one Parquet part per day of calls, a new part only for a
 * day whose rows changed since the current manifest, then the next manifest naming every current part with its
 * SHA-256 and the previous manifest's hash, all under Object Lock.
 *
 * Auditing: the catalog copies client accounts, trading IDs and participants' names to every workstation of
 * the firm, so a publication that changes anything is an 'export' (details.kind 'catalog', under the service
 * account) written to the audit log BEFORE any part is uploaded; if it cannot be written, nothing is published.
 */
export class CatalogPublisher {
  constructor(private readonly deps: CatalogPublisherDeps) {}

  async publish(): Promise<PublishSummary> {
    const { s3, bucket, clock, logger } = this.deps;
    const previousSeq = await latestManifestSeq(s3, bucket);
    const previous = previousSeq > 0 ? await readManifest(s3, bucket, previousSeq) : null;
    const current = new Map((previous?.manifest.parts ?? []).map((part) => [part.day, part]));
    const days = groupByDay(await this.deps.catalog.exportRows());
    const seq = previousSeq + 1;
    const changed = [...days].filter(([day, rows]) => current.get(day)?.rowsSha256 !== rowsHash(rows));
    const total = [...days.values()].reduce((sum, rows) => sum + rows.length, 0);
    const unchanged = { bucket, days: days.size, rows: total, newParts: [], auditEventId: null };
    if (changed.length === 0 && previous) return { ...unchanged, seq: previousSeq, manifestKey: previous.key, published: false };
    if (days.size === 0) return { ...unchanged, seq: null, manifestKey: null, published: false };

    const audited = await (await this.deps.audit()).append(
      {
        action: 'export',
        details: { kind: 'catalog', bucket, manifest: manifestKey(seq), days: changed.map(([day, rows]) => ({ day, rows: rows.length })) },
      },
      await this.deps.actors.service(),
    );
    const retainUntil = new Date(clock.now() + this.deps.retentionMs);
    await mkdir(this.deps.workDir, { recursive: true, mode: 0o700 });
    const staging = await mkdtemp(join(this.deps.workDir, 'publish-'));
    const newParts: Array<ManifestPart> = [];
    try {
      const files = changed.map(([day, rows]) => ({ day, rows, rowsSha256: rowsHash(rows), path: join(staging, `${day}.parquet`) }));
      await writeCatalogParquet(files);
      for (const { day, rows, rowsSha256, path } of files) {
        const body = await readFile(path);
        const key = partKey(day, seq, rowsSha256);
        const stored = await putLockedObject(s3, { bucket, key, body, contentType: 'application/vnd.apache.parquet', retainUntil, mode: this.deps.mode });
        newParts.push({ table: 'recordings', day, key, versionId: stored.versionId, sha256: sha256Hex(body), bytes: body.length, rows: rows.length, rowsSha256 });
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    const fresh = new Map(newParts.map((part) => [part.day, part]));
    const manifest: CatalogManifest = {
      schema: MANIFEST_SCHEMA,
      seq,
      createdAt: new Date(clock.now()).toISOString(),
      archiveBucket: bucket,
      previous: previous ? { seq: previous.manifest.seq, sha256: previous.sha256 } : null,
      auditEventId: audited.eventId,
      parts: [...days.keys()].sort().map((day) => fresh.get(day) ?? current.get(day)!),
    };
    const key = manifestKey(seq);
    const stored = await putLockedObject(s3, { bucket, key, body: canonicalJson(manifest), contentType: 'application/json', retainUntil, mode: this.deps.mode });
    // Two publishers at once both write number `seq`; readers take its first version, so the later one lost.
    const first = (await manifestVersions(s3, bucket)).get(seq)?.[0]?.versionId;
    if (first !== stored.versionId) {
      throw new StorageError(`Another archiver published catalog manifest ${seq} at the same time; run "custody catalog publish" again.`);
    }
    logger.info('catalog published', { bucket, seq, newParts: newParts.length, days: days.size, rows: total });
    return {
      bucket,
      seq,
      manifestKey: key,
      published: true,
      days: days.size,
      rows: total,
      newParts: newParts.map((part) => ({ day: part.day, key: part.key, rows: part.rows, sha256: part.sha256 })),
      auditEventId: audited.eventId,
    };
  }
}

function groupByDay(rows: ReadonlyArray<CatalogIndexRow>): Map<string, Array<CatalogIndexRow>> {
  const days = new Map<string, Array<CatalogIndexRow>>();
  for (const row of rows) {
    const day = dayOf(row.conversation_start_ms);
    let list = days.get(day);
    if (!list) days.set(day, (list = []));
    list.push(row);
  }
  return days;
}

/** The day's content, independent of how a Parquet writer lays it out: what decides whether a day needs a new part. */
export const rowsHash = (rows: ReadonlyArray<CatalogIndexRow>): string => sha256Hex(rows.map((row) => canonicalJson(row)).join('\n'));
