import { constants } from 'node:fs';
import { mkdir, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { writeFully } from '../storage/durable-file';
import { isSafeRelativePath } from './bagit';

/**
 * ZIP (APPNOTE 6.3) for evidence packs, with ZIP64 for packs past 4 GiB. The writer is ours: it
 * stores files uncompressed (audio does not compress) and patches each CRC-32 into its local header
 * after streaming the file, so every byte is read once. Reading is yauzl's, behind limits, since a
 * zip under review may come from anyone: a zip that could inflate past them is refused before a
 * byte is inflated, no entry inflates past its declared size, every entry's CRC-32 is checked, and
 * a damaged entry is an error for that entry, never a crash.
 */

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const MAX32 = 0xffffffff;
const CHUNK_BYTES = 1 << 20;

/** Refusal limits for zips from outside. A deflated entry past this ratio is a zip bomb, not evidence. */
export const MAX_COMPRESSION_RATIO = 100;
/** Entries (and whole zips) that inflate to less than this are not judged by ratio: small files compress oddly. */
export const RATIO_FLOOR_BYTES = 1 << 20;
/** The most a zip may inflate to in all (a pack is audio stored as is; this is past any real case). */
export const MAX_TOTAL_INFLATED_BYTES = 64 * 2 ** 30;
export const MAX_ZIP_ENTRIES = 100_000;

export class ZipFormatError extends Error {}

/** A problem with one entry: the message names the entry, `reason` alone does not. */
export class ZipEntryError extends ZipFormatError {
  constructor(
    readonly entryName: string,
    readonly reason: string,
  ) {
    super(`${entryName}: ${reason}`);
  }
}

type Written = { name: Buffer; crc: number; size: number; offset: number; dosTime: number; dosDate: number };

function dosDateTime(date: Date): { dosTime: number; dosDate: number } {
  return {
    dosTime: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    dosDate: ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

/** Writes `files` (paths relative to `root`, in the given order) into a new zip at `zipPath`. */
export async function writeZip(zipPath: string, root: string, files: ReadonlyArray<string>, modified: Date): Promise<void> {
  const out = await open(zipPath, 'wx', 0o644);
  const written: Array<Written> = [];
  const { dosTime, dosDate } = dosDateTime(modified);
  let offset = 0;
  const write = async (bytes: Uint8Array) => {
    await writeFully(out, bytes, offset);
    offset += bytes.length;
  };
  try {
    for (const file of files) {
      const name = Buffer.from(file, 'utf8');
      const size = (await stat(`${root}/${file}`)).size;
      const big = size >= MAX32;
      const extra = big ? zip64Extra([size, size]) : Buffer.alloc(0);
      const header = Buffer.alloc(30);
      header.writeUInt32LE(LOCAL, 0);
      header.writeUInt16LE(big ? 45 : 20, 4);
      header.writeUInt16LE(0x0800, 6); // UTF-8 names
      header.writeUInt16LE(0, 8); // stored
      header.writeUInt16LE(dosTime, 10);
      header.writeUInt16LE(dosDate, 12);
      header.writeUInt32LE(0, 14); // CRC, patched below
      header.writeUInt32LE(big ? MAX32 : size, 18);
      header.writeUInt32LE(big ? MAX32 : size, 22);
      header.writeUInt16LE(name.length, 26);
      header.writeUInt16LE(extra.length, 28);
      const entryOffset = offset;
      await write(Buffer.concat([header, name, extra]));
      let crc = 0;
      let copied = 0;
      const source = await open(`${root}/${file}`, 'r');
      try {
        const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
        for (;;) {
          const { bytesRead } = await source.read(buffer, 0, CHUNK_BYTES, null);
          if (bytesRead === 0) break;
          const chunk = buffer.subarray(0, bytesRead);
          crc = crc32(chunk, crc);
          copied += bytesRead;
          await write(chunk);
        }
      } finally {
        await source.close();
      }
      if (copied !== size) throw new Error(`${file} changed size while it was zipped`);
      const crcBytes = Buffer.alloc(4);
      crcBytes.writeUInt32LE(crc >>> 0, 0);
      await writeFully(out, crcBytes, entryOffset + 14);
      written.push({ name, crc: crc >>> 0, size, offset: entryOffset, dosTime, dosDate });
    }
    const centralStart = offset;
    for (const entry of written) {
      const fields: Array<number> = [];
      if (entry.size >= MAX32) fields.push(entry.size, entry.size);
      if (entry.offset >= MAX32) fields.push(entry.offset);
      const extra = fields.length ? zip64Extra(fields) : Buffer.alloc(0);
      const header = Buffer.alloc(46);
      header.writeUInt32LE(CENTRAL, 0);
      header.writeUInt16LE(0x031e, 4); // made by: Unix, 3.0
      header.writeUInt16LE(fields.length ? 45 : 20, 6);
      header.writeUInt16LE(0x0800, 8);
      header.writeUInt16LE(0, 10);
      header.writeUInt16LE(entry.dosTime, 12);
      header.writeUInt16LE(entry.dosDate, 14);
      header.writeUInt32LE(entry.crc, 16);
      header.writeUInt32LE(Math.min(entry.size, MAX32), 20);
      header.writeUInt32LE(Math.min(entry.size, MAX32), 24);
      header.writeUInt16LE(entry.name.length, 28);
      header.writeUInt16LE(extra.length, 30);
      header.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
      header.writeUInt32LE(Math.min(entry.offset, MAX32), 42);
      await write(Buffer.concat([header, entry.name, extra]));
    }
    const centralSize = offset - centralStart;
    const needs64 = written.length >= 0xffff || centralStart >= MAX32 || centralSize >= MAX32;
    if (needs64) {
      const zip64Start = offset;
      const record = Buffer.alloc(56);
      record.writeUInt32LE(ZIP64_EOCD, 0);
      record.writeBigUInt64LE(44n, 4);
      record.writeUInt16LE(0x031e, 12);
      record.writeUInt16LE(45, 14);
      record.writeBigUInt64LE(BigInt(written.length), 24);
      record.writeBigUInt64LE(BigInt(written.length), 32);
      record.writeBigUInt64LE(BigInt(centralSize), 40);
      record.writeBigUInt64LE(BigInt(centralStart), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(ZIP64_LOCATOR, 0);
      locator.writeBigUInt64LE(BigInt(zip64Start), 8);
      locator.writeUInt32LE(1, 16);
      await write(Buffer.concat([record, locator]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(EOCD, 0);
    end.writeUInt16LE(Math.min(written.length, 0xffff), 8);
    end.writeUInt16LE(Math.min(written.length, 0xffff), 10);
    end.writeUInt32LE(Math.min(centralSize, MAX32), 12);
    end.writeUInt32LE(Math.min(centralStart, MAX32), 16);
    await write(end);
    await out.sync();
  } finally {
    await out.close();
  }
}

function zip64Extra(values: ReadonlyArray<number>): Buffer {
  const extra = Buffer.alloc(4 + values.length * 8);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(values.length * 8, 2);
  values.forEach((v, i) => extra.writeBigUInt64LE(BigInt(v), 4 + i * 8));
  return extra;
}

export type ZipEntry = {
  name: string;
  size: number;
  compressedSize: number;
  method: number;
  crc: number;
  /** False for an entry the zip marks as a symlink, device or other non-regular file (never extracted). */
  regular: boolean;
  readonly source: Entry;
};

/** An opened zip: its central directory, and streaming reads of entries that check size and CRC-32. */
export type ZipArchive = {
  entries: ReadonlyArray<ZipEntry>;
  /** Streams an entry's bytes; throws ZipFormatError, naming the entry, when it is damaged or its size or CRC-32 does not match. */
  forEachChunk(entry: ZipEntry, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<void>;
  /** The first bytes of an entry, without checking the rest (the CRC-32 check is forEachChunk's). */
  readHead(entry: ZipEntry, length: number): Promise<Buffer>;
  close(): Promise<void>;
};

const UNIX = 3;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/** yauzl's reads of the zip file, through one handle, in chunks of CHUNK_BYTES (its own reader reads 16 KiB at a time). */
class FileReader extends yauzl.RandomAccessReader {
  constructor(private readonly handle: FileHandle) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const handle = this.handle;
    // Not handle.createReadStream: destroying that stream (a read stopped early) closes the handle.
    async function* range(): AsyncGenerator<Buffer> {
      for (let position = start; position < end; ) {
        const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, end - position));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) throw new Error('unexpected end of file');
        position += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    }
    return Readable.from(range(), { objectMode: false });
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    void (async () => {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.handle.read(buffer, offset, length, position));
      } catch (error) {
        return callback(error as Error);
      }
      callback(null, bytesRead);
    })();
  }

  override close(callback: (err: Error | null) => void): void {
    void (async () => {
      try {
        await this.handle.close();
      } catch (error) {
        return callback(error as Error);
      }
      callback(null);
    })();
  }
}

export async function openZip(path: string): Promise<ZipArchive> {
  const handle = await open(path, 'r');
  let zip: ZipFile;
  try {
    const reader = new FileReader(handle);
    zip = await yauzl.fromRandomAccessReaderPromise(reader, (await handle.stat()).size, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: false,
      validateEntrySizes: true,
      strictFileNames: true,
    });
  } catch (error) {
    await handle.close();
    throw new ZipFormatError(`not a readable zip: ${(error as Error).message}`);
  }
  try {
    const entries = await listEntries(zip);
    // Past the listing, yauzl reports only a failure to close the file: nothing to act on, and unheard it would crash the process.
    zip.on('error', () => undefined);
    return {
      entries,
      forEachChunk: (entry, onChunk) => streamEntry(zip, entry, onChunk),
      readHead: (entry, length) => readHead(zip, entry, length),
      close: async () => zip.close(),
    };
  } catch (error) {
    zip.close();
    throw error;
  }
}

/** The central directory, refused whole when a name is unsafe or the zip could inflate past the limits. */
async function listEntries(zip: ZipFile): Promise<Array<ZipEntry>> {
  if (zip.entryCount > MAX_ZIP_ENTRIES) throw new ZipFormatError(`the zip lists ${zip.entryCount} entries; more than ${MAX_ZIP_ENTRIES} is refused`);
  const entries: Array<ZipEntry> = [];
  let total = 0;
  try {
    for await (const source of zip.eachEntry()) {
      // decodeStrings is off so that an unsafe name is refused here, named safely, rather than inside yauzl.
      const name = yauzl.getFileNameLowLevel(source.generalPurposeBitFlag, source.fileNameRaw, source.extraFields, true);
      const directory = name.endsWith('/');
      if (!isSafeRelativePath(directory ? name.slice(0, -1) : name)) {
        throw new ZipFormatError(`entry ${JSON.stringify(name)} has an unsafe name (absolute, "..", empty segments, backslash or NUL)`);
      }
      if (source.isEncrypted()) throw new ZipFormatError(`${name} is encrypted`);
      const size = source.uncompressedSize;
      const ratio = size / Math.max(source.compressedSize, 1);
      if (size > RATIO_FLOOR_BYTES && ratio > MAX_COMPRESSION_RATIO) {
        throw new ZipFormatError(`${name} would inflate ${size} bytes from ${source.compressedSize} (${Math.round(ratio)}:1, over the ${MAX_COMPRESSION_RATIO}:1 limit): refused as a zip bomb`);
      }
      total += size;
      if (total > MAX_TOTAL_INFLATED_BYTES) throw new ZipFormatError(`the zip would inflate to more than ${MAX_TOTAL_INFLATED_BYTES} bytes: refused`);
      const type = source.versionMadeBy >> 8 === UNIX ? (source.externalFileAttributes >>> 16) & S_IFMT : 0;
      entries.push({
        name,
        size,
        compressedSize: source.compressedSize,
        method: source.compressionMethod,
        crc: source.crc32,
        regular: type === 0 || type === (directory ? S_IFDIR : S_IFREG),
        source,
      });
    }
  } catch (error) {
    if (error instanceof ZipFormatError) throw error;
    throw new ZipFormatError(`the central directory is damaged: ${(error as Error).message}`);
  }
  if (total > RATIO_FLOOR_BYTES && total > zip.fileSize * MAX_COMPRESSION_RATIO) {
    throw new ZipFormatError(`the zip would inflate ${total} bytes from ${zip.fileSize} (over the ${MAX_COMPRESSION_RATIO}:1 limit): refused as a zip bomb`);
  }
  return entries;
}

function damaged(entry: ZipEntry, error: unknown): ZipEntryError {
  const message = (error as Error).message ?? String(error);
  if (/^too many bytes in the stream/.test(message)) return new ZipEntryError(entry.name, `inflates past its declared ${entry.size} bytes (damaged, or a zip bomb)`);
  if (/^not enough bytes in the stream/.test(message)) return new ZipEntryError(entry.name, `inflates to less than its declared ${entry.size} bytes (damaged)`);
  if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) return new ZipEntryError(entry.name, `the compressed data is damaged (${message})`);
  return new ZipEntryError(entry.name, message);
}

async function openEntry(zip: ZipFile, entry: ZipEntry, range?: { end: number }): Promise<Readable> {
  try {
    return await zip.openReadStreamPromise(entry.source, range ?? {});
  } catch (error) {
    throw damaged(entry, error);
  }
}

/** Feeds the stream's chunks to `onChunk`; a stream error becomes ZipFormatError, onChunk's own errors pass through. */
async function pump(entry: ZipEntry, stream: Readable, onChunk: (chunk: Buffer) => void | Promise<void> | 'stop'): Promise<void> {
  const chunks = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw damaged(entry, error);
      }
      if (next.done || (await onChunk(next.value)) === 'stop') return;
    }
  } finally {
    stream.destroy();
  }
}

async function streamEntry(zip: ZipFile, entry: ZipEntry, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<void> {
  let crc = 0;
  let produced = 0;
  await pump(entry, await openEntry(zip, entry), async (chunk) => {
    crc = crc32(chunk, crc);
    produced += chunk.length;
    await onChunk(chunk);
  });
  if (produced !== entry.size) throw new ZipEntryError(entry.name, `${produced} bytes where the directory says ${entry.size}`);
  if (crc >>> 0 !== entry.crc) throw new ZipEntryError(entry.name, 'CRC-32 does not match (altered or damaged)');
}

async function readHead(zip: ZipFile, entry: ZipEntry, length: number): Promise<Buffer> {
  const stored = entry.method === 0;
  const stream = await openEntry(zip, entry, stored ? { end: Math.min(length, entry.compressedSize) } : undefined);
  const chunks: Array<Buffer> = [];
  let collected = 0;
  await pump(entry, stream, (chunk) => {
    chunks.push(chunk);
    collected += chunk.length;
    return collected >= length ? 'stop' : undefined;
  });
  return Buffer.concat(chunks).subarray(0, length);
}

/**
 * Extracts a zip's regular files into `into` (an empty private directory), within the same limits
 * as reading. Creates no symlinks and follows none. A damaged or duplicate entry is left out (the
 * verifier names it); any other failure throws, and the caller removes `into`.
 */
export async function extractZip(zipPath: string, into: string): Promise<void> {
  const zip = await openZip(zipPath);
  try {
    for (const entry of zip.entries) {
      if (entry.name.endsWith('/') || !entry.regular) continue;
      const target = join(into, entry.name);
      try {
        await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
        throw error;
      }
      let handle: FileHandle;
      try {
        handle = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw error;
      }
      let intact = true;
      try {
        await zip.forEachChunk(entry, async (chunk) => {
          await writeFully(handle, chunk);
        });
      } catch (error) {
        if (!(error instanceof ZipFormatError)) throw error;
        intact = false;
      } finally {
        await handle.close();
      }
      if (!intact) await rm(target, { force: true });
    }
  } finally {
    await zip.close();
  }
}
