import { constants } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { escapeUnsafeText } from '../../shared/unsafe-text';
import { AppError } from './errors';

/** `open()` flags that refuse a symlink as the last component of the path (ELOOP). */
export const NO_FOLLOW = constants.O_NOFOLLOW;

/** A path built from outside data (an ID, a trading ID, pack metadata) that would leave its root. */
export class UnsafePathError extends AppError {
  constructor(root: string, segments: ReadonlyArray<string>, problem: string) {
    super('VALIDATION', `Refused the path "${escapeUnsafeText(segments.join('/'))}" under ${root}: ${problem}.`, { details: { root } });
  }
}

/**
 * The one way to build a path from outside data: `root/...segments`, resolved, and refused unless
 * it lies strictly under `root` with no symlink at or below `root` on the way (the root itself may
 * be a symlink: home and data folders often are). Whatever exists of the path is checked with
 * lstat; open the result with `wx` or NO_FOLLOW so a symlink planted after the check is not followed.
 */
export async function pathUnderRoot(root: string, ...segments: ReadonlyArray<string>): Promise<string> {
  const base = resolve(root);
  const target = resolve(base, ...segments);
  const inside = relative(base, target);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside) || segments.some((s) => s.includes('\0'))) {
    throw new UnsafePathError(base, segments, 'it leaves that folder');
  }
  let current = base;
  for (const part of inside.split(sep)) {
    current = join(current, part);
    try {
      if ((await lstat(current)).isSymbolicLink()) throw new UnsafePathError(base, segments, `${current} is a symbolic link`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') break;
      throw error;
    }
  }
  return target;
}
