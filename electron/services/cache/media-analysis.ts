import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { createSha256 } from '../../crypto/sha256';
import { NO_FOLLOW } from '../contained-path';
import { AppError } from '../errors';
import { InvalidMediaError } from '../audio/errors';
import { PeakPyramidAccumulator, peaksInWindow, pyramidOf, type PeakLevels } from '../audio/peaks';
import { HEADER_PROBE_BYTES, parseWavHeader, type WavInfo } from '../audio/wav';

/** What one read of a media file yields: its hash, its WAV header and its peak pyramid. */
export type MediaAnalysis = {
  sha256: string;
  /** null when the file is not a WAV Custody can read; `notWav` then says why. */
  wav: WavInfo | null;
  notWav: string | null;
  /** The peaks at every zoom level (null when the samples cannot be decoded); read them with waveformWindow. */
  peaks: PeakLevels | null;
};

/** The bytes of a file in order, read without following a symlink; tests count what a port reads. */
export type MediaReader = (path: string) => AsyncIterable<Buffer>;

export const readMediaFile: MediaReader = async function* (path) {
  const handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  try {
    yield* handle.createReadStream({ highWaterMark: 1 << 20, autoClose: false }) as AsyncIterable<Buffer>;
  } finally {
    await handle.close();
  }
};

/** The most a RIFF header can describe: a file of unknown size is taken at its header's word, at most this. */
const LARGEST_RIFF_BYTES = 0xffffffff + 8;

/**
 * Hashes a file and computes its WAV header and peak pyramid in one pass over its bytes, fed in order
 * as they come (a download landing in the cache): the header and the peaks so far can be read at any moment.
 */
export class MediaAnalyser {
  private readonly hash = createSha256();
  private head: Buffer = Buffer.alloc(0);
  private header: WavInfo | null = null;
  private notWav: string | null = null;
  private peaks: PeakPyramidAccumulator | null = null;
  private position = 0;
  // Chunks read before the header is complete wait here, then go to the peaks in order.
  private pending: Array<{ chunk: Buffer; start: number }> = [];

  /** `expectedSize`: the whole file's size when known (a download's Content-Length), else the header's word is taken. */
  constructor(private readonly expectedSize: number | null) {}

  get bytes(): number {
    return this.position;
  }

  /** The WAV header, once its bytes have come (null before, or when the file is not a WAV). */
  get wav(): WavInfo | null {
    return this.header;
  }

  /** Why the file is not a WAV Custody can play, once known. */
  get notWavReason(): string | null {
    return this.notWav;
  }

  push(chunk: Buffer): void {
    this.hash.update(chunk);
    const start = this.position;
    this.position += chunk.length;
    if (this.header || this.notWav !== null) return this.feedPeaks(chunk, start);
    this.pending.push({ chunk, start });
    this.head = Buffer.concat([this.head, chunk.subarray(0, Math.max(0, HEADER_PROBE_BYTES - this.head.length))]);
    if (this.head.length < HEADER_PROBE_BYTES && (this.expectedSize === null || this.head.length < this.expectedSize)) return;
    this.readHeader(this.expectedSize ?? LARGEST_RIFF_BYTES);
  }

  /** The peaks of what has come so far (null before the header, or when the samples cannot be decoded). */
  peaksSoFar(): PeakLevels | null {
    return this.peaks?.levels() ?? null;
  }

  /** Frames of audio whose peaks are in. */
  get framesSoFar(): number {
    return this.peaks?.frames ?? 0;
  }

  /** Everything has been pushed: the hash, and the header read against the file's true size. */
  finish(): MediaAnalysis {
    if (!this.header && this.notWav === null) this.readHeader(this.position);
    if (!this.header && this.notWav === null) this.notWav = new InvalidMediaError('not a RIFF/WAVE file').message;
    // A header that announced no size (a streaming writer's 0 or 0xFFFFFFFF) is read again now that the size is known.
    const wav = this.header ? parseWavHeader(this.head, this.position) : null;
    return { sha256: this.hash.digest('hex'), wav, notWav: this.notWav, peaks: this.peaks?.levels() ?? null };
  }

  private readHeader(fileSize: number): void {
    try {
      this.header = parseWavHeader(this.head, fileSize);
      this.peaks = new PeakPyramidAccumulator(this.header);
    } catch (error) {
      if (!(error instanceof InvalidMediaError)) throw error;
      // Too few bytes yet to tell: wait for more unless the file is complete.
      if (this.head.length < Math.min(HEADER_PROBE_BYTES, fileSize)) return;
      this.notWav = error.message;
    }
    for (const waiting of this.pending) this.feedPeaks(waiting.chunk, waiting.start);
    this.pending = [];
  }

  private feedPeaks(chunk: Buffer, start: number): void {
    const wav = this.header;
    if (!wav || !this.peaks) return;
    const from = Math.max(start, wav.dataOffset);
    const to = Math.min(start + chunk.length, wav.dataOffset + wav.dataBytes);
    if (to > from) this.peaks.push(chunk.subarray(from - start, to - start));
  }
}

/** Hashes the file and computes its WAV header and peaks in the same single pass over its bytes. */
export async function analyseMedia(chunks: AsyncIterable<Buffer>, fileSize: number): Promise<MediaAnalysis> {
  const analyser = new MediaAnalyser(fileSize);
  for await (const chunk of chunks) analyser.push(chunk);
  return analyser.finish();
}

/**
 * Peaks over a window of the recording (the whole of it by default) in `buckets` slices, from the
 * finest level of the pyramid that suffices. `framesLanded`: while streaming, what is in so far.
 */
export function waveformWindow(
  analysis: Pick<MediaAnalysis, 'wav' | 'notWav' | 'peaks'>,
  buckets: number,
  window: { fromMs?: number; toMs?: number } = {},
): { fromMs: number; toMs: number; peaks: Array<Array<number>> } {
  if (!analysis.wav || !analysis.peaks) throw new AppError('UPSTREAM_INVALID', analysis.notWav ?? 'The recording\'s audio samples cannot be decoded.');
  const { durationMs, sampleRate } = analysis.wav;
  const fromMs = Math.min(window.fromMs ?? 0, durationMs);
  const toMs = Math.max(fromMs, Math.min(window.toMs ?? durationMs, durationMs));
  const frameAt = (ms: number) => Math.round((ms * sampleRate) / 1000);
  return { fromMs, toMs, peaks: peaksInWindow(analysis.peaks, frameAt(fromMs), frameAt(toMs), buckets) };
}

/** The sidecar beside a cached file: its analysis and the identity of the file it was made from. */
export type MediaSidecar = { identity: FileIdentity; analysis: MediaAnalysis };

/**
 * What changes whenever a file's bytes do: size, inode, modification time and change time (which no
 * one can set back), read from a stat without opening the file.
 */
export type FileIdentity = { dev: string; ino: string; size: string; mtimeNs: string; ctimeNs: string };

export function identityOf(stat: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): FileIdentity {
  return { dev: String(stat.dev), ino: String(stat.ino), size: String(stat.size), mtimeNs: String(stat.mtimeNs), ctimeNs: String(stat.ctimeNs) };
}

export const sameIdentity = (a: FileIdentity, b: FileIdentity) =>
  a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;

/** 2: the peak pyramid (its finest level; the coarser ones are computed when read). */
const SIDECAR_FORMAT = 'custody-media-analysis/2';

export function encodeSidecar(sidecar: MediaSidecar): string {
  const { analysis } = sidecar;
  const peaks = analysis.peaks
    ? { framesPerBucket: analysis.peaks.framesPerBucket, finest: analysis.peaks.levels[0]!.map((row) => Buffer.from(row.buffer, row.byteOffset, row.byteLength).toString('base64')) }
    : null;
  return JSON.stringify({ format: SIDECAR_FORMAT, identity: sidecar.identity, sha256: analysis.sha256, wav: analysis.wav, notWav: analysis.notWav, peaks });
}

/** The sidecar's content, or null for anything that is not one this version wrote (it is then rebuilt). */
export function decodeSidecar(text: string): MediaSidecar | null {
  try {
    const raw = JSON.parse(text) as {
      format?: unknown;
      identity: FileIdentity;
      sha256: string;
      wav: WavInfo | null;
      notWav: string | null;
      peaks: { framesPerBucket: number; finest: Array<string> } | null;
    };
    if (raw.format !== SIDECAR_FORMAT || typeof raw.sha256 !== 'string') return null;
    let peaks: PeakLevels | null = null;
    if (raw.peaks && raw.wav) {
      const { framesPerBucket, finest } = raw.peaks;
      if (!Number.isSafeInteger(framesPerBucket) || framesPerBucket < 1 || finest.length !== raw.wav.channels) return null;
      const rows = finest.map((text) => {
        const packed = Buffer.from(text, 'base64');
        // Copied into its own aligned buffer: a Uint16Array cannot start at an odd offset of a shared one.
        return new Uint16Array(packed.buffer.slice(packed.byteOffset, packed.byteOffset + packed.byteLength));
      });
      if (rows.some((row) => row.length === 0 || row.length !== rows[0]!.length)) return null;
      peaks = pyramidOf(framesPerBucket, rows);
    }
    return { identity: raw.identity, analysis: { sha256: raw.sha256, wav: raw.wav, notWav: raw.notWav, peaks } };
  } catch {
    return null;
  }
}
