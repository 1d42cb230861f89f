import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { plainSize, SEALED_HEADER_BYTES, SEGMENT_TAG_BYTES, SegmentCipher, SegmentOpener, SegmentSealer, type Seal } from '../../crypto/segment-cipher';
import { createSha256 } from '../../crypto/sha256';
import { OWNER_TAG_PATTERN, ownerTagIsDead, ownerTagOfThisProcess } from '../audit/lock-file';
import { NO_FOLLOW, pathUnderRoot } from '../contained-path';
import { describeCause, StorageError } from '../errors';

/**
 * The one way the engine makes a file durable. A file reaches its final name only complete and
 * flushed: written fully (short writes looped), fsynced, renamed within its folder, and the folder
 * fsynced so the rename itself survives a power cut. Paths built from outside data are the caller's
 * to build with pathUnderRoot before they reach this module.
 *
 * It also owns encryption at rest: a file written with a `Seal` (the media cache's recordings and
 * their analyses) is sealed with AES-256-GCM in 64 KiB segments (crypto/segment-cipher.ts) on its
 * way to disk, so no plaintext byte of it is ever written, and read back by whole or by byte range.
 */

export { SealedFileError, type Seal } from '../../crypto/segment-cipher';

/** The part of a file handle a writer needs; tests pass one whose writes come up short. */
export type WritableFile = {
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesWritten: number }>;
};

type SyncableFile = WritableFile & { sync(): Promise<void>; close(): Promise<void> };

/** The file system calls this module makes; tests inject one that fails (a crash) mid-way. */
export type DurableFs = {
  open(path: string, flags: string | number, mode?: number): Promise<SyncableFile>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  list(dir: string): Promise<Array<string>>;
};

export const nodeFs: DurableFs = {
  open: (path, flags, mode) => open(path, flags, mode),
  rename,
  remove: (path) => rm(path, { force: true }),
  list: (dir) => readdir(dir),
};

/**
 * Writes all of `data`, at `position` (or the file's current position when null). A write may take
 * fewer bytes than offered (a filling disk, a signal); the rest is written again until none is left.
 */
export async function writeFully(file: WritableFile, data: Uint8Array, position: number | null = null): Promise<void> {
  for (let offset = 0; offset < data.length; ) {
    const { bytesWritten } = await file.write(data, offset, data.length - offset, position === null ? null : position + offset);
    // A write that takes nothing would loop for ever; a real full disk answers ENOSPC instead.
    if (bytesWritten <= 0) throw new StorageError('The disk accepted no more bytes');
    offset += bytesWritten;
  }
}

/** fsync of a file or a folder (a folder's entries: the creations and renames in it). */
export async function syncPath(path: string, fs: DurableFs = nodeFs): Promise<void> {
  const handle = await fs.open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Renames a complete file or folder onto `target` in the same folder tree and makes it durable:
 * the source is flushed first, the target's folder after. Removing the source on failure is the caller's.
 */
export async function moveIntoPlace(source: string, target: string, fs: DurableFs = nodeFs): Promise<void> {
  await syncPath(source, fs);
  await fs.rename(source, target);
  await syncPath(dirname(target), fs);
}

const TEMP_SUFFIX = '.durable-tmp';
/** Temporary files of this process still being written: cleanup leaves them alone. */
const inFlight = new Set<string>();

const tempPrefix = (target: string) => `.${basename(target)}.`;

/**
 * Replaces `target` with `content` so that a crash at any instant leaves the old content or the
 * new, never a mix: a temporary file beside it (same folder, so the rename is atomic), written
 * fully, fsynced, renamed over the target, the folder fsynced. Temporary files that an earlier,
 * interrupted write of the same target left behind are removed first.
 */
export async function writeAtomic(target: string, content: Uint8Array | string, options: { mode?: number; fs?: DurableFs; seal?: Seal } = {}): Promise<void> {
  const fs = options.fs ?? nodeFs;
  const plain = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const bytes = options.seal ? sealAll(plain, options.seal) : plain;
  await removeStaleTemps(target, fs);
  const temp = join(dirname(target), `${tempPrefix(target)}${process.pid}-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  inFlight.add(temp);
  try {
    const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, options.mode ?? 0o644);
    try {
      await writeFully(handle, bytes, 0);
    } finally {
      await handle.close();
    }
    await moveIntoPlace(temp, target, fs);
  } catch (error) {
    await fs.remove(temp);
    throw new StorageError(`Could not write ${target}: ${describeCause(error)}`, error);
  } finally {
    inFlight.delete(temp);
  }
}

/** Removes the temporary files an interrupted `writeAtomic` of `target` left (not those being written now). */
export async function removeStaleTemps(target: string, fs: DurableFs = nodeFs): Promise<number> {
  const dir = dirname(target);
  let names: Array<string>;
  try {
    names = await fs.list(dir);
  } catch {
    return 0;
  }
  const prefix = tempPrefix(target);
  const stale = names.map((name) => join(dir, name)).filter((path) => basename(path).startsWith(prefix) && path.endsWith(TEMP_SUFFIX) && !inFlight.has(path));
  for (const path of stale) await fs.remove(path);
  return stale.length;
}

const PARTIAL_MARK = '.partial-';
/** `.<name>.partial-<owner tag>.<random>`, and anything a builder names after it (`<partial>.zip`). */
const partialName = new RegExp(`^\\..+\\.partial-(${OWNER_TAG_PATTERN})\\.[0-9a-f]{8}(?:\\..+)?$`);

/**
 * A path beside `target` for a file or folder built in several steps (an evidence pack) before it is
 * moved onto `target`. Its name says which process owns it, so that once that process has died
 * (killed at any moment, even with SIGKILL) the next run removes it with removeDeadPartials.
 */
export function partialPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}${PARTIAL_MARK}${ownerTagOfThisProcess()}.${randomBytes(4).toString('hex')}`);
}

/**
 * Removes from `dir` the partials (partialPathFor) of processes that are gone; those of live processes,
 * this one included, stay. Follows no symlink: one named like a partial is removed as a link, and a
 * folder's content is removed with it, links as links. Returns how many were removed.
 */
export async function removeDeadPartials(dir: string): Promise<number> {
  let names: Array<string>;
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const owner = partialName.exec(name)?.[1];
    if (!owner) continue;
    const info = await lstat(join(dir, name)).catch(() => null);
    if (!info || !ownerTagIsDead(owner, Date.now() - info.mtimeMs)) continue;
    // A symlink is removed itself (pathUnderRoot refuses to name a path through one).
    const path = info.isSymbolicLink() ? join(dir, name) : await pathUnderRoot(dir, name);
    await rm(path, { recursive: info.isDirectory(), force: true });
    removed += 1;
  }
  return removed;
}

/** A temporary file whose SHA-256 was computed from the bytes as they were written. */
export type HashedFile = { path: string; bytes: number; sha256: string };

/**
 * Moves a written temporary file onto `target` only when the digest computed while writing it is
 * `expectedSha256`; otherwise (or when the move fails) the temporary file is removed and nothing
 * appears under `target`.
 */
export async function placeVerified(written: HashedFile, target: string, expectedSha256: string, fs: DurableFs = nodeFs): Promise<void> {
  try {
    if (written.sha256 !== expectedSha256) throw new StorageError('the copy does not match the recording hash');
    await moveIntoPlace(written.path, target, fs);
  } catch (error) {
    await fs.remove(written.path);
    throw new StorageError(`Could not write ${target}: ${describeCause(error)}`, error);
  }
}

/** Copies `source` (not through a symlink) to the new file `temp`, hashing every byte written. */
export async function copyHashed(source: string, temp: string, options: { mode?: number; fs?: DurableFs } = {}): Promise<HashedFile> {
  const input = await open(source, constants.O_RDONLY | NO_FOLLOW);
  try {
    return await copyHashedFrom(input, temp, options);
  } finally {
    await input.close();
  }
}

/** Copies an open file (from where it stands) to the new file `temp`, hashing every byte written; `input` stays open. */
export function copyHashedFrom(input: FileHandle, temp: string, options: { mode?: number; fs?: DurableFs } = {}): Promise<HashedFile> {
  return writeHashed(input.createReadStream({ highWaterMark: 1 << 20, autoClose: false }) as AsyncIterable<Buffer>, temp, options);
}

/** Writes `chunks` to the new file `temp` (a plaintext copy of a sealed file, say), hashing every byte written. */
export async function writeHashed(chunks: AsyncIterable<Uint8Array>, temp: string, options: { mode?: number; fs?: DurableFs } = {}): Promise<HashedFile> {
  const fs = options.fs ?? nodeFs;
  const hash = createSha256();
  let bytes = 0;
  const output = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, options.mode ?? 0o644);
  try {
    for await (const chunk of chunks) {
      await writeFully(output, chunk);
      hash.update(chunk);
      bytes += chunk.length;
    }
  } finally {
    await output.close();
  }
  return { path: temp, bytes, sha256: hash.digest('hex') };
}

/** SHA-256 (hex) of a file's bytes as they are on disk, read without following a symlink. */
export async function sha256File(path: string): Promise<string> {
  const hash = createSha256();
  const handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20, autoClose: false }) as AsyncIterable<Buffer>) hash.update(chunk);
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

function sealAll(plain: Uint8Array, seal: Seal): Buffer {
  const sealer = new SegmentSealer(seal);
  return Buffer.concat([...sealer.push(plain), ...sealer.finish()]);
}

/** A file written in order by a streaming writer (a download, an S3 read). */
export type StreamedFile = {
  append(chunk: Uint8Array): Promise<void>;
  /** Everything appended is on disk: a sealed file's last segment is written, then the file fsynced. Nothing may follow. */
  complete(): Promise<void>;
  close(): Promise<void>;
};

/**
 * Where a streaming writer puts its bytes: a new plain file, or a new sealed one (the media cache's).
 * `expectedBytes`: how many the writer was told will come (a Content-Length), when it knows.
 */
export type FileSink = { path: string; open(expectedBytes?: number | null): Promise<StreamedFile> };

/** A writer's target as given: a path is a new plain file there. */
export const sinkOf = (target: FileSink | string): FileSink => (typeof target === 'string' ? plainFile(target) : target);

/** A new plain file at `path` (created exclusively, never through a symlink). */
export function plainFile(path: string, mode = 0o600): FileSink {
  return {
    path,
    open: async () => {
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, mode);
      return { append: (chunk) => writeFully(handle, chunk), complete: () => handle.sync(), close: () => handle.close() };
    },
  };
}

/** A new file at `path` holding the appended bytes sealed with `seal`. */
export function sealedFile(path: string, seal: Seal, mode = 0o600): FileSink {
  return {
    path,
    open: async () => {
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, mode);
      const sealer = new SegmentSealer(seal);
      const writeAll = async (parts: Array<Buffer>) => {
        if (parts.length) await writeFully(handle, parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      };
      return {
        append: (chunk) => writeAll(sealer.push(chunk)),
        complete: async () => {
          await writeAll(sealer.finish());
          await handle.sync();
        },
        close: () => handle.close(),
      };
    },
  };
}

/** The plaintext of sealed bytes read in order (by a reader the caller chose); throws SealedFileError on any tampering. */
export async function* openSealed(chunks: AsyncIterable<Uint8Array>, seal: Seal): AsyncIterable<Buffer> {
  const opener = new SegmentOpener(seal);
  for await (const chunk of chunks) yield* opener.push(chunk);
  yield opener.finish();
}

/** The whole plaintext of a small sealed file (a sidecar), read without following a symlink. */
export async function readSealed(path: string, seal: Seal): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  try {
    const parts: Array<Buffer> = [];
    for await (const part of openSealed(handle.createReadStream({ autoClose: false }) as AsyncIterable<Buffer>, seal)) parts.push(part);
    return Buffer.concat(parts);
  } finally {
    await handle.close();
  }
}

/** A file served by byte range (media:// playback): its size and the bytes of [start, end], end included. */
export type RangeSource = { size(): Promise<number>; read(start: number, end: number): AsyncIterable<Buffer> };

/** A plain file served as it is on disk. */
export function plainRangeSource(path: string): RangeSource {
  return {
    size: async () => withFile(path, async (handle) => (await handle.stat()).size),
    read: (start, end) => readRange(path, start, end, async function* (handle) {
      yield* handle.createReadStream({ start, end, autoClose: false }) as AsyncIterable<Buffer>;
    }),
  };
}

/** How many segments a range read decrypts per disk read (1 MiB of a 64 KiB-segment file). */
const SEGMENTS_PER_READ = 16;

/**
 * A sealed file served by plaintext byte range: only the segments [start, end] touches are read and
 * authenticated, so a seek into a long recording costs one segment, not the file. `unfinished`: a file
 * still being written, whose whole segments are all followed by more (none is the last yet); a range
 * past them is the caller's to wait for.
 */
export function sealedRangeSource(path: string, seal: Seal, options: { unfinished?: boolean } = {}): RangeSource {
  return {
    size: () => withFile(path, async (handle) => plainSize((await handle.stat()).size, (await cipherOf(handle, seal)).segmentBytes)),
    read: (start, end) =>
      readRange(path, start, end, async function* (handle) {
        const cipher = await cipherOf(handle, seal);
        const sealedBytes = (await handle.stat()).size;
        const size = cipher.segmentBytes;
        const count = options.unfinished ? Math.floor((sealedBytes - SEALED_HEADER_BYTES) / (size + SEGMENT_TAG_BYTES)) : cipher.segmentCount(sealedBytes);
        if (count === 0) return;
        const last = Math.min(Math.floor(end / size), count - 1);
        for (let first = Math.floor(start / size); first <= last; first += SEGMENTS_PER_READ) {
          const through = Math.min(last, first + SEGMENTS_PER_READ - 1);
          const from = cipher.segmentAt(first, sealedBytes).position;
          const until = cipher.segmentAt(through, sealedBytes);
          const bytes = await readExactly(handle, from, until.position + until.length - from);
          for (let index = first; index <= through; index += 1) {
            const at = cipher.segmentAt(index, sealedBytes);
            const plain = cipher.open(index, !options.unfinished && index === count - 1, bytes.subarray(at.position - from, at.position - from + at.length));
            const base = index * size;
            yield plain.subarray(Math.max(0, start - base), Math.min(plain.length, end + 1 - base));
          }
        }
      }),
  };
}

async function cipherOf(handle: FileHandle, seal: Seal): Promise<SegmentCipher> {
  return SegmentCipher.fromHeader(await readExactly(handle, 0, SEALED_HEADER_BYTES), seal);
}

async function readExactly(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await handle.read(buffer, read, length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return buffer.subarray(0, read);
}

async function withFile<T>(path: string, use: (handle: FileHandle) => Promise<T>): Promise<T> {
  const handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}

async function* readRange(path: string, start: number, end: number, read: (handle: FileHandle) => AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  if (end < start) return;
  const handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  try {
    yield* read(handle);
  } finally {
    await handle.close();
  }
}
