import { endianness } from 'node:os';

/** Minimal PCM WAV (RIFF) reading and writing for the sandbox's audio. */

export type PcmAudio = {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Interleaved 16-bit samples. */
  samples: Int16Array;
};

export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

export function encodeWav(audio: Readonly<PcmAudio>): Buffer {
  const data = Buffer.from(audio.samples.buffer, audio.samples.byteOffset, audio.samples.byteLength);
  const littleEndian = endianness() === 'LE' ? data : Buffer.from(data).swap16();
  return Buffer.concat([wavHeader(audio.sampleRate, audio.channels, littleEndian.length), littleEndian]);
}

/**
 * Parses 16-bit PCM WAV. Tolerates the streaming header espeak-ng writes to stdout, whose data size is a placeholder:
 * the data chunk then runs to the end of the buffer.
 */
export function decodeWav(buffer: Buffer): PcmAudio {
  if (buffer.length < 12 || buffer.toString('ascii', 0, 4) !== 'RIFF' || buffer.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let offset = 12;
  let format: { channels: number; sampleRate: number; bitsPerSample: number; audioFormat: number } | null = null;
  while (offset + 8 <= buffer.length) {
    const id = buffer.toString('ascii', offset, offset + 4);
    const size = buffer.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = {
        audioFormat: buffer.readUInt16LE(body),
        channels: buffer.readUInt16LE(body + 2),
        sampleRate: buffer.readUInt32LE(body + 4),
        bitsPerSample: buffer.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk before fmt chunk');
      if (format.audioFormat !== 1 || format.bitsPerSample !== 16) throw new Error('only 16-bit PCM WAV is supported');
      const end = Math.min(buffer.length, body + size);
      const bytes = Buffer.from(buffer.subarray(body, end - ((end - body) % 2)));
      if (endianness() !== 'LE') bytes.swap16();
      const samples = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
      return { sampleRate: format.sampleRate, channels: format.channels, bitsPerSample: 16, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAV has no data chunk');
}
