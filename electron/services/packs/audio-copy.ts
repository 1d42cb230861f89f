import { constants } from 'node:fs';
import { copyFile, link, open, type FileHandle } from 'node:fs/promises';
import { alawToLinear, mulawToLinear, readWavInfo, type WavInfo } from '../audio/wav';
import { writeFully } from '../storage/durable-file';
import { DualHash, type Digests } from './file-digests';

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
 * SHA-512). G.711 (mu-law, A-law) becomes 16-bit PCM; PCM keeps its samples under a canonical header.
 * When the source already is exactly that canonical PCM WAV, the WAV copy is a hard link to the
 * original (the same bytes, written once; a plain copy where the file system cannot link).
 * The copies are not flushed here: the builder flushes every file of the bag before the rename.
 */
export async function copyRecording(sourcePath: string, originalPath: string, wavPath: string): Promise<AudioCopies> {
  const info = await readWavInfo(sourcePath);
  const pcmBits = info.format === 'pcm' ? info.bitsPerSample : 16;
  const convert = info.format === 'mulaw' ? mulawToLinear : info.format === 'alaw' ? alawToLinear : null;
  const wavDataBytes = convert ? info.dataBytes * 2 : info.dataBytes;
  const header = pcmWavHeader(info.channels, info.sampleRate, pcmBits, wavDataBytes);
  const sourceHead = Buffer.alloc(44);
  await readInto(sourcePath, sourceHead);
  const identical = !convert && info.dataOffset === 44 && sourceHead.equals(header);
  const originalHash = new DualHash();
  const wavHash = identical ? originalHash : new DualHash();
  const source = await open(sourcePath, 'r');
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
    // Three buffers in rotation: one being read, one being hashed, one being written, so disk and
    // hashing overlap. A buffer is read into again only after its write has completed. A short
    // recording gets buffers its size (plus one byte to see the end): thousands of them in one pack
    // must not churn through megabytes each.
    const chunkBytes = Math.min(CHUNK_BYTES, (await source.stat()).size + 1);
    const buffers = [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)];
    let turn = 0;
    let reading = source.read(buffers[0]!, 0, chunkBytes, null);
    let writing: Promise<unknown> = Promise.resolve();
    for (;;) {
      const { bytesRead, buffer } = await reading;
      if (bytesRead === 0) break;
      turn = (turn + 1) % buffers.length;
      reading = source.read(buffers[turn]!, 0, chunkBytes, null);
      const chunk = buffer.subarray(0, bytesRead);
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
    await source.close();
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

function decodeG711(bytes: Uint8Array, toLinear: (byte: number) => number): Buffer {
  const out = Buffer.allocUnsafe(bytes.length * 2);
  for (let i = 0; i < bytes.length; i += 1) out.writeInt16LE(toLinear(bytes[i]!), i * 2);
  return out;
}

async function readInto(path: string, buffer: Buffer): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.read(buffer, 0, buffer.length, 0);
  } finally {
    await handle.close();
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to, constants.COPYFILE_EXCL);
  }
}
