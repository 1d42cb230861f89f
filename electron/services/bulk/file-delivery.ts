import { lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { WrittenFile } from '../cache/media-cache';
import { pathUnderRoot } from '../contained-path';
import { describeCause, StorageError } from '../errors';
import type { HttpClient } from '../ports';
import { downloadToFile } from '../retrieval/media-download';
import { moveIntoPlace, sha256File } from '../storage/durable-file';
import { PARTIAL_DIR, partialFileName, safeSegment } from './output-layout';

/**
 * Getting one recording's bytes into the output folder so that a crash at any instant leaves either
 * no file or the complete, verified file under its final name: download to a temporary name in the
 * same folder tree, fsync, check size and SHA-256 by reading it back, rename, fsync the directory.
 * Every path is built with pathUnderRoot: nothing lands outside the output folder or through a symlink.
 */

/** Makes the folders a file needs; a disk that refuses fails here, before anything is audited. */
export async function prepareFolders(outDir: string, relativePath: string): Promise<void> {
  for (const dir of [await pathUnderRoot(outDir, PARTIAL_DIR), dirname(await pathUnderRoot(outDir, relativePath))]) {
    try {
      await mkdir(dir, { recursive: true, mode: 0o755 });
    } catch (error) {
      throw new StorageError(`Cannot create the folder ${dir}: ${describeCause(error)}`, error);
    }
  }
}

export type Downloaded = WrittenFile & { tempPath: string };

/** Streams `url` to a new temporary file and checks what landed on disk against what was received. */
export async function downloadToPartial(
  http: HttpClient,
  url: string,
  outDir: string,
  names: { jobId: string; recordingId: string },
  signal: AbortSignal,
): Promise<Downloaded> {
  const tempPath = await pathUnderRoot(outDir, PARTIAL_DIR, partialFileName(names.jobId, names.recordingId));
  try {
    const written = await downloadToFile(http, url, tempPath, { signal });
    const onDisk = await stat(tempPath);
    if (onDisk.size !== written.bytes) {
      throw new StorageError(`The file on disk has ${onDisk.size} bytes, ${written.bytes} were received (${tempPath})`);
    }
    if ((await sha256File(tempPath)) !== written.sha256) {
      throw new StorageError(`The file on disk does not match the SHA-256 of the bytes received (${tempPath})`);
    }
    return { ...written, tempPath };
  } catch (error) {
    await rm(tempPath, { force: true });
    if (error instanceof StorageError && error.cause !== undefined && !error.message.includes(describeCause(error.cause))) {
      throw new StorageError(`${error.message}: ${describeCause(error.cause)}`, error.cause);
    }
    throw error;
  }
}

/** Renames the verified temporary file into place (`relativePath` under `outDir`) and makes the rename durable. */
export async function placeFile(tempPath: string, outDir: string, relativePath: string): Promise<void> {
  let target = relativePath;
  try {
    target = await pathUnderRoot(outDir, relativePath);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await moveIntoPlace(tempPath, target);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw new StorageError(`Cannot move the file into place at ${target}: ${describeCause(error)}`, error);
  }
}

/** True when `relativePath` under `outDir` holds exactly the file recorded for it (size, then SHA-256). */
export async function fileMatches(outDir: string, relativePath: string, bytes: number, sha256: string): Promise<boolean> {
  try {
    const path = await pathUnderRoot(outDir, relativePath);
    const info = await lstat(path);
    return info.isFile() && info.size === bytes && (await sha256File(path)) === sha256;
  } catch {
    return false;
  }
}

/** Removes what an interrupted run of this job left in the temporary folder. */
export async function removePartials(outDir: string, jobId: string): Promise<number> {
  let names: Array<string>;
  let dir: string;
  try {
    dir = await pathUnderRoot(outDir, PARTIAL_DIR);
    names = await readdir(dir);
  } catch {
    return 0;
  }
  const prefix = `${safeSegment(jobId)}.`;
  const mine = names.filter((name) => name.startsWith(prefix) && name.endsWith('.part'));
  for (const name of mine) await rm(join(dir, name), { force: true });
  return mine.length;
}
