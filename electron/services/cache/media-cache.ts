import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaRecord, MediaRepository } from '../../db/repositories/media-repository';
import { pathUnderRoot } from '../contained-path';
import { StorageError } from '../errors';
import type { Clock } from '../ports';
import { moveIntoPlace, sha256File } from '../storage/durable-file';

export type CachedMedia = MediaRecord & { path: string };

export type WrittenFile = { bytes: number; sha256: string; contentType: string };

const extensionFor = (contentType: string) =>
  /wav/.test(contentType) ? 'wav' : /ogg/.test(contentType) ? 'ogg' : /mpeg|mp3/.test(contentType) ? 'mp3' : /webm/.test(contentType) ? 'webm' : 'bin';

/**
 * Recordings on disk, named by recording id, each with the SHA-256 of its bytes in SQLite. Files are
 * written to a temporary name and renamed into place only when complete, so a crash never leaves a
 * half-written file under a real name. Every path is built with pathUnderRoot, so a hostile
 * recording ID can neither write nor delete outside the cache.
 */
export class MediaCache {
  constructor(
    private readonly deps: { dir: string; repository: MediaRepository; clock: Clock },
  ) {}

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

  /** Recomputes the file's SHA-256 and compares it with the one recorded when it was fetched. */
  async verify(media: CachedMedia): Promise<boolean> {
    return (await sha256File(media.path)) === media.sha256;
  }

  /**
   * `write` streams the content to the temporary path it is given and reports what it wrote; the
   * cache then renames it into place and records its hash.
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
      const fileName = `${recordingId}.${extensionFor(written.contentType)}`;
      const path = await pathUnderRoot(this.deps.dir, fileName);
      await moveIntoPlace(tempPath, path);
      const record: MediaRecord = { recordingId, fileName, ...written, source, fetchedMs: this.deps.clock.now() };
      await this.deps.repository.put(record);
      return { ...record, path };
    } finally {
      await rm(tempPath, { force: true });
    }
  }
}
