import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { createSha256 } from '../../crypto/sha256';
import { NO_FOLLOW } from '../contained-path';
import { AppError } from '../errors';
import { InvalidMediaError } from '../audio/errors';
import { PeakAccumulator } from '../audio/peaks';
import { HEADER_PROBE_BYTES, parseWavHeader, type WavInfo } from '../audio/wav';

/**
 * Waveform resolutions computed when a file enters the cache: the renderer's 1,000, and 20,000 (the
 * most the IPC contract lets the renderer ask for), so any request is drawn from a set at least as fine.
 */
export const PEAK_RESOLUTIONS = [1_000, 4_000, 20_000] as const;

/** What one read of a media file yields: its hash, its WAV header and its peaks at every resolution. */
export type MediaAnalysis = {
  sha256: string;
  /** null when the file is not a WAV Custody can read; `notWav` then says why. */
  wav: WavInfo | null;
  notWav: string | null;
  /** Per resolution, the packed peaks (null when the samples cannot be decoded); read them with peaksAt. */
  peaks: ReadonlyMap<number, PackedPeaks> | null;
};

/**
 * Peaks in whole thousandths (what computePeaks rounds to), 16-bit little-endian, channel after
 * channel: a play unpacks only the resolution it draws.
 */
export type PackedPeaks = Buffer;

function packPeaks(channels: Array<Array<number>>, buckets: number): PackedPeaks {
  const packed = Buffer.alloc(buckets * channels.length * 2);
  channels.forEach((row, ch) => row.forEach((v, i) => packed.writeUInt16LE(Math.round(v * 1000), (ch * buckets + i) * 2)));
  return packed;
}

function unpackPeaks(packed: PackedPeaks, channels: number, buckets: number): Array<Array<number>> {
  return Array.from({ length: channels }, (_, ch) => Array.from({ length: buckets }, (_, i) => packed.readUInt16LE((ch * buckets + i) * 2) / 1000));
}

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

/** Hashes the file and computes its WAV header and peaks in the same single pass over its bytes. */
export async function analyseMedia(chunks: AsyncIterable<Buffer>, fileSize: number): Promise<MediaAnalysis> {
  const hash = createSha256();
  let head: Buffer = Buffer.alloc(0);
  let wav: WavInfo | null = null;
  let notWav: string | null = null;
  let accumulator: PeakAccumulator | null = null;
  let position = 0;
  // Chunks read before the header is complete wait here, then go to the peaks in order.
  let pending: Array<{ chunk: Buffer; start: number }> = [];
  const headerBytes = Math.min(HEADER_PROBE_BYTES, fileSize);
  const feedPeaks = (chunk: Buffer, start: number) => {
    if (!wav || !accumulator) return;
    const from = Math.max(start, wav.dataOffset);
    const to = Math.min(start + chunk.length, wav.dataOffset + wav.dataBytes);
    if (to > from) accumulator.push(chunk.subarray(from - start, to - start));
  };
  for await (const chunk of chunks) {
    hash.update(chunk);
    const start = position;
    position += chunk.length;
    if (!wav && notWav === null) {
      pending.push({ chunk, start });
      head = Buffer.concat([head, chunk.subarray(0, Math.max(0, headerBytes - head.length))]);
      if (head.length < headerBytes) continue;
      try {
        wav = parseWavHeader(head, fileSize);
        accumulator = new PeakAccumulator(wav, PEAK_RESOLUTIONS);
      } catch (error) {
        if (!(error instanceof InvalidMediaError)) throw error;
        notWav = error.message;
      }
      for (const waiting of pending) feedPeaks(waiting.chunk, waiting.start);
      pending = [];
      continue;
    }
    feedPeaks(chunk, start);
  }
  if (!wav && notWav === null) notWav = new InvalidMediaError('not a RIFF/WAVE file').message;
  return {
    sha256: hash.digest('hex'),
    wav,
    notWav,
    peaks: accumulator ? new Map(PEAK_RESOLUTIONS.map((buckets) => [buckets, packPeaks(accumulator.channels(buckets), buckets)])) : null,
  };
}

/** Peaks at `buckets`: stored ones as they are, others taken (max per slice) from the closest finer set. */
export function peaksAt(analysis: MediaAnalysis, buckets: number): Array<Array<number>> {
  if (!analysis.wav || !analysis.peaks) throw new AppError('UPSTREAM_INVALID', analysis.notWav ?? 'The recording\'s audio samples cannot be decoded.');
  const channels = analysis.wav.channels;
  const exact = analysis.peaks.get(buckets);
  if (exact) return unpackPeaks(exact, channels, buckets);
  const source = PEAK_RESOLUTIONS.find((count) => count >= buckets) ?? PEAK_RESOLUTIONS.at(-1)!;
  return unpackPeaks(analysis.peaks.get(source)!, channels, source).map((row) =>
    Array.from({ length: buckets }, (_, j) => {
      const from = Math.floor((j * source) / buckets);
      const to = Math.max(from + 1, Math.floor(((j + 1) * source) / buckets));
      let peak = 0;
      for (let i = from; i < to; i += 1) peak = Math.max(peak, row[i]!);
      return peak;
    }),
  );
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

const SIDECAR_FORMAT = 'custody-media-analysis/1';

export function encodeSidecar(sidecar: MediaSidecar): string {
  const { analysis } = sidecar;
  const peaks = analysis.peaks ? Object.fromEntries([...analysis.peaks].map(([buckets, packed]) => [String(buckets), packed.toString('base64')])) : null;
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
      peaks: Record<string, string> | null;
    };
    if (raw.format !== SIDECAR_FORMAT || typeof raw.sha256 !== 'string') return null;
    let peaks: Map<number, PackedPeaks> | null = null;
    if (raw.peaks && raw.wav) {
      peaks = new Map();
      for (const buckets of PEAK_RESOLUTIONS) {
        const packed = Buffer.from(raw.peaks[String(buckets)] ?? '', 'base64');
        if (packed.length !== buckets * raw.wav.channels * 2) return null;
        peaks.set(buckets, packed);
      }
    }
    return { identity: raw.identity, analysis: { sha256: raw.sha256, wav: raw.wav, notWav: raw.notWav, peaks } };
  } catch {
    return null;
  }
}
