import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { MediaRecord, MediaRepository } from '../../db/repositories/media-repository';
import { pathUnderRoot } from '../contained-path';
import { StorageError } from '../errors';
import type { Clock } from '../ports';
import { moveIntoPlace, writeAtomic } from '../storage/durable-file';
import {
  analyseMedia,
  decodeSidecar,
  encodeSidecar,
  identityOf,
  readMediaFile,
  sameIdentity,
  type FileIdentity,
  type MediaAnalysis,
  type MediaReader,
  type MediaSidecar,
} from './media-analysis';

export type CachedMedia = MediaRecord & { path: string };

export type WrittenFile = { bytes: number; sha256: string; contentType: string };

const extensionFor = (contentType: string) =>
  /wav/.test(contentType) ? 'wav' : /ogg/.test(contentType) ? 'ogg' : /mpeg|mp3/.test(contentType) ? 'mp3' : /webm/.test(contentType) ? 'webm' : 'bin';

/** Beside `r-1.wav` lies `r-1.wav.analysis.json`; no media name ends so. */
const SIDECAR_SUFFIX = '.analysis.json';

/**
 * Recordings on disk, named by recording id, each with the SHA-256 of its bytes in SQLite. Files are
 * written to a temporary name and renamed into place only when complete, so a crash never leaves a
 * half-written file under a real name. Every path is built with pathUnderRoot, so a hostile
 * recording ID can neither write nor delete outside the cache.
 *
 * A file is read once, when it enters: one pass hashes it and computes its WAV header and peaks,
 * kept in a sidecar with the file's identity (inode, size, mtime, ctime). Later plays trust that
 * analysis while the identity is unchanged; any change to the file changes it, and the file is
 * then hashed again before it counts as intact.
 */
export class MediaCache {
  private readonly readMedia: MediaReader;
  /** The sidecar last read or written, so a play's verify and its analysis read it once; still checked against a fresh stat. */
  private recent: { path: string; sidecar: MediaSidecar } | null = null;

  constructor(
    private readonly deps: { dir: string; repository: MediaRepository; clock: Clock; readMedia?: MediaReader },
  ) {
    this.readMedia = deps.readMedia ?? readMediaFile;
  }

  async get(recordingId: string): Promise<CachedMedia | null> {
    const record = await this.deps.repository.get(recordingId);
    if (!record) return null;
    const path = await pathUnderRoot(this.deps.dir, record.fileName);
    try {
      const info = await lstat(path);
      if (!info.isFile() || info.size !== record.bytes) throw new Error('not the recorded file');
    } catch {
      await this.deps.repository.remove(recordingId);
      return null;
    }
    return { ...record, path };
  }

  /** Whether the file still has the SHA-256 recorded when it was fetched (re-hashed only if it changed since). */
  async verify(media: Pick<CachedMedia, 'path' | 'sha256'>): Promise<boolean> {
    return (await this.intactAnalysis(media)) !== null;
  }

  /**
   * The analysis of an intact cached file: from its sidecar while the file is unchanged, else from a
   * new read. Throws when the bytes no longer have the recorded hash.
   */
  async analysis(media: Pick<CachedMedia, 'path' | 'sha256'>): Promise<MediaAnalysis> {
    const analysis = await this.intactAnalysis(media);
    if (!analysis) throw new StorageError(`The cached file ${basename(media.path)} no longer matches its recorded SHA-256; play it again to fetch it anew.`);
    return analysis;
  }

  /**
   * `write` streams the content to the temporary path it is given and reports what it wrote; the
   * cache reads the file once (hash, header, peaks), renames it into place and records its hash.
   */
  async store(recordingId: string, source: string, write: (tempPath: string) => Promise<WrittenFile>): Promise<CachedMedia> {
    const tempDir = join(this.deps.dir, '.partial');
    try {
      await mkdir(tempDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new StorageError(`Cannot create the media cache at ${this.deps.dir}`, error);
    }
    const tempPath = await pathUnderRoot(tempDir, `${recordingId}.${randomBytes(6).toString('hex')}.part`);
    try {
      const written = await write(tempPath);
      const analysis = await this.analyse(tempPath);
      if (analysis.sha256 !== written.sha256) throw new StorageError(`The cached copy of ${recordingId} differs from the bytes written to it`);
      const fileName = `${recordingId}.${extensionFor(written.contentType)}`;
      const path = await pathUnderRoot(this.deps.dir, fileName);
      await moveIntoPlace(tempPath, path);
      await this.writeSidecar(path, await this.identity(path), analysis);
      const record: MediaRecord = { recordingId, fileName, ...written, source, fetchedMs: this.deps.clock.now() };
      await this.deps.repository.put(record);
      return { ...record, path };
    } finally {
      await rm(tempPath, { force: true });
    }
  }

  private async intactAnalysis(media: Pick<CachedMedia, 'path' | 'sha256'>): Promise<MediaAnalysis | null> {
    const sidecarPath = await this.sidecarPath(media.path);
    const identity = await this.identity(media.path);
    const sidecar = this.recent?.path === media.path ? this.recent.sidecar : decodeSidecar(await readFile(sidecarPath, 'utf8').catch(() => ''));
    if (sidecar) this.recent = { path: media.path, sidecar };
    if (sidecar && sidecar.analysis.sha256 === media.sha256 && sameIdentity(sidecar.identity, identity)) return sidecar.analysis;
    // Changed since it was analysed (or analysed by an older version): read it all again.
    const analysis = await this.analyse(media.path);
    if (analysis.sha256 !== media.sha256) return null;
    const after = await this.identity(media.path);
    // Only an analysis of bytes that stayed put while they were read is kept.
    if (sameIdentity(after, identity)) await this.writeSidecar(media.path, identity, analysis);
    return analysis;
  }

  private async analyse(path: string): Promise<MediaAnalysis> {
    return analyseMedia(this.readMedia(path), Number((await this.identity(path)).size));
  }

  private async identity(path: string): Promise<FileIdentity> {
    const info = await lstat(path, { bigint: true });
    if (!info.isFile()) throw new StorageError(`${basename(path)} in the media cache is not a regular file`);
    return identityOf(info);
  }

  private async writeSidecar(path: string, identity: FileIdentity, analysis: MediaAnalysis): Promise<void> {
    await writeAtomic(await this.sidecarPath(path), encodeSidecar({ identity, analysis }), { mode: 0o600 });
    this.recent = { path, sidecar: { identity, analysis } };
  }

  private sidecarPath(mediaPath: string): Promise<string> {
    return pathUnderRoot(this.deps.dir, `${basename(mediaPath)}${SIDECAR_SUFFIX}`);
  }
}
