import { open, stat, type FileHandle } from 'node:fs/promises';
import { createInflateRaw, crc32 } from 'node:zlib';

/**
 * A small ZIP (APPNOTE 6.3) writer and reader for evidence packs, with ZIP64 for packs past 4 GiB.
 * The writer stores files uncompressed (audio does not compress) and patches each CRC-32 into its
 * local header after streaming the file, so every byte is read once. The reader checks the
 * structure, sizes and CRC-32 of every entry and reads stored or deflated entries (zips made by
 * other tools), never extracting anything outside the caller's control.
 */

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const MAX32 = 0xffffffff;
const CHUNK_BYTES = 1 << 20;

export class ZipFormatError extends Error {}

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
    await out.write(bytes, 0, bytes.length, offset);
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
      await out.write(crcBytes, 0, 4, entryOffset + 14);
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

export type ZipEntry = { name: string; size: number; compressedSize: number; method: number; crc: number; localOffset: number };

/** An opened zip: its central directory, and streaming reads of entries that check size and CRC-32. */
export type ZipArchive = {
  entries: ReadonlyArray<ZipEntry>;
  /** Streams an entry's bytes; throws ZipFormatError when its size or CRC-32 does not match the directory. */
  forEachChunk(entry: ZipEntry, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<void>;
  /** The first bytes of an entry, without checking the rest (the CRC-32 check is forEachChunk's). */
  readHead(entry: ZipEntry, length: number): Promise<Buffer>;
  close(): Promise<void>;
};

export async function openZip(path: string): Promise<ZipArchive> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const entries = await readCentralDirectory(handle, size);
    return {
      entries,
      forEachChunk: (entry, onChunk) => readEntry(handle, size, entry, onChunk),
      readHead: async (entry, length) => {
        if (entry.method === 0) return readAt(handle, await dataStartOf(handle, entry), Math.min(length, entry.size));
        const chunks: Array<Buffer> = [];
        let collected = 0;
        try {
          await readEntry(handle, size, entry, (chunk) => {
            chunks.push(Buffer.from(chunk));
            collected += chunk.length;
            if (collected >= length) throw new HeadCollected();
          });
        } catch (error) {
          if (!(error instanceof HeadCollected)) throw error;
        }
        return Buffer.concat(chunks).subarray(0, length);
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

async function readCentralDirectory(handle: FileHandle, fileSize: number): Promise<Array<ZipEntry>> {
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tail = await readAt(handle, fileSize - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i -= 1) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('not a complete zip: its end-of-central-directory record is missing (truncated?)');
  let count = tail.readUInt16LE(eocd + 10);
  let centralSize = tail.readUInt32LE(eocd + 12);
  let centralStart = tail.readUInt32LE(eocd + 16);
  const eocdPosition = fileSize - tailLength + eocd;
  if (count === 0xffff || centralSize === MAX32 || centralStart === MAX32) {
    const locator = await readAt(handle, eocdPosition - 20, 20);
    if (locator.length !== 20 || locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw new ZipFormatError('ZIP64 locator missing');
    const record = await readAt(handle, Number(locator.readBigUInt64LE(8)), 56);
    if (record.length !== 56 || record.readUInt32LE(0) !== ZIP64_EOCD) throw new ZipFormatError('ZIP64 end-of-central-directory record missing');
    count = Number(record.readBigUInt64LE(32));
    centralSize = Number(record.readBigUInt64LE(40));
    centralStart = Number(record.readBigUInt64LE(48));
  }
  if (centralStart + centralSize > eocdPosition) throw new ZipFormatError('the central directory runs past its end record (truncated or corrupt)');
  const central = await readAt(handle, centralStart, centralSize);
  if (central.length !== centralSize) throw new ZipFormatError('the central directory is cut short (truncated)');
  const entries: Array<ZipEntry> = [];
  let p = 0;
  for (let i = 0; i < count; i += 1) {
    if (p + 46 > central.length || central.readUInt32LE(p) !== CENTRAL) throw new ZipFormatError(`central directory entry ${i + 1} is damaged`);
    const flags = central.readUInt16LE(p + 8);
    const method = central.readUInt16LE(p + 10);
    const crc = central.readUInt32LE(p + 16);
    let compressedSize = central.readUInt32LE(p + 20);
    let size = central.readUInt32LE(p + 24);
    const nameLength = central.readUInt16LE(p + 28);
    const extraLength = central.readUInt16LE(p + 30);
    const commentLength = central.readUInt16LE(p + 32);
    let localOffset = central.readUInt32LE(p + 42);
    const name = central.subarray(p + 46, p + 46 + nameLength).toString(flags & 0x0800 ? 'utf8' : 'latin1');
    const extra = central.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
    for (let e = 0; e + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(e);
      const length = extra.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const next = () => {
          const value = Number(extra.readBigUInt64LE(q));
          q += 8;
          return value;
        };
        if (size === MAX32) size = next();
        if (compressedSize === MAX32) compressedSize = next();
        if (localOffset === MAX32) localOffset = next();
      }
      e += 4 + length;
    }
    if (flags & 0x0001) throw new ZipFormatError(`${name} is encrypted`);
    entries.push({ name, size, compressedSize, method, crc, localOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

class HeadCollected extends Error {}

async function dataStartOf(handle: FileHandle, entry: ZipEntry): Promise<number> {
  const local = await readAt(handle, entry.localOffset, 30);
  if (local.length !== 30 || local.readUInt32LE(0) !== LOCAL) throw new ZipFormatError(`${entry.name}: local header missing`);
  return entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
}

async function readEntry(handle: FileHandle, fileSize: number, entry: ZipEntry, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<void> {
  const dataStart = await dataStartOf(handle, entry);
  if (dataStart + entry.compressedSize > fileSize) throw new ZipFormatError(`${entry.name}: data runs past the end of the zip (truncated)`);
  if (entry.method !== 0 && entry.method !== 8) throw new ZipFormatError(`${entry.name}: compression method ${entry.method} is not supported`);
  let crc = 0;
  let produced = 0;
  const deliver = async (chunk: Buffer) => {
    crc = crc32(chunk, crc);
    produced += chunk.length;
    await onChunk(chunk);
  };
  const inflater = entry.method === 8 ? createInflateRaw() : null;
  const pending: Array<Buffer> = [];
  inflater?.on('data', (chunk: Buffer) => pending.push(chunk));
  const flushInflated = async () => {
    while (pending.length) await deliver(pending.shift()!);
  };
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let remaining = entry.compressedSize;
  let position = dataStart;
  while (remaining > 0) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, remaining), position);
    if (bytesRead === 0) throw new ZipFormatError(`${entry.name}: data cut short (truncated)`);
    position += bytesRead;
    remaining -= bytesRead;
    const chunk = buffer.subarray(0, bytesRead);
    if (inflater) {
      await new Promise<void>((resolve, reject) => inflater.write(Buffer.from(chunk), (error) => (error ? reject(error) : resolve())));
      await flushInflated();
    } else {
      await deliver(chunk);
    }
  }
  if (inflater) {
    await new Promise<void>((resolve, reject) => {
      inflater.once('error', reject);
      inflater.end(() => resolve());
    });
    await flushInflated();
  }
  if (produced !== entry.size) throw new ZipFormatError(`${entry.name}: ${produced} bytes where the directory says ${entry.size}`);
  if (crc >>> 0 !== entry.crc) throw new ZipFormatError(`${entry.name}: CRC-32 does not match (altered or damaged)`);
}
