import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { MediaRecord, MediaRepository } from '../../db/repositories/media-repository';
import { isSealedHeader, plainSize, sealedSize } from '../../crypto/segment-cipher';
import { NO_FOLLOW, pathUnderRoot } from '../contained-path';
import { StorageError } from '../errors';
import type { CachedMedia } from './cached-media';
import { LandingMedia } from './landing-media';
import type { Clock } from '../ports';
import {
  moveIntoPlace,
  openSealed,
  readSealed,
  SealedFileError,
  sealedFile,
  sealedRangeSource,
  writeAtomic,
  type FileSink,
  type Seal,
} from '../storage/durable-file';
import {
  analyseMedia,
  attachFinestPeaks,
  decodeSidecar,
  encodeFinestPeaks,
  finestApart,
  encodeSidecar,
  identityOf,
  readMediaFile,
  sameIdentity,
  type FileIdentity,
  type MediaAnalysis,
  type MediaReader,
  type MediaSidecar,
} from './media-analysis';

export type { CachedMedia } from './cached-media';

/** What identifies a cached file to the cache's checks (a CachedMedia, or a playback grant of one). */
type CachedFile = Pick<CachedMedia, 'recordingId' | 'path' | 'sha256'>;

export type WrittenFile = { bytes: number; sha256: string; contentType: string };

const extensionFor = (contentType: string) =>
  /wav/.test(contentType) ? 'wav' : /ogg/.test(contentType) ? 'ogg' : /mpeg|mp3/.test(contentType) ? 'mp3' : /webm/.test(contentType) ? 'webm' : 'bin';

/** Beside `r-1.wav` lies its sealed analysis `r-1.wav.analysis` (and, for a long call, `r-1.wav.peaks`); no media name ends so. */
const SIDECAR_SUFFIX = '.analysis';
/** A long call's finest peaks, beside its sidecar, read only when a zoomed window needs them. */
const FINEST_PEAKS_SUFFIX = '.peaks';

/**
 * Recordings on disk, named by recording id, each with the SHA-256 of its bytes in SQLite. Files are
 * written to a temporary name and renamed into place only when complete, so a crash never leaves a
 * half-written file under a real name. Every path is built with pathUnderRoot, so a hostile
 * recording ID can neither write nor delete outside the cache.
 *
 * A file is read once, as it enters: the pass that writes it hashes it and computes its WAV header and
 * peak pyramid, while it is already served by range (LandingMedia), kept in a sidecar with the file's identity (inode, size, mtime, ctime). Later plays trust that
 * analysis while the identity is unchanged; any change to the file changes it, and the file is
 * then hashed again before it counts as intact.
 *
 * Encrypted at rest: every recording and every sidecar is a sealed file (AES-256-GCM segments,
 * storage/durable-file.ts) under the profile's cache key, bound to its recording, so a stolen disk
 * yields no audio and no one without the key can plant a file or a sidecar. The SHA-256 recorded
 * is still that of the plaintext audio. Plain files an older version cached are deleted on first use
 * (a cache: they are fetched again when played).
 */
export class MediaCache {
  private readonly readMedia: MediaReader;
  /** Recordings streaming in now, by recording id. */
  private readonly landings = new Map<string, LandingMedia>();
  private readonly landingWaiters = new Map<string, Set<(landing: LandingMedia) => void>>();
  /** The sidecar last read or written, so a play's verify and its analysis read it once; still checked against a fresh stat. */
  private recent: { path: string; sidecar: MediaSidecar } | null = null;

  constructor(
    private readonly deps: {
      dir: string;
      repository: MediaRepository;
      clock: Clock;
      /** The profile's cache key (32 bytes, from the OS keychain). */
      key: Uint8Array;
      /** Reads a cached file's bytes as they are on disk (sealed); tests count what it reads. */
      readMedia?: MediaReader;
      /** How long a range past what has landed waits for its bytes (default 30 s). */
      landingWaitMs?: number;
    },
  ) {
    this.readMedia = deps.readMedia ?? readMediaFile;
  }

  private plainFilesGone: Promise<void> | null = null;

  async get(recordingId: string): Promise<CachedMedia | null> {
    await this.discardPlainFilesOnce();
    const record = await this.deps.repository.get(recordingId);
    if (!record) return null;
    const path = await pathUnderRoot(this.deps.dir, record.fileName);
    try {
      const info = await lstat(path);
      if (!info.isFile() || info.size !== sealedSize(record.bytes)) throw new Error('not the recorded file');
    } catch {
      await this.deps.repository.remove(recordingId);
      return null;
    }
    return this.cached(record, path);
  }

  /** The plaintext of a cached recording, in order (authenticated segment by segment). */
  plaintext(media: Pick<CachedMedia, 'recordingId' | 'path'>): AsyncIterable<Buffer> {
    return openSealed(this.readMedia(media.path), this.mediaSeal(media.recordingId));
  }

  /** Whether the file still has the SHA-256 recorded when it was fetched (re-hashed only if it changed since). */
  async verify(media: CachedFile): Promise<boolean> {
    return (await this.intactAnalysis(media)) !== null;
  }

  /**
   * The analysis of an intact cached file: from its sidecar while the file is unchanged, else from a
   * new read. Throws when the bytes no longer have the recorded hash.
   */
  async analysis(media: CachedFile, options: { finestPeaks?: boolean } = {}): Promise<MediaAnalysis> {
    const analysis = await this.intactAnalysis(media);
    if (!analysis) throw new StorageError(`The cached file ${basename(media.path)} no longer matches its recorded SHA-256; play it again to fetch it anew.`);
    if (options.finestPeaks && analysis.peaks && analysis.wav && analysis.peaks.levels[0]!.length === 0) {
      // Kept apart on a long call: read once, on the first deep zoom. Missing or not opening with this key: the next level answers.
      const bytes = await readSealed(await this.finestPeaksPath(media.path), this.finestPeaksSeal(media.recordingId)).catch(() => null);
      if (bytes) attachFinestPeaks(analysis.peaks, bytes, analysis.wav.channels);
    }
    return analysis;
  }

  /** The recording streaming into the cache now, if one is. */
  landing(recordingId: string): LandingMedia | null {
    return this.landings.get(recordingId) ?? null;
  }

  /** Resolves with the recording's transfer into the cache once one is under way (at once if one is); `cancel` stops waiting. */
  nextLanding(recordingId: string): { landing: Promise<LandingMedia>; cancel: () => void } {
    const current = this.landings.get(recordingId);
    if (current) return { landing: Promise.resolve(current), cancel: () => undefined };
    let waiter!: (landing: LandingMedia) => void;
    const landing = new Promise<LandingMedia>((resolve) => (waiter = resolve));
    const waiting = this.landingWaiters.get(recordingId) ?? new Set();
    waiting.add(waiter);
    this.landingWaiters.set(recordingId, waiting);
    return { landing, cancel: () => waiting.delete(waiter) };
  }

  /**
   * `write` streams the content into the sealed temporary file it is given and reports what it
   * wrote. The bytes are hashed and analysed (header, peaks) as they land, and served by range
   * meanwhile (`landing`); at the end the cache checks the writer's count and hash against its own,
   * renames the file into place, writes its sidecar and records its hash. One transfer per
   * recording at a time: a second store of a recording under way waits for the first.
   */
  async store(recordingId: string, source: string, write: (target: FileSink) => Promise<WrittenFile>): Promise<CachedMedia> {
    await this.discardPlainFilesOnce();
    const under = this.landings.get(recordingId);
    if (under) {
      try {
        return await under.settled;
      } catch {
        // That transfer failed: this one starts anew.
      }
    }
    const tempDir = join(this.deps.dir, '.partial');
    try {
      await mkdir(tempDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new StorageError(`Cannot create the media cache at ${this.deps.dir}`, error);
    }
    const tempPath = await pathUnderRoot(tempDir, `${recordingId}.${randomBytes(6).toString('hex')}.part`);
    const seal = this.mediaSeal(recordingId);
    const landing = new LandingMedia(recordingId, source, sealedRangeSource(tempPath, seal, { unfinished: true }), this.deps.landingWaitMs);
    this.landings.set(recordingId, landing);
    for (const waiter of this.landingWaiters.get(recordingId) ?? []) waiter(landing);
    this.landingWaiters.delete(recordingId);
    const sealed = sealedFile(tempPath, seal);
    const target: FileSink = {
      path: tempPath,
      open: async (expectedBytes) => {
        const file = await sealed.open();
        landing.begin(expectedBytes ?? null);
        return {
          append: async (chunk) => {
            await file.append(chunk);
            landing.landed(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          },
          complete: () => file.complete(),
          close: () => file.close(),
        };
      },
    };
    try {
      const written = await write(target);
      const analyser = landing.analysis;
      if (analyser.bytes !== written.bytes) throw new StorageError(`The cached copy of ${recordingId} has ${analyser.bytes} bytes, not the ${written.bytes} written`);
      const analysis = analyser.finish();
      if (analysis.sha256 !== written.sha256) throw new StorageError(`The cached copy of ${recordingId} differs from the bytes written to it`);
      const fileName = `${recordingId}.${extensionFor(written.contentType)}`;
      const path = await pathUnderRoot(this.deps.dir, fileName);
      await moveIntoPlace(tempPath, path);
      await this.writeSidecar({ recordingId, path }, await this.identity(path), analysis);
      const record: MediaRecord = { recordingId, fileName, ...written, source, fetchedMs: this.deps.clock.now() };
      await this.deps.repository.put(record);
      const media = this.cached(record, path);
      landing.complete(media);
      return media;
    } catch (error) {
      landing.fail(error instanceof Error ? error : new StorageError(String(error)));
      throw error;
    } finally {
      this.landings.delete(recordingId);
      await rm(tempPath, { force: true });
    }
  }

  private async intactAnalysis(media: CachedFile): Promise<MediaAnalysis | null> {
    const sidecarPath = await this.sidecarPath(media.path);
    const identity = await this.identity(media.path);
    const sidecar = this.recent?.path === media.path ? this.recent.sidecar : decodeSidecar(await this.readSidecar(sidecarPath, media.recordingId));
    if (sidecar) this.recent = { path: media.path, sidecar };
    if (sidecar && sidecar.analysis.sha256 === media.sha256 && sameIdentity(sidecar.identity, identity)) return sidecar.analysis;
    // Changed since it was analysed (or analysed by an older version): read it all again.
    let analysis: MediaAnalysis;
    try {
      analysis = await this.analyse(media);
    } catch (error) {
      // Altered, truncated or not sealed with this cache's key: not the recording that was fetched.
      if (error instanceof SealedFileError) return null;
      throw error;
    }
    if (analysis.sha256 !== media.sha256) return null;
    const after = await this.identity(media.path);
    // Only an analysis of bytes that stayed put while they were read is kept.
    if (sameIdentity(after, identity)) await this.writeSidecar(media, identity, analysis);
    return analysis;
  }

  private async analyse(media: Pick<CachedMedia, 'recordingId' | 'path'>): Promise<MediaAnalysis> {
    return analyseMedia(this.plaintext(media), plainSize(Number((await this.identity(media.path)).size)));
  }

  /** The sidecar's text, or '' when it is missing or does not open with this cache's key (it is then rebuilt). */
  private async readSidecar(path: string, recordingId: string): Promise<string> {
    try {
      return (await readSealed(path, this.sidecarSeal(recordingId))).toString('utf8');
    } catch {
      return '';
    }
  }

  private cached(record: MediaRecord, path: string): CachedMedia {
    return { ...record, path, content: sealedRangeSource(path, this.mediaSeal(record.recordingId)) };
  }

  private mediaSeal(recordingId: string): Seal {
    return { key: this.deps.key, context: `media-cache recording ${recordingId}` };
  }

  private sidecarSeal(recordingId: string): Seal {
    return { key: this.deps.key, context: `media-cache analysis ${recordingId}` };
  }

  private discardPlainFilesOnce(): Promise<void> {
    this.plainFilesGone ??= this.discardPlainFiles().catch((error: unknown) => {
      this.plainFilesGone = null;
      throw new StorageError(`Could not remove the unencrypted files an older Custody left in the media cache ${this.deps.dir}`, error);
    });
    return this.plainFilesGone;
  }

  /**
   * Deletes every file in the cache (and its temporary folder) that is not sealed: recordings and
   * sidecars cached before encryption at rest, or a plain download a crash left. Their index rows go
   * on the next `get`, and a play fetches the recording again.
   */
  private async discardPlainFiles(): Promise<void> {
    for (const dir of [this.deps.dir, join(this.deps.dir, '.partial')]) {
      const names = await readdir(dir).catch(() => [] as Array<string>);
      for (const name of names) {
        const path = join(dir, name);
        const info = await lstat(path);
        // An empty file may be a sealed write another process just began: its header comes first.
        if (info.isDirectory() || (info.isFile() && info.size === 0)) continue;
        if (!info.isFile() || !(await startsSealed(path))) await rm(path, { force: true });
      }
    }
  }

  private async identity(path: string): Promise<FileIdentity> {
    const info = await lstat(path, { bigint: true });
    if (!info.isFile()) throw new StorageError(`${basename(path)} in the media cache is not a regular file`);
    return identityOf(info);
  }

  private async writeSidecar(media: Pick<CachedMedia, 'recordingId' | 'path'>, identity: FileIdentity, analysis: MediaAnalysis): Promise<void> {
    if (analysis.peaks && finestApart(analysis.peaks)) {
      await writeAtomic(await this.finestPeaksPath(media.path), encodeFinestPeaks(analysis.peaks), { mode: 0o600, seal: this.finestPeaksSeal(media.recordingId) });
    }
    await writeAtomic(await this.sidecarPath(media.path), encodeSidecar({ identity, analysis }), { mode: 0o600, seal: this.sidecarSeal(media.recordingId) });
    this.recent = { path: media.path, sidecar: { identity, analysis } };
  }

  private finestPeaksPath(mediaPath: string): Promise<string> {
    return pathUnderRoot(this.deps.dir, `${basename(mediaPath)}${FINEST_PEAKS_SUFFIX}`);
  }

  private finestPeaksSeal(recordingId: string): Seal {
    return { key: this.deps.key, context: `media-cache finest peaks ${recordingId}` };
  }

  private sidecarPath(mediaPath: string): Promise<string> {
    return pathUnderRoot(this.deps.dir, `${basename(mediaPath)}${SIDECAR_SUFFIX}`);
  }
}

async function startsSealed(path: string): Promise<boolean> {
  const handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return isSealedHeader(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
