import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';

/**
 * Hand-made zips for hostile-input tests: each entry's stored bytes, declared size, CRC-32 and Unix
 * mode are given as they are, true or not, so a test can build what no honest zip tool would.
 */
export type RawZipEntry = { name: string; data: Buffer; method: 0 | 8; size: number; crc: number; unixMode?: number };

export function storedEntry(name: string, content: Buffer | string, unixMode?: number): RawZipEntry {
  const data = Buffer.from(content);
  return { name, data, method: 0, size: data.length, crc: crc32(data), unixMode };
}

export function deflatedEntry(name: string, content: Buffer | string): RawZipEntry {
  const raw = Buffer.from(content);
  return { name, data: deflateRawSync(raw), method: 8, size: raw.length, crc: crc32(raw) };
}

/** `size` zero bytes deflated as a stream (never held whole): about 1 KB per MiB. */
export async function zerosEntry(name: string, size: number): Promise<RawZipEntry> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Array<Buffer> = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    deflate.once('end', resolve);
    deflate.once('error', reject);
  });
  const zeros = Buffer.alloc(1 << 20);
  let crc = 0;
  for (let written = 0; written < size; ) {
    const chunk = zeros.subarray(0, Math.min(zeros.length, size - written));
    crc = crc32(chunk, crc);
    written += chunk.length;
    if (!deflate.write(chunk)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  return { name, data: Buffer.concat(out), method: 8, size, crc: crc >>> 0 };
}

/** A zip (no ZIP64) of the entries, in order, as bytes. */
export function rawZip(entries: ReadonlyArray<RawZipEntry>): Buffer {
  const parts: Array<Buffer> = [];
  const central: Array<Buffer> = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt32LE(entry.crc >>> 0, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.size, 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(0x031e, 4); // made by Unix
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(entry.method, 10);
    header.writeUInt32LE(entry.crc >>> 0, 16);
    header.writeUInt32LE(entry.data.length, 20);
    header.writeUInt32LE(entry.size, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(((entry.unixMode ?? 0o100644) << 16) >>> 0, 38);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    parts.push(local, name, entry.data);
    offset += local.length + name.length + entry.data.length;
  }
  const centralBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, centralBytes, end]);
}
