import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../../../electron/crypto/sha256';
import { loadProfile, profileSchema, saveProfile } from '../../../../../electron/services/config/profile';
import { StorageError } from '../../../../../electron/services/errors';
import {
  copyHashed,
  nodeFs,
  partialPathFor,
  placeVerified,
  removeDeadPartials,
  sha256File,
  writeAtomic,
  writeFully,
  type DurableFs,
  type WritableFile,
} from '../../../../../electron/services/storage/durable-file';
import { testTempDir } from '../../../../helpers/temp-dir';

/** A file that takes at most `most` bytes per write, as a filling disk or an interrupted write does. */
function shortWritingFile(most: number): WritableFile & { bytes: Array<number>; calls: number } {
  const file = {
    bytes: [] as Array<number>,
    calls: 0,
    async write(buffer: Uint8Array, offset: number, length: number, position: number | null) {
      file.calls += 1;
      const taken = Math.min(most, length);
      const at = position ?? file.bytes.length;
      for (let i = 0; i < taken; i += 1) file.bytes[at + i] = buffer[offset + i]!;
      return { bytesWritten: taken };
    },
  };
  return file;
}

type CrashPoint = 'write' | 'sync-file' | 'rename' | 'sync-dir';

/**
 * The real file system until `point`, where the process "dies": the call throws and, as after a
 * real crash, nothing the dying process would still do (removing its temporary file) happens.
 */
function crashingAt(point: CrashPoint, dir: string): DurableFs {
  let crashed = false;
  const crash = () => {
    crashed = true;
    throw new Error(`crash at ${point}`);
  };
  return {
    async open(path, flags, mode) {
      const handle = await nodeFs.open(path, flags, mode);
      const isDir = path === dir;
      return {
        async write(buffer, offset, length, position) {
          if (point !== 'write') return handle.write(buffer, offset, length, position);
          // Half the bytes reach the disk, then the power goes.
          await handle.write(buffer, offset, Math.ceil(length / 2), position);
          return crash();
        },
        async sync() {
          if ((point === 'sync-file' && !isDir) || (point === 'sync-dir' && isDir)) crash();
          await handle.sync();
        },
        close: () => handle.close(),
      };
    },
    async rename(from, to) {
      if (point === 'rename') crash();
      await nodeFs.rename(from, to);
    },
    async remove(path) {
      if (!crashed) await nodeFs.remove(path);
    },
    list: (path) => nodeFs.list(path),
  };
}

describe('writeFully', () => {
  it('writes every byte in order when each write takes only a few of them', async () => {
    const data = Buffer.from('the quick brown fox jumps over the lazy dog');
    const file = shortWritingFile(5);
    await writeFully(file, data);
    expect(Buffer.from(file.bytes).toString()).toBe(data.toString());
    expect(file.calls).toBe(Math.ceil(data.length / 5));
  });

  it('keeps positional writes at their offset across short writes', async () => {
    const file = shortWritingFile(3);
    await writeFully(file, Buffer.from('abcdefgh'), 0);
    await writeFully(file, Buffer.from('XYZW'), 2);
    expect(Buffer.from(file.bytes).toString()).toBe('abXYZWgh');
  });

  it('fails with a storage error, instead of looping, when the disk takes no byte at all', async () => {
    await expect(writeFully(shortWritingFile(0), Buffer.from('data'))).rejects.toBeInstanceOf(StorageError);
  });
});

describe('writeAtomic', () => {
  it.each<CrashPoint>(['write', 'sync-file', 'rename', 'sync-dir'])(
    'after a crash at %s the target holds the old content or the new, and the next write leaves no temporary file',
    async (point) => {
      const dir = await testTempDir('custody-durable-');
      const target = join(dir, 'manifest.json');
      const old = `${'old '.repeat(5000)}\n`;
      const next = `${'new '.repeat(7000)}\n`;
      await writeAtomic(target, old);
      await expect(writeAtomic(target, next, { fs: crashingAt(point, dir) })).rejects.toBeInstanceOf(StorageError);
      const after = await readFile(target, 'utf8');
      expect([old, next]).toContain(after);
      if (point !== 'sync-dir') {
        expect(after).toBe(old);
        // The crashed run's temporary file is still there: no cleanup ran.
        expect((await readdir(dir)).length).toBe(2);
      }
      await writeAtomic(target, 'third\n');
      expect(await readFile(target, 'utf8')).toBe('third\n');
      expect(await readdir(dir)).toEqual(['manifest.json']);
    },
  );

  it('creates the file with the mode asked for, and removes its temporary file when the write fails', async () => {
    const dir = await testTempDir('custody-durable-');
    const target = join(dir, 'profile.json');
    await writeAtomic(target, '{}\n', { mode: 0o600 });
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    await expect(writeAtomic(join(dir, 'missing', 'x.json'), 'x')).rejects.toBeInstanceOf(StorageError);
    expect(await readdir(dir)).toEqual(['profile.json']);
  });

  it('saves a profile over one whose earlier save crashed, leaving only the profile', async () => {
    const dir = await testTempDir('custody-durable-');
    const file = join(dir, 'profiles', 'default.json');
    await mkdir(join(dir, 'profiles'));
    await expect(writeAtomic(file, '{"half":', { fs: crashingAt('write', join(dir, 'profiles')) })).rejects.toBeInstanceOf(StorageError);
    const profile = profileSchema.parse({ version: 1, logId: randomUUID(), operatorName: 'A. Auditor' });
    await saveProfile(file, profile);
    expect(await readdir(join(dir, 'profiles'))).toEqual(['default.json']);
    expect(await loadProfile(file)).toEqual(profile);
  });
});

describe('placeVerified', () => {
  it('moves a copy into place only when the hash computed while writing it is the expected one', async () => {
    const dir = await testTempDir('custody-durable-');
    const source = join(dir, 'source.wav');
    const bytes = Buffer.alloc(3 << 20, 7);
    await writeFile(source, bytes);
    const expected = sha256Hex(bytes);

    const wrong = await copyHashed(source, join(dir, 'a.partial'));
    await expect(placeVerified(wrong, join(dir, 'a.wav'), sha256Hex('something else'))).rejects.toThrow(/does not match/);
    expect((await readdir(dir)).sort()).toEqual(['source.wav']);

    const right = await copyHashed(source, join(dir, 'b.partial'));
    expect(right).toMatchObject({ bytes: bytes.length, sha256: expected });
    await placeVerified(right, join(dir, 'b.wav'), expected);
    expect(await sha256File(join(dir, 'b.wav'))).toBe(expected);
    expect((await readdir(dir)).sort()).toEqual(['b.wav', 'source.wav']);
  });

  it('leaves an existing target untouched and no temporary file when the rename fails', async () => {
    const dir = await testTempDir('custody-durable-');
    const target = join(dir, 'b.wav');
    await writeFile(target, 'old');
    await writeFile(join(dir, 'source.wav'), 'new');
    const copy = await copyHashed(join(dir, 'source.wav'), join(dir, 'b.partial'));
    const failingRename: DurableFs = { ...nodeFs, rename: async () => Promise.reject(new Error('EIO')) };
    await expect(placeVerified(copy, target, sha256Hex('new'), failingRename)).rejects.toBeInstanceOf(StorageError);
    expect(await readFile(target, 'utf8')).toBe('old');
    expect((await readdir(dir)).sort()).toEqual(['b.wav', 'source.wav']);
  });
});

/** The pid of a process that has exited (and was reaped): no process owns it now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('partials of builds that died', () => {
  it('are removed by the next run; a live process\'s partial stays; nothing is followed through a symlink', async () => {
    const dir = await testTempDir('custody-partials-');
    const outside = await testTempDir('custody-partials-outside-');
    await writeFile(join(outside, 'keep.txt'), 'not the build\'s');
    const mine = partialPathFor(join(dir, 'pack'));
    const pid = await deadPid();
    // The same name a build in a process with that pid made (same host, same boot).
    const dead = mine.replace(`.${process.pid}.`, `.${pid}.`);
    expect(dead).not.toBe(mine);
    await mkdir(join(mine, 'data'), { recursive: true });
    await mkdir(join(dead, 'data'), { recursive: true });
    await writeFile(join(dead, 'data', 'half.wav'), 'RIFF');
    await symlink(outside, join(dead, 'data', 'link-out'));
    await writeFile(`${dead}.zip`, 'PK');
    const deadLink = `${partialPathFor(join(dir, 'other'))}`.replace(`.${process.pid}.`, `.${pid}.`);
    await symlink(outside, deadLink);
    await writeFile(join(dir, 'pack.partial-notes.txt'), 'a user file, not a partial');

    expect(await removeDeadPartials(dir)).toBe(3);
    expect((await readdir(dir)).sort()).toEqual([basename(mine), 'pack.partial-notes.txt'].sort());
    expect(await readFile(join(outside, 'keep.txt'), 'utf8')).toBe('not the build\'s');
    expect(await removeDeadPartials(join(dir, 'no-such-folder'))).toBe(0);
  });
});
