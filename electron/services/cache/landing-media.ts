import { SEGMENT_BYTES } from '../../crypto/segment-cipher';
import { StorageError } from '../errors';
import type { RangeSource } from '../storage/durable-file';
import type { CachedMedia } from './cached-media';
import { MediaAnalyser, waveformWindow } from './media-analysis';

export type LandingProgress = { bytesLanded: number; totalBytes: number | null };

/** How long a range past what has landed waits for its bytes before the request fails. */
export const DEFAULT_LANDING_WAIT_MS = 30_000;

/**
 * A recording streaming into the media cache. Its bytes are hashed and analysed (header, peaks) as
 * they land, in the one pass the cache makes. A range is served as soon as its bytes are on disk
 * (sealed, whole segments); a range further on waits for them, `waitMs` at most. When the last byte
 * is in, the cache verifies the file and moves it into place, and `settled` resolves with it; a
 * transfer that breaks or does not verify rejects `settled`, and its partial file is gone.
 */
export class LandingMedia {
  readonly settled: Promise<CachedMedia>;
  /** The WAV header and the first audio bytes are readable (or the transfer settled first). */
  readonly ready: Promise<void>;
  /** The recording by range, as it lands and then from its place in the cache. */
  readonly content: RangeSource;
  private analyser: MediaAnalyser = new MediaAnalyser(null);
  private expectedBytes: number | null = null;
  private final: CachedMedia | null = null;
  private failure: Error | null = null;
  private readonly listeners = new Set<() => void>();
  private settle!: { resolve: (media: CachedMedia) => void; reject: (error: Error) => void };
  private markReady!: () => void;

  constructor(
    readonly recordingId: string,
    /** Where it comes from ('genesys', 'archive'), as the cache records it. */
    readonly source: string,
    /** The partial file's whole segments, read as they are written. */
    private readonly unfinished: RangeSource,
    private readonly waitMs = DEFAULT_LANDING_WAIT_MS,
  ) {
    this.settled = new Promise<CachedMedia>((resolve, reject) => (this.settle = { resolve, reject }));
    // Every reader attaches its own handler; the cache's own bookkeeping must not count as unhandled.
    this.settled.catch(() => undefined);
    this.ready = new Promise<void>((resolve) => (this.markReady = resolve));
    this.content = { size: () => this.size(), read: (start, end) => this.read(start, end) };
  }

  /** The writer opened its file: `expectedBytes` is what it was told will come, when it knows. */
  begin(expectedBytes: number | null): void {
    this.expectedBytes = expectedBytes;
    this.analyser = new MediaAnalyser(expectedBytes);
  }

  /** `chunk` was written (sealed) after every byte before it. */
  landed(chunk: Buffer): void {
    this.analyser.push(chunk);
    const wav = this.analyser.wav;
    if ((wav && this.readableBytes() > wav.dataOffset) || this.analyser.notWavReason !== null) this.markReady();
    this.changed();
  }

  /** Everything the writer wrote, hashed and analysed in the same pass. */
  get analysis(): MediaAnalyser {
    return this.analyser;
  }

  complete(media: CachedMedia): void {
    this.final = media;
    this.settle.resolve(media);
    this.markReady();
    this.changed();
  }

  fail(error: Error): void {
    this.failure = error;
    this.settle.reject(error);
    this.markReady();
    this.changed();
  }

  get progress(): LandingProgress {
    return { bytesLanded: this.final?.bytes ?? this.analyser.bytes, totalBytes: this.final?.bytes ?? this.totalBytes() };
  }

  /** Called on every landed chunk and when the transfer settles; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Peaks of what has landed so far, over a window of the recording. */
  waveformSoFar(buckets: number, window: { fromMs?: number; toMs?: number }) {
    return waveformWindow({ wav: this.analyser.wav, notWav: this.analyser.notWavReason, peaks: this.analyser.peaksSoFar() }, buckets, window);
  }

  /** Plaintext bytes in whole segments on disk: a sealed segment is written once a byte follows it. */
  private readableBytes(): number {
    const appended = this.analyser.bytes;
    return appended === 0 ? 0 : Math.floor((appended - 1) / SEGMENT_BYTES) * SEGMENT_BYTES;
  }

  private totalBytes(): number | null {
    const wav = this.analyser.wav;
    return this.expectedBytes ?? (wav ? wav.dataOffset + wav.dataBytes : null);
  }

  /** The verified file in place, once the transfer has completed. */
  get done(): CachedMedia | null {
    return this.final;
  }

  private async size(): Promise<number> {
    await Promise.race([this.ready, this.settled]);
    if (this.done) return this.done.bytes;
    const total = this.totalBytes();
    if (total === null) throw new StorageError(`The size of recording ${this.recordingId} is not known yet`);
    return total;
  }

  private async *read(start: number, end: number): AsyncIterable<Buffer> {
    let at = start;
    while (at <= end) {
      if (this.final) {
        yield* this.final.content.read(at, end);
        return;
      }
      if (this.failure) throw this.failure;
      const readable = this.readableBytes();
      if (readable <= at) {
        await this.nextChange();
        continue;
      }
      try {
        for await (const part of this.unfinished.read(at, Math.min(end, readable - 1))) {
          yield part;
          at += part.length;
        }
      } catch (error) {
        // The partial file was just moved into place: the finished file answers next.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        await this.nextChange();
      }
    }
  }

  private nextChange(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new StorageError(`No more of recording ${this.recordingId} arrived within ${Math.round(this.waitMs / 1000)} s`));
      }, this.waitMs);
      const stop = this.onChange(() => {
        clearTimeout(timer);
        stop();
        resolve();
      });
    });
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
