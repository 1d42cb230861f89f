import { open } from 'node:fs/promises';
import { InvalidMediaError } from './errors';

export type WavInfo = {
  format: 'pcm' | 'mulaw' | 'alaw';
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
  dataOffset: number;
  dataBytes: number;
  durationMs: number;
};

/** How much of a file the WAV header may span. */
export const HEADER_PROBE_BYTES = 64 * 1024;

/** Parses a RIFF/WAVE header (PCM 8/16/24/32-bit, G.711 mu-law and A-law), from the first bytes of a file. */
export function parseWavHeader(bytes: Uint8Array, fileSize: number): WavInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new InvalidMediaError('not a RIFF/WAVE file');
  let offset = 12;
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'durationMs'> | null = null;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + 16 > bytes.length) throw new InvalidMediaError('truncated fmt chunk');
      let code = view.getUint16(body, true);
      if (code === 0xfffe && size >= 26 && body + 26 <= bytes.length) code = view.getUint16(body + 24, true);
      const format = code === 1 ? 'pcm' : code === 7 ? 'mulaw' : code === 6 ? 'alaw' : null;
      if (!format) throw new InvalidMediaError(`unsupported WAV encoding ${code}`);
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
      if (!fmt.channels || !fmt.sampleRate || !fmt.blockAlign) throw new InvalidMediaError('invalid fmt chunk');
    } else if (id === 'data') {
      if (!fmt) throw new InvalidMediaError('data chunk before fmt chunk');
      // Streaming writers put 0 or 0xFFFFFFFF here; the file size is then the truth.
      const available = fileSize - body;
      const dataBytes = size === 0 || size === 0xffffffff || size > available ? available : size;
      if (dataBytes < 0) throw new InvalidMediaError('truncated data chunk');
      const frames = Math.floor(dataBytes / fmt.blockAlign);
      return { ...fmt, dataOffset: body, dataBytes, durationMs: Math.round((frames / fmt.sampleRate) * 1000) };
    }
    offset = body + size + (size % 2);
  }
  throw new InvalidMediaError('no data chunk in the first 64 KiB');
}

export async function readWavInfo(path: string): Promise<WavInfo> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.min(HEADER_PROBE_BYTES, size));
    await handle.read(buffer, 0, buffer.length, 0);
    return parseWavHeader(buffer, size);
  } finally {
    await handle.close();
  }
}

/** G.711 mu-law byte to a linear sample in [-32124, 32124] (ITU-T G.711). */
export function mulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** G.711 A-law byte to a linear sample (ITU-T G.711). */
export function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t = exponent === 0 ? t + 8 : ((t + 0x108) << (exponent - 1));
  return a & 0x80 ? t : -t;
}
