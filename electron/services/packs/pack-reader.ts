import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { NO_FOLLOW, pathUnderRoot } from '../contained-path';
import { DualHash, digestFile, digestIdenticalFiles, forEachChunk as forEachFileChunk, type Digests } from './file-digests';
import { openZip, ZipEntryError, ZipFormatError, type ZipArchive, type ZipEntry } from './zip';

/** A pack opened for reading, as a directory or a zip: the same questions, either way. */
export type PackReader = {
  format: 'directory' | 'zip';
  /** Relative path -> size, for every regular file in the pack. */
  files: ReadonlyMap<string, number>;
  /** Entries that are not regular files (symlinks, devices): never trusted. */
  irregular: ReadonlyArray<string>;
  /** A tag, JSON or key file, whole; one larger than `maxBytes` (default MAX_SMALL_FILE_BYTES) is refused unread. */
  readBytes(path: string, maxBytes?: number): Promise<Buffer>;
  /** A file of any size, streamed in chunks (manifests of large packs); `onChunk` sees each before the next is read. */
  forEachChunk(path: string, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<void>;
  /** The first `length` bytes (fewer if the file is shorter), without reading the rest. */
  readHead(path: string, length: number): Promise<Buffer>;
  /**
   * Digests of files; files in one group are expected to hold the same bytes (the same manifest
   * digests), so a directory reader hashes their bytes once and compares the rest.
   */
  digest(group: ReadonlyArray<string>): Promise<Array<Digests>>;
  /** The pack's files on disk when it is a directory (review mode plays them from there). */
  root: string | null;
  close(): Promise<void>;
};

export class PackOpenError extends Error {}

/**
 * The most read whole from a pack: bagit.txt, bag-info.txt, the manifests, pack.json, proofs,
 * metadata, audit events and keys. Real ones are far smaller; payload is only ever streamed.
 */
export const MAX_SMALL_FILE_BYTES = 4 * 2 ** 20;

/**
 * The most read whole of the JSON files that grow with a pack (pack.json lists every recording,
 * proofs.json every proven event): parsed whole, so bounded, but far past any real case.
 */
export const MAX_INDEX_FILE_BYTES = 256 * 2 ** 20;

function assertSmall(size: number, maxBytes = MAX_SMALL_FILE_BYTES): void {
  if (size > maxBytes) throw new Error(`${size} bytes, over the ${maxBytes}-byte limit for a tag, JSON or key file`);
}

export async function openPack(path: string): Promise<PackReader> {
  let info;
  try {
    info = await lstat(path);
  } catch {
    throw new PackOpenError(`${path} does not exist`);
  }
  if (info.isDirectory()) return openDirectory(path);
  if (info.isFile()) {
    try {
      return await openZipPack(await openZip(path));
    } catch (error) {
      if (error instanceof ZipFormatError) throw new PackOpenError(`${basename(path)}: ${error.message}`);
      throw new PackOpenError(`${basename(path)} cannot be read: ${(error as Error).message}`);
    }
  }
  throw new PackOpenError(`${path} is neither a directory nor a zip file`);
}

async function openDirectory(root: string): Promise<PackReader> {
  const files = new Map<string, number>();
  const irregular: Array<string> = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const relative = join(entry.parentPath, entry.name).slice(root.length + 1).split('\\').join('/');
    if (entry.isDirectory()) continue;
    if (!entry.isFile()) {
      irregular.push(relative);
      continue;
    }
    files.set(relative, (await lstat(join(root, relative))).size);
  }
  // Paths come from the pack's own manifests and metadata: each stays inside the pack, through no symlink.
  const inside = (path: string) => pathUnderRoot(root, path);
  return {
    format: 'directory',
    files,
    irregular,
    root,
    readBytes: async (path, maxBytes) => {
      const handle = await open(await inside(path), constants.O_RDONLY | NO_FOLLOW);
      try {
        assertSmall((await handle.stat()).size, maxBytes);
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    },
    forEachChunk: async (path, onChunk) => {
      await forEachFileChunk(await inside(path), onChunk);
    },
    readHead: async (path, length) => {
      const handle = await open(await inside(path), constants.O_RDONLY | NO_FOLLOW);
      try {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    digest: async (group) => {
      const paths = await Promise.all(group.map(inside));
      return paths.length === 1 ? [await digestFile(paths[0]!)] : digestIdenticalFiles(paths);
    },
    close: async () => undefined,
  };
}

async function openZipPack(zip: ZipArchive): Promise<PackReader> {
  const byName = new Map<string, ZipEntry>();
  const irregular: Array<string> = [];
  for (const entry of zip.entries) {
    if (entry.name.endsWith('/')) continue;
    if (!entry.regular) {
      irregular.push(entry.name);
      continue;
    }
    if (byName.has(entry.name)) irregular.push(`${entry.name} (stored twice in the zip)`);
    byName.set(entry.name, entry);
  }
  const entryOf = (path: string) => {
    const entry = byName.get(path);
    if (!entry) throw new Error(`${path} is not in the zip`);
    return entry;
  };
  return {
    format: 'zip',
    files: new Map([...byName].map(([name, entry]) => [name, entry.size])),
    irregular,
    root: null,
    readBytes: (path, maxBytes) =>
      readingEntry(async () => {
        const entry = entryOf(path);
        assertSmall(entry.size, maxBytes);
        const chunks: Array<Buffer> = [];
        await zip.forEachChunk(entry, (chunk) => {
          chunks.push(chunk);
        });
        return Buffer.concat(chunks);
      }),
    forEachChunk: (path, onChunk) => readingEntry(() => zip.forEachChunk(entryOf(path), onChunk)),
    readHead: (path, length) => readingEntry(() => zip.readHead(entryOf(path), length)),
    digest: async (group) => {
      const out: Array<Digests> = [];
      for (const path of group) {
        const hash = new DualHash();
        await readingEntry(() => zip.forEachChunk(entryOf(path), (chunk) => hash.update(chunk)));
        out.push(hash.digest());
      }
      return out;
    },
    close: () => zip.close(),
  };
}

/** The caller names the file it asked for, so an entry's error is given without the name. */
async function readingEntry<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw error instanceof ZipEntryError ? new Error(error.reason) : error;
  }
}
