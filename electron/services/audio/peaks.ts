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
  const accumulator = new PeakAccumulator(info, [buckets]);
  const stream = createReadStream(path, { start: info.dataOffset, end: info.dataOffset + info.dataBytes - 1, highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) accumulator.push(chunk);
  return { durationMs: info.durationMs, channels: accumulator.channels(buckets) };
}

/**
 * Peaks at several bucket counts from one pass over a WAV file's data chunk, fed in order in chunks
 * of any size. Every count gets exactly what computePeaks would give for it.
 */
export class PeakAccumulator {
  private readonly decode: (data: Buffer, offset: number) => number;
  private readonly bytesPerSample: number;
  private readonly rows: Array<Array<Float64Array>>;
  private readonly framesPerBucket: Array<number>;
  private frame = 0;
  private carry: Buffer = Buffer.alloc(0);

  constructor(
    private readonly info: WavInfo,
    private readonly resolutions: ReadonlyArray<number>,
  ) {
    this.decode = sampleDecoder(info);
    this.bytesPerSample = info.blockAlign / info.channels;
    const frames = Math.floor(info.dataBytes / info.blockAlign);
    this.framesPerBucket = resolutions.map((buckets) => Math.max(1, frames / buckets));
    this.rows = resolutions.map((buckets) => Array.from({ length: info.channels }, () => new Float64Array(buckets)));
  }

  /** The next bytes of the data chunk. */
  push(chunk: Buffer): void {
    const { blockAlign, channels } = this.info;
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const whole = data.length - (data.length % blockAlign);
    const levels = new Float64Array(channels);
    for (let offset = 0; offset < whole; offset += blockAlign, this.frame += 1) {
      for (let ch = 0; ch < channels; ch += 1) levels[ch] = Math.abs(this.decode(data, offset + ch * this.bytesPerSample));
      for (let r = 0; r < this.resolutions.length; r += 1) {
        const bucket = Math.min(this.resolutions[r]! - 1, Math.floor(this.frame / this.framesPerBucket[r]!));
        const rows = this.rows[r]!;
        for (let ch = 0; ch < channels; ch += 1) {
          const row = rows[ch]!;
          if (levels[ch]! > row[bucket]!) row[bucket] = levels[ch]!;
        }
      }
    }
    this.carry = data.subarray(whole);
  }

  /** Per channel, the peaks at one of the bucket counts given, rounded to 0.001. */
  channels(buckets: number): Array<Array<number>> {
    const rows = this.rows[this.resolutions.indexOf(buckets)];
    if (!rows) throw new RangeError(`no peaks accumulated at ${buckets} buckets`);
    return rows.map((row) => Array.from(row, (v) => Math.min(1, Math.round(v * 1000) / 1000)));
  }
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
