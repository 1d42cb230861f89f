import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../../../shared/logger';
import { sha256Hex } from '../../crypto/sha256';
import type { CatalogIndexRow, CatalogRepository } from '../../db/repositories/catalog-repository';
import { pathUnderRoot } from '../contained-path';
import { AppError, describeCause } from '../errors';
import type { Clock } from '../ports';
import { readObject } from '../worm/locked-objects';
import { catalogRowSchema, dayOf, RECORDINGS_PREFIX, type ManifestPart } from './catalog-layout';
import { latestManifestSeq, manifestVersions, readManifest, type StoredManifest } from './catalog-manifests';
import { catalogStats, readCatalogParquet, type CatalogStats } from './parquet-files';

/** A manifest (or one of its parts) that does not verify: refused whole, and the index keeps what it had. */
export class CatalogRefusedError extends AppError {
  constructor(message: string) {
    super('STORAGE', `${message} The catalog was not applied; the index keeps its previous state.`);
  }
}

export type CatalogSyncDeps = {
  s3: S3Client;
  bucket: string;
  catalog: Pick<CatalogRepository, 'lastManifest' | 'currentParts' | 'applyManifest'>;
  /** A private folder for the Parquet parts between their download and their reading (removed after). */
  workDir: string;
  clock: Clock;
  logger: Logger;
};

export type SyncSummary = {
  bucket: string;
  /** The manifest applied before and after this sync (null: none). */
  fromSeq: number | null;
  seq: number | null;
  upToDate: boolean;
  partsRead: number;
  rowsApplied: number;
};

/**
 * Brings the firm's catalog from the archive bucket into this workstation's index, by manifest: only the parts
 * the last applied manifest did not have are read. Before anything is read, the manifests from the applied
 * one to the newest must chain by SHA-256 and every new part must have the SHA-256 and size its manifest gives;
 * every row is then validated. Any failure refuses the whole manifest and leaves the index as it was (the rows,
 * the parts and the manifest are applied in one transaction).
 */
export class CatalogSync {
  constructor(private readonly deps: CatalogSyncDeps) {}

  async sync(): Promise<SyncSummary> {
    const { s3, bucket, catalog, clock, logger } = this.deps;
    const applied = await catalog.lastManifest();
    // One listing for the whole sync: the chain walk below reads each manifest by its first version.
    const versions = await manifestVersions(s3, bucket);
    const firstVersion = (seq: number) => versions.get(seq)?.[0]?.versionId;
    const latest = Math.max(0, ...versions.keys());
    const base = { bucket, fromSeq: applied?.seq ?? null };
    if (latest === 0 || (applied && latest <= applied.seq)) return { ...base, seq: applied?.seq ?? null, upToDate: true, partsRead: 0, rowsApplied: 0 };
    const newest = await this.verifiedManifest(latest, applied, firstVersion);
    const known = new Map((await catalog.currentParts()).map((part) => [part.partKey, part]));
    for (const part of newest.manifest.parts) {
      const had = known.get(part.key);
      // A part is immutable: the same key with another hash is a forged or broken manifest.
      if (had && (had.sha256 !== part.sha256 || had.rows !== part.rows)) {
        throw new CatalogRefusedError(`Catalog manifest ${newest.manifest.seq} gives the part s3://${bucket}/${part.key} SHA-256 ${part.sha256}, but it was applied with ${had.sha256}.`);
      }
    }
    const fresh = newest.manifest.parts.filter((part) => !known.has(part.key));
    const rows = await this.readParts(newest, fresh);
    await catalog.applyManifest({
      manifest: { seq: newest.manifest.seq, manifestKey: newest.key, sha256: newest.sha256 },
      parts: newest.manifest.parts.map((part) => ({ partKey: part.key, day: part.day, sha256: part.sha256, rows: part.rows })),
      newRows: rows,
      appliedMs: clock.now(),
    });
    logger.info('catalog synced', { bucket, fromSeq: base.fromSeq, seq: newest.manifest.seq, partsRead: fresh.length, rows: rows.length });
    return { ...base, seq: newest.manifest.seq, upToDate: false, partsRead: fresh.length, rowsApplied: rows.length };
  }

  /** Volumes per desk and days without calls, by DuckDB over the current parts (verified, read into a private folder, removed after). */
  async stats(): Promise<CatalogStats & { seq: number | null }> {
    const { s3, bucket } = this.deps;
    const latest = await latestManifestSeq(s3, bucket);
    if (latest === 0) return { seq: null, ...(await catalogStats([])) };
    const stored = await readManifest(s3, bucket, latest);
    return this.withWorkDir(async (dir) => {
      const paths: Array<string> = [];
      for (const part of stored.manifest.parts) {
        // The Hive partition folders are kept so that DuckDB reads year, month and day from the path.
        const path = await pathUnderRoot(dir, ...part.key.slice(RECORDINGS_PREFIX.length).split('/'));
        await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
        await writeFile(path, await this.verifiedPart(stored, part), { mode: 0o600, flag: 'wx' });
        paths.push(path);
      }
      return { seq: stored.manifest.seq, ...(await catalogStats(paths)) };
    });
  }

  /** The newest manifest, refused unless the chain of previous-manifest hashes leads back to the one applied. */
  private async verifiedManifest(seq: number, applied: { seq: number; sha256: string } | null, firstVersion: (seq: number) => string | undefined): Promise<StoredManifest> {
    const { s3, bucket } = this.deps;
    let newest: StoredManifest;
    try {
      newest = await readManifest(s3, bucket, seq, firstVersion(seq));
    } catch (error) {
      if (error instanceof AppError && error.code === 'UPSTREAM_UNAVAILABLE') throw error;
      throw new CatalogRefusedError(describeCause(error));
    }
    let cursor = newest;
    while (applied && cursor.manifest.seq > applied.seq) {
      const link = cursor.manifest.previous;
      if (!link) throw new CatalogRefusedError(`Catalog manifest ${cursor.manifest.seq} names no previous manifest.`);
      const before = link.seq === applied.seq ? null : await readManifest(s3, bucket, link.seq, firstVersion(link.seq));
      const expected = before ? before.sha256 : applied.sha256;
      if (link.sha256 !== expected) {
        throw new CatalogRefusedError(`Catalog manifest ${cursor.manifest.seq} names manifest ${link.seq} with SHA-256 ${link.sha256}, but that manifest's is ${expected}.`);
      }
      if (!before) break;
      cursor = before;
    }
    return newest;
  }

  private async readParts(stored: StoredManifest, parts: ReadonlyArray<ManifestPart>): Promise<Array<CatalogIndexRow>> {
    if (parts.length === 0) return [];
    return this.withWorkDir(async (dir) => {
      const paths: Array<string> = [];
      for (const [i, part] of parts.entries()) {
        const path = join(dir, `part-${i}.parquet`);
        await writeFile(path, await this.verifiedPart(stored, part), { mode: 0o600, flag: 'wx' });
        paths.push(path);
      }
      let files: Array<Array<Record<string, unknown>>>;
      try {
        files = await readCatalogParquet(paths);
      } catch (error) {
        throw new CatalogRefusedError(`A catalog part of manifest ${stored.manifest.seq} is not a readable catalog Parquet file (${describeCause(error)}).`);
      }
      const rows: Array<CatalogIndexRow> = [];
      for (const [i, part] of parts.entries()) {
        const raw = files[i]!;
        if (raw.length !== part.rows) throw new CatalogRefusedError(`The catalog part s3://${this.deps.bucket}/${part.key} holds ${raw.length} rows, not the ${part.rows} its manifest gives.`);
        for (const [n, value] of raw.entries()) rows.push(this.validRow(part, n, value));
      }
      return rows;
    });
  }

  /** The part's bytes, only once their SHA-256 and size are the manifest's (nothing unverified is parsed). */
  private async verifiedPart(stored: StoredManifest, part: ManifestPart): Promise<Buffer> {
    const { s3, bucket } = this.deps;
    const object = await readObject(s3, bucket, part.key, { versionId: part.versionId });
    if (!object) throw new CatalogRefusedError(`The catalog part s3://${bucket}/${part.key} named by manifest ${stored.manifest.seq} is missing.`);
    const sha256 = sha256Hex(object.body);
    if (sha256 !== part.sha256 || object.body.length !== part.bytes) {
      throw new CatalogRefusedError(
        `The catalog part s3://${bucket}/${part.key} does not match manifest ${stored.manifest.seq}: SHA-256 ${sha256} (${object.body.length} bytes), the manifest gives ${part.sha256} (${part.bytes} bytes).`,
      );
    }
    return object.body;
  }

  private validRow(part: ManifestPart, n: number, value: unknown): CatalogIndexRow {
    const parsed = catalogRowSchema.safeParse(value);
    const where = `Row ${n + 1} of the catalog part s3://${this.deps.bucket}/${part.key}`;
    if (!parsed.success) throw new CatalogRefusedError(`${where} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ')}.`);
    const row = parsed.data;
    if (dayOf(row.conversation_start_ms) !== part.day) throw new CatalogRefusedError(`${where} is a call of ${dayOf(row.conversation_start_ms)}, not of its partition's day ${part.day}.`);
    if (row.archive_bucket !== null && row.archive_bucket !== this.deps.bucket) throw new CatalogRefusedError(`${where} names an archive copy in another bucket ("${row.archive_bucket}").`);
    return row;
  }

  private async withWorkDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
    await mkdir(this.deps.workDir, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(this.deps.workDir, 'sync-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
