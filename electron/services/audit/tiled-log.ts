import type { S3Client } from '@aws-sdk/client-s3';
import { decodeEntryBundle, encodeEntryBundle, hashTileBytes, TILE_HEIGHT, TILE_WIDTH, tilesToPublish, type TileId } from '../../../shared/crypto/tlog-tiles';
import { parseCheckpointText, parseSignedNote } from '../../crypto/signed-note';
import type { AuditMirrorRepository } from '../../db/repositories/audit-mirror-repository';
import { putLockedObject, readObject, readObjectText, type LockMode } from '../worm/locked-objects';
import { auditCheckpointNoteKey, auditEntryBundleKey, auditLatestCheckpointNoteKey, auditTileKey } from './layout';

/**
 * The audit log in the C2SP tlog-tiles layout (https://c2sp.org/tlog-tiles), beside the one object per
 * event: entry bundles of 256 stored events and hash tiles of 256 tree hashes, every object under
 * Object Lock, so that a verifier or a new workstation reads about n/256 objects instead of n.
 * The checkpointer publishes them (from the mirror) before it signs the checkpoint that needs them.
 */

export type TiledLogStore = { s3: S3Client; bucket: string; logId: string };

const publishConcurrency = 8;

/**
 * Writes the tiles and bundles a log gains from `fromSize` (published before) to `toSize`: the ones
 * that became full (written once) and the partial ones of `toSize`. Returns how many objects it wrote.
 */
export async function publishTiles(
  store: TiledLogStore & { repository: AuditMirrorRepository; mode: LockMode },
  range: Readonly<{ fromSize: number; toSize: number }>,
  retainUntil: Date,
): Promise<number> {
  const { s3, bucket, logId, repository, mode } = store;
  const writes: Array<() => Promise<unknown>> = [];
  for (const tile of tilesToPublish(range.fromSize, range.toSize)) {
    writes.push(async () => {
      const nodes = await repository.nodes(logId, tile.level * TILE_HEIGHT, tile.index * TILE_WIDTH, tile.index * TILE_WIDTH + tile.width);
      const body = hashTileBytes(tile, (_level, index) => nodes[index - tile.index * TILE_WIDTH]);
      await putLockedObject(s3, { bucket, key: auditTileKey(logId, tile), body, contentType: 'application/octet-stream', retainUntil, mode });
    });
    if (tile.level === 0) {
      writes.push(async () => {
        const bodies = (await repository.eventBodiesFrom(logId, tile.index * TILE_WIDTH, tile.width)).map((event) => event.body);
        if (bodies.length !== tile.width) throw new RangeError(`the mirror holds ${bodies.length} of the ${tile.width} events of bundle ${tile.index}`);
        const body = encodeEntryBundle(bodies.map((text) => Buffer.from(text, 'utf8')));
        await putLockedObject(s3, { bucket, key: auditEntryBundleKey(logId, tile.index, tile.width), body, contentType: 'application/octet-stream', retainUntil, mode });
      });
    }
  }
  let next = 0;
  const worker = async () => {
    while (next < writes.length) await writes[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(publishConcurrency, writes.length) }, worker));
  return writes.length;
}

/** Publishes a signed checkpoint note at checkpoint-note/<size> and as the log's `checkpoint` (a new version). */
export async function publishCheckpointNote(store: TiledLogStore & { mode: LockMode }, treeSize: number, note: string, retainUntil: Date): Promise<void> {
  const { s3, bucket, logId, mode } = store;
  const put = (key: string) => putLockedObject(s3, { bucket, key, body: note, contentType: 'text/plain; charset=utf-8', retainUntil, mode });
  await put(auditCheckpointNoteKey(logId, treeSize));
  await put(auditLatestCheckpointNoteKey(logId));
}

/**
 * The tree size of the log's newest published checkpoint note: how far its tiles are published (they
 * are written before the note). 0 when there is none or it is unreadable (tiles are then written again).
 * The signature is not checked here: readers that rely on the size check the checkpoint itself.
 */
export async function publishedTreeSize(store: TiledLogStore): Promise<number> {
  const text = await readObjectText(store.s3, store.bucket, auditLatestCheckpointNoteKey(store.logId));
  if (text === null) return 0;
  try {
    return parseCheckpointText(parseSignedNote(text).text).treeSize;
  } catch {
    return 0;
  }
}

export type EntryBundle = { entries: Array<Buffer>; key: string; lockMode: string | null };

/**
 * Entry bundle `index` holding at least `width` entries: the partial bundle of that width, else the
 * full one (a later checkpoint completed it), cut to `width`. Null when neither exists; a bundle that
 * does not decode throws RangeError.
 */
export async function readEntryBundle(store: TiledLogStore, index: number, width: number): Promise<EntryBundle | null> {
  const keys = width === TILE_WIDTH ? [auditEntryBundleKey(store.logId, index, TILE_WIDTH)] : [auditEntryBundleKey(store.logId, index, width), auditEntryBundleKey(store.logId, index, TILE_WIDTH)];
  for (const key of keys) {
    const object = await readObject(store.s3, store.bucket, key);
    if (!object) continue;
    const entries = decodeEntryBundle(object.body).map((entry) => Buffer.from(entry.buffer, entry.byteOffset, entry.length));
    if (entries.length < width) throw new RangeError(`entry bundle ${key} holds ${entries.length} entries, not ${width}`);
    return { entries: entries.slice(0, width), key, lockMode: object.lockMode };
  }
  return null;
}

/** A hash tile's bytes, or null when it is not published. */
export async function readHashTile(store: TiledLogStore, tile: Readonly<TileId>): Promise<{ bytes: Buffer; key: string; lockMode: string | null } | null> {
  const key = auditTileKey(store.logId, tile);
  const object = await readObject(store.s3, store.bucket, key);
  return object ? { bytes: object.body, key, lockMode: object.lockMode } : null;
}

/** The bundles (index, width) that hold events [from, to). */
export function bundlesCovering(from: number, to: number): Array<{ index: number; width: number; start: number }> {
  const out: Array<{ index: number; width: number; start: number }> = [];
  for (let index = Math.floor(from / TILE_WIDTH); index * TILE_WIDTH < to; index += 1) {
    out.push({ index, width: Math.min(TILE_WIDTH, to - index * TILE_WIDTH), start: index * TILE_WIDTH });
  }
  return out;
}
