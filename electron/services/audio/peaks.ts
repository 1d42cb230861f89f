import { createReadStream } from 'node:fs';
import { InvalidMediaError } from './errors';
import { alawToLinear, mulawToLinear, readWavInfo, type WavInfo } from './wav';

export type Peaks = { durationMs: number; channels: Array<Array<number>> };

/**
 * Peak amplitude (0..1) per channel in `buckets` equal slices of the recording, streamed from disk
 * so a 45-minute call never sits in memory. Agent left, client right: channels stay separate.
 */
export async function computePeaks(path: string, buckets: number): Promise<Peaks> {
  const info = await readWavInfo(path);
  const frames = Math.floor(info.dataBytes / info.blockAlign);
  const peaks = Array.from({ length: info.channels }, () => new Float64Array(buckets));
  const decode = sampleDecoder(info);
  const bytesPerSample = info.blockAlign / info.channels;
  const framesPerBucket = Math.max(1, frames / buckets);
  let frame = 0;
  let carry: Buffer = Buffer.alloc(0);
  const stream = createReadStream(path, { start: info.dataOffset, end: info.dataOffset + info.dataBytes - 1, highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const whole = data.length - (data.length % info.blockAlign);
    for (let offset = 0; offset < whole; offset += info.blockAlign, frame += 1) {
      const bucket = Math.min(buckets - 1, Math.floor(frame / framesPerBucket));
      for (let ch = 0; ch < info.channels; ch += 1) {
        const value = Math.abs(decode(data, offset + ch * bytesPerSample));
        const row = peaks[ch]!;
        if (value > row[bucket]!) row[bucket] = value;
      }
    }
    carry = data.subarray(whole);
  }
  return {
    durationMs: info.durationMs,
    channels: peaks.map((row) => Array.from(row, (v) => Math.min(1, Math.round(v * 1000) / 1000))),
  };
}

/** Returns a function reading one sample at a byte offset, scaled to [-1, 1]. */
function sampleDecoder(info: WavInfo): (data: Buffer, offset: number) => number {
  if (info.format === 'mulaw') return (d, o) => mulawToLinear(d[o]!) / 32768;
  if (info.format === 'alaw') return (d, o) => alawToLinear(d[o]!) / 32768;
  switch (info.bitsPerSample) {
    case 8:
      return (d, o) => (d[o]! - 128) / 128;
    case 16:
      return (d, o) => d.readInt16LE(o) / 32768;
    case 24:
      return (d, o) => d.readIntLE(o, 3) / 8388608;
    case 32:
      return (d, o) => d.readInt32LE(o) / 2147483648;
    default:
      throw new InvalidMediaError(`unsupported PCM width ${info.bitsPerSample} bits`);
  }
}
