import { constants } from 'node:fs';
import { lstat, open, realpath, rm, type FileHandle } from 'node:fs/promises';
import { sha256Hex } from '../../crypto/sha256';
import { NO_FOLLOW, pathUnderRoot, UnsafePathError } from '../contained-path';
import { AppError } from '../errors';
import { isSafeRelativePath } from '../packs/bagit';
import { copyHashedFrom } from '../storage/durable-file';

/** The pack is not what it claims, so an access is refused (the message says why, without echoing pack-supplied text). */
export class PackRefusalError extends AppError {
  constructor(message: string) {
    super('VALIDATION', message);
  }
}

const alteredSinceOpen = (relative: string, actual: string, expected: string, refused: string) =>
  new PackRefusalError(
    `${relative} does not match the pack's manifest (SHA-256 ${actual.slice(0, 16)}…, manifest ${expected.slice(0, 16)}…): it was altered after the pack was opened; ${refused}.`,
  );

/**
 * Opens one payload file of a pack for `use`: only a regular file at `root/relative`, reached
 * without any symbolic link (none in the path, none as the file itself), inside the pack's real root.
 */
async function withPayloadFile<T>(root: string, relative: string, use: (source: FileHandle) => Promise<T>): Promise<T> {
  if (!isSafeRelativePath(relative)) throw new PackRefusalError('The pack names a path that is not inside the pack.');
  const throughSymlink = () => new PackRefusalError(`${relative} is reached through a symbolic link; a pack holds only regular files.`);
  let path: string;
  try {
    // Any symbolic link on the way (a folder or the file) is refused, inside the pack or not.
    path = await pathUnderRoot(await realpath(root), relative);
  } catch (error) {
    throw error instanceof UnsafePathError ? throughSymlink() : error;
  }
  let source;
  try {
    source = await open(path, constants.O_RDONLY | NO_FOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new PackRefusalError(`${relative} is missing from the pack.`);
    throw code === 'ELOOP' ? throughSymlink() : new PackRefusalError(`${relative} cannot be opened.`);
  }
  try {
    const opened = await source.stat();
    const named = await lstat(path);
    if (!opened.isFile() || opened.dev !== named.dev || opened.ino !== named.ino) throw new PackRefusalError(`${relative} is not a regular file of the pack.`);
    return await use(source);
  } finally {
    await source.close();
  }
}

/**
 * Copies one payload file of a pack into `target` (in a private directory), hashing what it copies;
 * its SHA-256 must be `expectedSha256`. The copy is what gets served, so a change to the pack after
 * this check changes nothing that plays. On any refusal nothing is left at `target`.
 */
export async function copyVerifiedPayload(options: { root: string; relative: string; expectedSha256: string; target: string }): Promise<void> {
  try {
    await withPayloadFile(options.root, options.relative, async (source) => {
      const actual = (await copyHashedFrom(source, options.target, { mode: 0o600 })).sha256;
      if (actual !== options.expectedSha256) throw alteredSinceOpen(options.relative, actual, options.expectedSha256, 'it will not be played');
    });
  } catch (error) {
    await rm(options.target, { force: true });
    throw error;
  }
}

/** Reads one small payload file of a pack (a transcript), whose SHA-256 must be `expectedSha256`. */
export async function readVerifiedPayload(options: { root: string; relative: string; expectedSha256: string; maxBytes: number }): Promise<Buffer> {
  return withPayloadFile(options.root, options.relative, async (source) => {
    if ((await source.stat()).size > options.maxBytes) throw new PackRefusalError(`${options.relative} is larger than ${options.maxBytes} bytes; it will not be shown.`);
    const bytes = await source.readFile();
    const actual = sha256Hex(bytes);
    if (actual !== options.expectedSha256) throw alteredSinceOpen(options.relative, actual, options.expectedSha256, 'it will not be shown');
    return bytes;
  });
}
