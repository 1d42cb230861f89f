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

/** Each level of a peak pyramid groups this many buckets of the level below. */
export const PYRAMID_FANOUT = 8;
/** The finest level's bucket: 256 frames (32 ms at 8 kHz) at most, so a few seconds of a 10-hour call still draw in detail. */
const FINEST_FRAMES_PER_BUCKET = 256;
/** Short recordings get finer buckets: at least this many across the whole file (what the IPC contract lets the renderer ask for). */
const MIN_FINEST_BUCKETS = 20_000;

/** Peaks of a recording at several zoom levels: level 0 the finest (`framesPerBucket` frames a bucket), each next one PYRAMID_FANOUT times coarser. */
export type PeakLevels = {
  framesPerBucket: number;
  /** levels[level][channel]: peaks in thousandths (0..1000). */
  levels: Array<Array<Uint16Array>>;
};

/** A power of two, so every level's buckets start at whole frames. */
export function finestFramesPerBucket(frames: number): number {
  let framesPerBucket = FINEST_FRAMES_PER_BUCKET;
  while (framesPerBucket > 1 && frames / framesPerBucket < MIN_FINEST_BUCKETS) framesPerBucket /= 2;
  return framesPerBucket;
}

/** The coarser levels of a finest one, each bucket the peak of PYRAMID_FANOUT below, down to a few hundred buckets. */
export function pyramidOf(framesPerBucket: number, finest: Array<Uint16Array>): PeakLevels {
  const levels = [finest];
  for (let below = finest; below[0] !== undefined && below[0].length > 256; ) {
    const next = below.map((row) => {
      const out = new Uint16Array(Math.ceil(row.length / PYRAMID_FANOUT));
      for (let i = 0; i < row.length; i += 1) {
        const at = Math.floor(i / PYRAMID_FANOUT);
        if (row[i]! > out[at]!) out[at] = row[i]!;
      }
      return out;
    });
    levels.push(next);
    below = next;
  }
  return { framesPerBucket, levels };
}

/** Full scale of the raw peaks kept while accumulating (|sample| of 16-bit PCM), turned into thousandths when read. */
const RAW_FULL_SCALE = 32768;
/** Raw peak to thousandths of full scale, looked up. */
const THOUSANDTHS = Uint16Array.from({ length: RAW_FULL_SCALE + 1 }, (_, raw) => Math.min(1000, Math.round((raw / RAW_FULL_SCALE) * 1000)));

/**
 * The finest level of a peak pyramid, from one pass over a WAV file's data chunk fed in order (a
 * download as it lands); readable at any moment, buckets not reached yet are 0. Raw peaks (0..32768)
 * are kept, so the per-sample work is one comparison; 16-bit PCM is read as a typed array.
 */
export class PeakPyramidAccumulator {
  readonly framesPerBucket: number;
  private readonly decode: (data: Buffer, offset: number) => number;
  private readonly bytesPerSample: number;
  private readonly finestRaw: Array<Uint16Array>;
  private frame = 0;
  private carry: Buffer = Buffer.alloc(0);

  constructor(private readonly info: WavInfo) {
    this.decode = sampleDecoder(info);
    this.bytesPerSample = info.blockAlign / info.channels;
    const frames = Math.floor(info.dataBytes / info.blockAlign);
    this.framesPerBucket = finestFramesPerBucket(frames);
    this.finestRaw = Array.from({ length: info.channels }, () => new Uint16Array(Math.max(1, Math.ceil(frames / this.framesPerBucket))));
  }

  /** Frames seen so far. */
  get frames(): number {
    return this.frame;
  }

  /** The next bytes of the data chunk (bytes past the announced data size are ignored). */
  push(chunk: Buffer): void {
    const { blockAlign, channels } = this.info;
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const whole = data.length - (data.length % blockAlign);
    const last = this.finestRaw[0]!.length - 1;
    const perBucket = this.framesPerBucket;
    if (this.info.format === 'pcm' && this.info.bitsPerSample === 16) {
      // Copied when unaligned: an Int16Array view needs an even offset.
      const bytes = data.byteOffset % 2 === 0 ? data : Buffer.from(data.subarray(0, whole));
      const samples = new Int16Array(bytes.buffer, bytes.byteOffset, whole / 2);
      const frames = whole / blockAlign;
      for (let ch = 0; ch < channels; ch += 1) {
        const row = this.finestRaw[ch]!;
        // Bucket by bucket: a running maximum, written once per bucket.
        for (let done = 0; done < frames; ) {
          const frame = this.frame + done;
          const bucket = Math.min(last, Math.floor(frame / perBucket));
          const count = bucket === last ? frames - done : Math.min(frames - done, (bucket + 1) * perBucket - frame);
          let peak = row[bucket]!;
          for (let i = done * channels + ch, end = (done + count) * channels; i < end; i += channels) {
            const value = samples[i]!;
            if (value > peak) peak = value;
            else if (-value > peak) peak = -value;
          }
          row[bucket] = peak;
          done += count;
        }
      }
      this.frame += whole / blockAlign;
    } else {
      for (let offset = 0; offset < whole; offset += blockAlign, this.frame += 1) {
        const bucket = Math.min(last, Math.floor(this.frame / perBucket));
        for (let ch = 0; ch < channels; ch += 1) {
          const level = Math.min(RAW_FULL_SCALE, Math.round(Math.abs(this.decode(data, offset + ch * this.bytesPerSample)) * RAW_FULL_SCALE));
          const row = this.finestRaw[ch]!;
          if (level > row[bucket]!) row[bucket] = level;
        }
      }
    }
    this.carry = Buffer.from(data.subarray(whole));
  }

  /** The pyramid of what was pushed so far, in thousandths (copies: the accumulator goes on). */
  levels(): PeakLevels {
    return pyramidOf(
      this.framesPerBucket,
      this.finestRaw.map((row) => row.map((raw) => THOUSANDTHS[raw]!)),
    );
  }
}

/**
 * Peaks (0..1 per channel) in `buckets` equal slices of the frames [fromFrame, toFrame), from the
 * coarsest level still at least as fine as a slice, so any zoom answers at once.
 */
export function peaksInWindow(pyramid: PeakLevels, fromFrame: number, toFrame: number, buckets: number): Array<Array<number>> {
  const slice = Math.max(0, toFrame - fromFrame) / buckets;
  // The finest level may not have been read (it lies apart on a long call): the next one answers then.
  let level = pyramid.levels[0]!.length === 0 ? 1 : 0;
  while (level + 1 < pyramid.levels.length && pyramid.framesPerBucket * PYRAMID_FANOUT ** (level + 1) <= slice) level += 1;
  const rows = pyramid.levels[level]!;
  const width = pyramid.framesPerBucket * PYRAMID_FANOUT ** level;
  return rows.map((row) =>
    Array.from({ length: buckets }, (_, j) => {
      const from = Math.floor((fromFrame + j * slice) / width);
      const to = Math.min(row.length, Math.max(from + 1, Math.ceil((fromFrame + (j + 1) * slice) / width)));
      let peak = 0;
      for (let i = from; i < to; i += 1) if (row[i]! > peak) peak = row[i]!;
      return peak / 1000;
    }),
  );
}
