import { constants, createReadStream } from 'node:fs';
import { copyFile, link, open, type FileHandle } from 'node:fs/promises';
import { alawToLinear, HEADER_PROBE_BYTES, mulawToLinear, parseWavHeader, type WavInfo } from '../audio/wav';
import { writeFully, type RangeSource } from '../storage/durable-file';
import { DigestingWriter, DualHash, type Digests } from './file-digests';

const CHUNK_BYTES = 1 << 20;

export type AudioCopies = {
  original: Digests;
  wav: Digests;
  /** The WAV copy has the original's bytes (it already was a plain PCM WAV). */
  wavIsIdentical: boolean;
  info: Pick<WavInfo, 'format' | 'channels' | 'sampleRate' | 'bitsPerSample' | 'durationMs'>;
};

/** A canonical 44-byte RIFF/WAVE header for PCM. */
export function pcmWavHeader(channels: number, sampleRate: number, bitsPerSample: number, dataBytes: number): Buffer {
  const blockAlign = channels * (bitsPerSample / 8);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bitsPerSample, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/**
 * Copies a recording into the pack as retrieved (`originalPath`) and as a plain PCM WAV for any
 * player (`wavPath`), reading the source once and hashing every written byte once (SHA-256 and
 * SHA-512); `source` is the recording's plaintext (the media cache decrypts it). G.711 (mu-law, A-law) becomes 16-bit PCM; PCM keeps its samples under a canonical header.
 * When the source already is exactly that canonical PCM WAV, the WAV copy is a hard link to the
 * original (the same bytes, written once; a plain copy where the file system cannot link).
 * The copies are not flushed here: the builder flushes every file of the bag before the rename.
 */
export async function copyRecording(source: RangeSource, originalPath: string, wavPath: string): Promise<AudioCopies> {
  const size = await source.size();
  const head = await readAll(source.read(0, Math.min(HEADER_PROBE_BYTES, size) - 1));
  const info = parseWavHeader(head, size);
  const pcmBits = info.format === 'pcm' ? info.bitsPerSample : 16;
  const convert = info.format === 'mulaw' ? mulawToLinear : info.format === 'alaw' ? alawToLinear : null;
  const wavDataBytes = convert ? info.dataBytes * 2 : info.dataBytes;
  const header = pcmWavHeader(info.channels, info.sampleRate, pcmBits, wavDataBytes);
  const identical = !convert && info.dataOffset === 44 && head.subarray(0, 44).equals(header);
  const originalHash = new DualHash();
  const wavHash = identical ? originalHash : new DualHash();
  const original = await open(originalPath, 'wx', 0o644);
  let wav: FileHandle | null = null;
  try {
    if (!identical) wav = await open(wavPath, 'wx', 0o644);
    const wavOut = wav;
    if (wavOut) {
      wavHash.update(header);
      await writeFully(wavOut, header);
    }
    const dataEnd = info.dataOffset + info.dataBytes;
    let position = 0;
    // The next chunk is read (and, from the media cache, decrypted) while the last one is written;
    // chunks are only as large as what was read, so a short recording allocates no megabytes.
    let writing: Promise<unknown> = Promise.resolve();
    for await (const chunk of inChunks(source.read(0, size - 1), CHUNK_BYTES)) {
      originalHash.update(chunk);
      let wavChunk: Uint8Array | null = identical ? chunk : null;
      if (!identical) {
        const from = Math.max(0, info.dataOffset - position);
        const to = Math.min(chunk.length, dataEnd - position);
        if (to > from) {
          wavChunk = convert ? decodeG711(chunk.subarray(from, to), convert) : chunk.subarray(from, to);
          wavHash.update(wavChunk);
        }
      }
      position += chunk.length;
      await writing;
      writing = Promise.all([writeFully(original, chunk), wavChunk && wavOut ? writeFully(wavOut, wavChunk) : null]);
    }
    await writing;
  } finally {
    await original.close();
    await wav?.close();
  }
  if (identical) await linkOrCopy(originalPath, wavPath);
  const originalDigests = originalHash.digest();
  return {
    original: originalDigests,
    wav: identical ? originalDigests : wavHash.digest(),
    wavIsIdentical: identical,
    info: { format: info.format, channels: info.channels, sampleRate: info.sampleRate, bitsPerSample: info.bitsPerSample, durationMs: info.durationMs },
  };
}

async function readAll(parts: AsyncIterable<Buffer>): Promise<Buffer> {
  const all: Array<Buffer> = [];
  for await (const part of parts) all.push(part);
  return Buffer.concat(all);
}

/** Regroups a stream into chunks of about `bytes`, so hashing and writing work on large blocks. */
async function* inChunks(parts: AsyncIterable<Buffer>, bytes: number): AsyncIterable<Buffer> {
  let pending: Array<Buffer> = [];
  let pendingBytes = 0;
  for await (const part of parts) {
    pending.push(part);
    pendingBytes += part.length;
    if (pendingBytes >= bytes) {
      yield pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

function decodeG711(bytes: Uint8Array, toLinear: (byte: number) => number): Buffer {
  const out = Buffer.allocUnsafe(bytes.length * 2);
  for (let i = 0; i < bytes.length; i += 1) out.writeInt16LE(toLinear(bytes[i]!), i * 2);
  return out;
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to, constants.COPYFILE_EXCL);
  }
}

/** The data chunk of a pack's WAV copy starts right after its canonical 44-byte header. */
export const WAV_COPY_DATA_OFFSET = 44;

/**
 * Bytes [startByte, endByte) of a PCM data chunk holding `fromMs`..`toMs`: whole sample frames, from
 * the frame sounding at `fromMs` to the first frame at or after `toMs` (cut at the data's end).
 */
export function excerptSlice(
  format: { sampleRate: number; channels: number; bitsPerSample: number },
  dataBytes: number,
  range: { fromMs: number; toMs: number },
): { startByte: number; endByte: number } {
  const blockAlign = format.channels * (format.bitsPerSample / 8);
  const frames = Math.floor(dataBytes / blockAlign);
  const startFrame = Math.min(frames, Math.floor((range.fromMs * format.sampleRate) / 1000));
  const endFrame = Math.min(frames, Math.ceil((range.toMs * format.sampleRate) / 1000));
  return { startByte: startFrame * blockAlign, endByte: endFrame * blockAlign };
}

/**
 * Writes an annotated range of a pack's WAV copy (`wavPath`, canonical PCM) as a WAV of its own: the
 * same samples under a canonical header, streamed, hashed on the way. Not flushed here (see copyRecording).
 */
export async function writeExcerpt(
  wavPath: string,
  format: { sampleRate: number; channels: number; bitsPerSample: number },
  dataBytes: number,
  range: { fromMs: number; toMs: number },
  target: string,
): Promise<{ digests: Digests; startByte: number; endByte: number }> {
  const { startByte, endByte } = excerptSlice(format, dataBytes, range);
  const out = await DigestingWriter.create(target);
  try {
    await out.write(pcmWavHeader(format.channels, format.sampleRate, format.bitsPerSample, endByte - startByte));
    if (endByte > startByte) {
      for await (const chunk of createReadStream(wavPath, { start: WAV_COPY_DATA_OFFSET + startByte, end: WAV_COPY_DATA_OFFSET + endByte - 1, highWaterMark: CHUNK_BYTES })) {
        await out.write(chunk as Buffer);
      }
    }
  } catch (error) {
    await out.abandon();
    throw error;
  }
  return { digests: await out.close(), startByte, endByte };
}
