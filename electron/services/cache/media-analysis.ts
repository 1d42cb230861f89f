import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { createSha256 } from '../../crypto/sha256';
import { NO_FOLLOW } from '../contained-path';
import { AppError } from '../errors';
import { InvalidMediaError } from '../audio/errors';
import { PeakPyramidAccumulator, peaksInWindow, PYRAMID_FANOUT, type PeakLevels } from '../audio/peaks';
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

/** 2: the peak pyramid, every level (a long call's finest in a file beside it). */
const SIDECAR_FORMAT = 'custody-media-analysis/2';

/** Finest levels up to this many buckets stay in the sidecar; a longer one (a long call's) is its own file, read only to zoom in deep. */
export const INLINE_FINEST_BUCKETS = 65_536;

const base64Rows = (rows: Array<Uint16Array>) => rows.map((row) => Buffer.from(row.buffer, row.byteOffset, row.byteLength).toString('base64'));
/** Rows of 16-bit values, each copied into its own aligned buffer (a Uint16Array cannot start at an odd offset). */
const rowsOf = (packed: Array<Buffer>) => packed.map((bytes) => new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));

/** Whether the sidecar leaves the finest level out (it is then written beside it with encodeFinestPeaks). */
export const finestApart = (peaks: PeakLevels) => (peaks.levels[0]![0]?.length ?? 0) > INLINE_FINEST_BUCKETS;

export function encodeSidecar(sidecar: MediaSidecar): string {
  const { analysis } = sidecar;
  const peaks = analysis.peaks
    ? {
        framesPerBucket: analysis.peaks.framesPerBucket,
        finest: finestApart(analysis.peaks) ? null : base64Rows(analysis.peaks.levels[0]!),
        coarser: analysis.peaks.levels.slice(1).map(base64Rows),
      }
    : null;
  return JSON.stringify({ format: SIDECAR_FORMAT, identity: sidecar.identity, sha256: analysis.sha256, wav: analysis.wav, notWav: analysis.notWav, peaks });
}

/** The finest level alone, channel after channel, 16-bit: the file beside a long call's sidecar. */
export function encodeFinestPeaks(peaks: PeakLevels): Buffer {
  return Buffer.concat(peaks.levels[0]!.map((row) => Buffer.from(row.buffer, row.byteOffset, row.byteLength)));
}

/** Puts the finest level read from its file into `peaks`; false (nothing changed) when it does not fit the coarser levels. */
export function attachFinestPeaks(peaks: PeakLevels, bytes: Buffer, channels: number): boolean {
  const next = peaks.levels[1]?.[0]?.length ?? 0;
  const perChannel = bytes.length / channels;
  if (!Number.isInteger(perChannel / 2) || Math.ceil(perChannel / 2 / PYRAMID_FANOUT) !== next) return false;
  peaks.levels[0] = rowsOf(Array.from({ length: channels }, (_, ch) => bytes.subarray(ch * perChannel, (ch + 1) * perChannel)));
  return true;
}

/** Whether a window needs the finest level (not yet read, when it lies apart). */
export function windowNeedsFinest(analysis: Pick<MediaAnalysis, 'wav' | 'peaks'>, buckets: number, window: { fromMs?: number; toMs?: number }): boolean {
  if (!analysis.wav || !analysis.peaks || (analysis.peaks.levels[0]?.length ?? 0) > 0) return false;
  const { durationMs, sampleRate } = analysis.wav;
  const spanMs = Math.min(window.toMs ?? durationMs, durationMs) - Math.min(window.fromMs ?? 0, durationMs);
  return (spanMs * sampleRate) / 1000 / buckets < analysis.peaks.framesPerBucket * PYRAMID_FANOUT;
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
      peaks: { framesPerBucket: number; finest: Array<string> | null; coarser: Array<Array<string>> } | null;
    };
    if (raw.format !== SIDECAR_FORMAT || typeof raw.sha256 !== 'string') return null;
    let peaks: PeakLevels | null = null;
    if (raw.peaks && raw.wav) {
      const { framesPerBucket, finest, coarser } = raw.peaks;
      const channels = raw.wav.channels;
      if (!Number.isSafeInteger(framesPerBucket) || framesPerBucket < 1 || !Array.isArray(coarser)) return null;
      const levels = [finest ? rowsOf(finest.map((text) => Buffer.from(text, 'base64'))) : [], ...coarser.map((level) => rowsOf(level.map((text) => Buffer.from(text, 'base64'))))];
      // Every level has a row per channel, all of one length, each a fan-out coarser than the one below (the finest may lie apart).
      for (let level = 0; level < levels.length; level += 1) {
        const rows = levels[level]!;
        if (level === 0 && rows.length === 0 && levels.length > 1) continue;
        if (rows.length !== channels || rows.some((row) => row.length === 0 || row.length !== rows[0]!.length)) return null;
        const below = levels[level - 1]?.[0]?.length;
        if (below !== undefined && Math.ceil(below / PYRAMID_FANOUT) !== rows[0]!.length) return null;
      }
      peaks = { framesPerBucket, levels };
    }
    return { identity: raw.identity, analysis: { sha256: raw.sha256, wav: raw.wav, notWav: raw.notWav, peaks } };
  } catch {
    return null;
  }
}
