import type { S3Client } from '@aws-sdk/client-s3';
import { sha256Hex } from '../../crypto/sha256';
import { StorageError, validated } from '../errors';
import { listVersionPages, readObject } from '../worm/locked-objects';
import { catalogManifestSchema, manifestKey, manifestSeqOf, MANIFESTS_PREFIX, type CatalogManifest } from './catalog-layout';

export type StoredManifest = { manifest: CatalogManifest; key: string; versionId: string; sha256: string };

/** The catalog's manifests in the bucket: each key's versions, oldest first (WORM keeps the first; a later one under the same key is a second writer). */
export async function manifestVersions(s3: S3Client, bucket: string): Promise<Map<number, Array<{ versionId: string; lastModified: number }>>> {
  const found = new Map<number, Array<{ versionId: string; lastModified: number }>>();
  for await (const page of listVersionPages(s3, bucket, MANIFESTS_PREFIX)) {
    for (const version of page.Versions ?? []) {
      const seq = version.Key ? manifestSeqOf(version.Key) : null;
      if (seq === null || !version.VersionId) continue;
      found.set(seq, [...(found.get(seq) ?? []), { versionId: version.VersionId, lastModified: version.LastModified?.getTime() ?? 0 }]);
    }
  }
  for (const versions of found.values()) versions.sort((a, b) => a.lastModified - b.lastModified);
  return found;
}

/** The highest manifest sequence number in the bucket, or 0 when nothing was published. */
export async function latestManifestSeq(s3: S3Client, bucket: string): Promise<number> {
  return Math.max(0, ...(await manifestVersions(s3, bucket)).keys());
}

/**
 * One manifest, validated: its first version (the one WORM kept before any other writer), its SHA-256 over
 * the bytes as stored, its seq the one its key says, its archive bucket this one.
 */
export async function readManifest(s3: S3Client, bucket: string, seq: number, versionId?: string): Promise<StoredManifest> {
  const key = manifestKey(seq);
  const version = versionId ?? (await manifestVersions(s3, bucket)).get(seq)?.[0]?.versionId;
  if (!version) throw new StorageError(`The catalog manifest s3://${bucket}/${key} does not exist.`);
  const object = await readObject(s3, bucket, key, { versionId: version });
  if (!object) throw new StorageError(`The catalog manifest s3://${bucket}/${key} (version ${version}) could not be read.`);
  let json: unknown;
  try {
    json = JSON.parse(object.text());
  } catch {
    throw new StorageError(`The catalog manifest s3://${bucket}/${key} is not JSON; it was refused.`);
  }
  const manifest = validated(catalogManifestSchema, json, `The catalog manifest s3://${bucket}/${key}`);
  if (manifest.seq !== seq) throw new StorageError(`The catalog manifest s3://${bucket}/${key} says it is number ${manifest.seq}; it was refused.`);
  if (manifest.archiveBucket !== bucket) throw new StorageError(`The catalog manifest s3://${bucket}/${key} describes bucket "${manifest.archiveBucket}"; it was refused.`);
  return { manifest, key, versionId: version, sha256: sha256Hex(object.body) };
}
