import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Files sealed with AES-256-GCM in segments (the STREAM construction of Hoang, Reyhanitabar, Rogaway
 * and Vizár, as in Tink's streaming AEAD): a recording of hundreds of MB is written as it arrives
 * and read back by byte range, decrypting only the segments a range touches.
 *
 *   header   magic "CSTDSEG1" | segment size (u32 BE) | salt (16) | nonce prefix (7)
 *   segments ciphertext (segment size bytes, the last one 0..segment size) | GCM tag (16)
 *
 * Each file gets its own key, HKDF-SHA256(master key, salt, context): the context names what the file
 * is (a recording, its analysis), so a sealed file moved under another name does not open there.
 * Segment i's nonce is prefix | i (u32 BE) | final (1 on the last segment, else 0), and the header is
 * each segment's associated data: a reordered, dropped, appended or truncated segment, a changed
 * header or a wrong key fails authentication.
 */
export const SEGMENT_BYTES = 64 * 1024;
const MAGIC = Buffer.from('CSTDSEG1', 'ascii');
const SALT_BYTES = 16;
const PREFIX_BYTES = 7;
/** The GCM tag after each segment. */
export const SEGMENT_TAG_BYTES = 16;
const TAG_BYTES = SEGMENT_TAG_BYTES;
export const SEALED_HEADER_BYTES = MAGIC.length + 4 + SALT_BYTES + PREFIX_BYTES;
const KEY_BYTES = 32;

/** A sealed file's bytes failed authentication (wrong key, tampered, truncated, reordered) or are not a sealed file. */
export class SealedFileError extends Error {
  override name = 'SealedFileError';
}

/** Whether `head` (a file's first bytes) starts as a sealed file does; a plain WAV or JSON file does not. */
export function isSealedHeader(head: Uint8Array): boolean {
  return head.length >= MAGIC.length && MAGIC.equals(head.subarray(0, MAGIC.length));
}

/** The master key and what the file is; the file's own key is derived from both. */
export type Seal = { key: Uint8Array; context: string };

/** The cipher of one sealed file, from its header: seals and opens its segments by index. */
export class SegmentCipher {
  private readonly fileKey: Buffer;

  private constructor(
    readonly header: Buffer,
    readonly segmentBytes: number,
    seal: Seal,
  ) {
    if (seal.key.length !== KEY_BYTES) throw new SealedFileError(`a sealing key has ${KEY_BYTES} bytes, not ${seal.key.length}`);
    const salt = header.subarray(MAGIC.length + 4, MAGIC.length + 4 + SALT_BYTES);
    this.fileKey = Buffer.from(hkdfSync('sha256', seal.key, salt, `custody segment cipher/1 ${seal.context}`, KEY_BYTES));
  }

  /** A new file: fresh salt and nonce prefix. */
  static create(seal: Seal, segmentBytes = SEGMENT_BYTES): SegmentCipher {
    const header = Buffer.alloc(SEALED_HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt32BE(segmentBytes, MAGIC.length);
    randomBytes(SALT_BYTES + PREFIX_BYTES).copy(header, MAGIC.length + 4);
    return new SegmentCipher(header, segmentBytes, seal);
  }

  /** The cipher of an existing file, from its first SEALED_HEADER_BYTES bytes. */
  static fromHeader(header: Uint8Array, seal: Seal): SegmentCipher {
    const bytes = Buffer.from(header);
    if (bytes.length < SEALED_HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new SealedFileError('not a sealed file (no CSTDSEG1 header)');
    const segmentBytes = bytes.readUInt32BE(MAGIC.length);
    if (segmentBytes < 1 || segmentBytes > 1 << 24) throw new SealedFileError(`a sealed file's segments cannot be ${segmentBytes} bytes`);
    return new SegmentCipher(bytes.subarray(0, SEALED_HEADER_BYTES), segmentBytes, seal);
  }

  seal(index: number, final: boolean, plaintext: Uint8Array): Buffer {
    if (plaintext.length > this.segmentBytes || (!final && plaintext.length !== this.segmentBytes)) throw new SealedFileError('only the last segment may be short');
    const cipher = createCipheriv('aes-256-gcm', this.fileKey, this.nonce(index, final)).setAAD(this.header);
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }

  open(index: number, final: boolean, sealed: Uint8Array): Buffer {
    if (sealed.length < TAG_BYTES || sealed.length > this.segmentBytes + TAG_BYTES) throw new SealedFileError(`segment ${index} has a wrong length (${sealed.length} bytes)`);
    const decipher = createDecipheriv('aes-256-gcm', this.fileKey, this.nonce(index, final)).setAAD(this.header);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new SealedFileError(`segment ${index} failed authentication: wrong key, or the file was altered, truncated or reordered`);
    }
  }

  /** Segments of a file of `sealedBytes` bytes (header included). */
  segmentCount(sealedBytes: number): number {
    const body = sealedBytes - SEALED_HEADER_BYTES;
    const count = Math.ceil(body / (this.segmentBytes + TAG_BYTES));
    const last = body - (count - 1) * (this.segmentBytes + TAG_BYTES);
    if (body < TAG_BYTES || last < TAG_BYTES) throw new SealedFileError(`a sealed file cannot be ${sealedBytes} bytes long (truncated)`);
    return count;
  }

  /** Where segment `index` starts in the file, and how many bytes it takes there. */
  segmentAt(index: number, sealedBytes: number): { position: number; length: number } {
    const position = SEALED_HEADER_BYTES + index * (this.segmentBytes + TAG_BYTES);
    return { position, length: Math.min(this.segmentBytes + TAG_BYTES, sealedBytes - position) };
  }

  private nonce(index: number, final: boolean): Buffer {
    if (!Number.isSafeInteger(index) || index < 0 || index > 0xffffffff) throw new SealedFileError(`segment index ${index} out of range`);
    const nonce = Buffer.alloc(PREFIX_BYTES + 5);
    this.header.copy(nonce, 0, SEALED_HEADER_BYTES - PREFIX_BYTES);
    nonce.writeUInt32BE(index, PREFIX_BYTES);
    nonce[PREFIX_BYTES + 4] = final ? 1 : 0;
    return nonce;
  }
}

/** Size of the plaintext of a sealed file of `sealedBytes` bytes (header included). */
export function plainSize(sealedBytes: number, segmentBytes = SEGMENT_BYTES): number {
  const body = sealedBytes - SEALED_HEADER_BYTES;
  const count = Math.ceil(body / (segmentBytes + TAG_BYTES));
  if (body < TAG_BYTES || body - (count - 1) * (segmentBytes + TAG_BYTES) < TAG_BYTES) throw new SealedFileError(`a sealed file cannot be ${sealedBytes} bytes long (truncated)`);
  return body - count * TAG_BYTES;
}

/** Size on disk of `plainBytes` sealed (one final segment at least, empty for an empty file). */
export function sealedSize(plainBytes: number, segmentBytes = SEGMENT_BYTES): number {
  return SEALED_HEADER_BYTES + plainBytes + Math.max(1, Math.ceil(plainBytes / segmentBytes)) * TAG_BYTES;
}

/** Seals a stream as it comes: `push` returns the bytes ready to write, `finish` the last segment. */
export class SegmentSealer {
  private pending: Array<Buffer> = [];
  private pendingBytes = 0;
  private index = 0;
  private finished = false;
  private headerTaken = false;
  readonly cipher: SegmentCipher;

  constructor(seal: Seal, segmentBytes = SEGMENT_BYTES) {
    this.cipher = SegmentCipher.create(seal, segmentBytes);
  }

  /** The header first, then every segment known not to be the last (more bytes followed it). */
  push(chunk: Uint8Array): Array<Buffer> {
    if (this.finished) throw new SealedFileError('the sealed file was already finished');
    const out = this.takeHeader();
    this.pending.push(Buffer.from(chunk));
    this.pendingBytes += chunk.length;
    const size = this.cipher.segmentBytes;
    if (this.pendingBytes > size) {
      let all = Buffer.concat(this.pending);
      while (all.length > size) {
        out.push(this.cipher.seal(this.index, false, all.subarray(0, size)));
        this.index += 1;
        all = all.subarray(size);
      }
      this.pending = [Buffer.from(all)];
      this.pendingBytes = all.length;
    }
    return out;
  }

  /** The header (for an empty file) and the final segment. */
  finish(): Array<Buffer> {
    if (this.finished) throw new SealedFileError('the sealed file was already finished');
    this.finished = true;
    const out = this.takeHeader();
    out.push(this.cipher.seal(this.index, true, Buffer.concat(this.pending)));
    return out;
  }

  private takeHeader(): Array<Buffer> {
    if (this.headerTaken) return [];
    this.headerTaken = true;
    return [this.cipher.header];
  }
}

/** Opens a sealed stream read in order: `push` returns plaintext authenticated so far, `finish` the last segment's. */
export class SegmentOpener {
  private buffered: Buffer = Buffer.alloc(0);
  private cipher: SegmentCipher | null = null;
  private index = 0;

  constructor(private readonly seal: Seal) {}

  push(chunk: Uint8Array): Array<Buffer> {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : Buffer.from(chunk);
    if (!this.cipher) {
      if (this.buffered.length < SEALED_HEADER_BYTES) return [];
      this.cipher = SegmentCipher.fromHeader(this.buffered.subarray(0, SEALED_HEADER_BYTES), this.seal);
      this.buffered = this.buffered.subarray(SEALED_HEADER_BYTES);
    }
    const sealedSegment = this.cipher.segmentBytes + TAG_BYTES;
    const out: Array<Buffer> = [];
    // A full segment is not the last only if more bytes follow it.
    while (this.buffered.length > sealedSegment) {
      out.push(this.cipher.open(this.index, false, this.buffered.subarray(0, sealedSegment)));
      this.index += 1;
      this.buffered = this.buffered.subarray(sealedSegment);
    }
    return out;
  }

  finish(): Buffer {
    if (!this.cipher) throw new SealedFileError('not a sealed file (shorter than its header)');
    return this.cipher.open(this.index, true, this.buffered);
  }
}
