import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathUnderRoot, UnsafePathError } from '../../../../electron/services/contained-path';
import { testTempDir } from '../../../helpers/temp-dir';

describe('pathUnderRoot', () => {
  it('builds a path under its root', async () => {
    const root = await testTempDir('custody-contained-');
    expect(await pathUnderRoot(root, 'data/recordings/c-1', 'r-1.wav')).toBe(join(root, 'data', 'recordings', 'c-1', 'r-1.wav'));
  });

  it.each([['../../../../tmp/x.wav'], ['a/../../x'], ['/etc/passwd'], ['.'], [''], ['x\0y']])('refuses %j', async (segment) => {
    const root = await testTempDir('custody-contained-');
    await expect(pathUnderRoot(root, segment)).rejects.toBeInstanceOf(UnsafePathError);
  });

  it('refuses a path through or onto a symlink below the root, and accepts a symlinked root', async () => {
    const root = await testTempDir('custody-contained-');
    const outside = await testTempDir('custody-outside-');
    await mkdir(join(root, 'data'));
    await symlink(outside, join(root, 'data', 'cache'));
    await symlink(join(outside, 'x'), join(root, 'data', 'file.wav'));
    await expect(pathUnderRoot(root, 'data/cache/r-1.wav')).rejects.toThrow(/symbolic link/);
    await expect(pathUnderRoot(root, 'data/file.wav')).rejects.toThrow(/symbolic link/);
    const linkedRoot = join(outside, 'root-link');
    await symlink(root, linkedRoot);
    expect(await pathUnderRoot(linkedRoot, 'data/new.wav')).toBe(join(linkedRoot, 'data', 'new.wav'));
  });
});
