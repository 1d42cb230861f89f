import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
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
