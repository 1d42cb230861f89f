import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createSha256 } from '../../crypto/sha256';
import { writeFully } from '../storage/durable-file';

export type Digests = { sha256: string; sha512: string; bytes: number };

const CHUNK_BYTES = 1 << 20;

/** SHA-256 and SHA-512 of a byte stream, fed chunk by chunk: one pass, memory flat. */
export class DualHash {
  private readonly h256: Hash = createSha256();
  private readonly h512: Hash = createHash('sha512');
  private count = 0;

  update(chunk: Uint8Array): void {
    this.h256.update(chunk);
    this.h512.update(chunk);
    this.count += chunk.length;
  }

  digest(): Digests {
    return { sha256: this.h256.digest('hex'), sha512: this.h512.digest('hex'), bytes: this.count };
  }
}

export function digestOf(bytes: Uint8Array | string): Digests {
  const hash = new DualHash();
  hash.update(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  return hash.digest();
}

/** Reads a file in 1 MiB chunks; `onChunk` sees each chunk before the next is read. */
export async function forEachChunk(path: string, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) return total;
      total += bytesRead;
      await onChunk(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

export async function digestFile(path: string): Promise<Digests> {
  const hash = new DualHash();
  await forEachChunk(path, (chunk) => hash.update(chunk));
  return hash.digest();
}

/**
 * Digests of several files expected to be identical (the same digests in the manifests): the files
 * are read in lockstep, the first is hashed and the others compared with it byte for byte, so
 * identical bytes are hashed once. A file that differs is hashed on its own.
 */
export async function digestIdenticalFiles(paths: ReadonlyArray<string>): Promise<Array<Digests>> {
  if (paths.length === 1) return [await digestFile(paths[0]!)];
  const handles: Array<FileHandle> = [];
  try {
    for (const path of paths) handles.push(await open(path, 'r'));
    const buffers = paths.map(() => Buffer.allocUnsafe(CHUNK_BYTES));
    const hash = new DualHash();
    const differs = paths.map(() => false);
    for (;;) {
      const reads = await Promise.all(handles.map((h, i) => h.read(buffers[i]!, 0, CHUNK_BYTES, null)));
      const first = buffers[0]!.subarray(0, reads[0]!.bytesRead);
      hash.update(first);
      for (let i = 1; i < paths.length; i += 1) {
        if (!differs[i] && !first.equals(buffers[i]!.subarray(0, reads[i]!.bytesRead))) differs[i] = true;
      }
      if (reads.every((r) => r.bytesRead === 0)) break;
    }
    const shared = hash.digest();
    const out: Array<Digests> = [shared];
    for (let i = 1; i < paths.length; i += 1) out.push(differs[i] ? await digestFile(paths[i]!) : shared);
    return out;
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
}

/** Writes bytes to a new file (flushing is the caller's, once for the whole bag); returns their digests. */
export async function writeDigested(path: string, bytes: Uint8Array | string): Promise<Digests> {
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const handle = await open(path, 'wx', 0o644);
  try {
    await writeFully(handle, data);
  } finally {
    await handle.close();
  }
  return digestOf(data);
}

const WRITE_BUFFER_BYTES = 256 * 1024;

/**
 * A new file written piece by piece (tag files, manifests, load files of any length): pieces are
 * copied into one 256 KiB buffer, written fully whenever it fills, every byte hashed on the way
 * (SHA-256, SHA-512 and, for an object sent to S3 with Content-MD5, MD5). Memory stays flat whatever
 * the file's length. Not flushed here: the builder flushes the whole bag before the rename.
 */
export class DigestingWriter {
  private readonly hash = new DualHash();
  private readonly md5: Hash | null;
  private readonly buffer = Buffer.allocUnsafeSlow(WRITE_BUFFER_BYTES);
  private used = 0;

  private constructor(
    private readonly handle: FileHandle,
    withMd5: boolean,
  ) {
    this.md5 = withMd5 ? createHash('md5') : null;
  }

  static async create(path: string, options: { md5?: boolean } = {}): Promise<DigestingWriter> {
    return new DigestingWriter(await open(path, 'wx', 0o644), options.md5 ?? false);
  }

  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.hash.update(bytes);
    this.md5?.update(bytes);
    for (let offset = 0; offset < bytes.length; ) {
      const taken = Math.min(bytes.length - offset, this.buffer.length - this.used);
      this.buffer.set(bytes.subarray(offset, offset + taken), this.used);
      this.used += taken;
      offset += taken;
      if (this.used === this.buffer.length) await this.drain();
    }
  }

  /** Writes what is pending and closes the file; its digests (and MD5, base64, when asked for). */
  async close(): Promise<Digests & { md5Base64: string | null }> {
    try {
      await this.drain();
    } finally {
      await this.handle.close();
    }
    return { ...this.hash.digest(), md5Base64: this.md5?.digest('base64') ?? null };
  }

  /** Closes the file without caring for its content (the build failed; the caller removes it). */
  async abandon(): Promise<void> {
    this.used = 0;
    await this.handle.close().catch(() => undefined);
  }

  /** The buffer is filled again only after this write has completed. */
  private async drain(): Promise<void> {
    if (this.used === 0) return;
    await writeFully(this.handle, this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

/**
 * Splits streamed UTF-8 bytes into lines (without their "\n"), whatever the chunk boundaries. A line
 * longer than `maxLineChars` (a file from outside with no line breaks) throws rather than growing.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineChars = 1 << 20,
  ) {}

  push(chunk: Uint8Array): void {
    const text = this.rest + this.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const lines = text.split('\n');
    this.rest = lines.pop()!;
    if (this.rest.length > this.maxLineChars) throw new Error(`a line is longer than ${this.maxLineChars} characters`);
    for (const line of lines) this.onLine(line);
  }

  end(): void {
    const last = this.rest + this.decoder.end();
    this.rest = '';
    if (last !== '') this.onLine(last);
  }
}
