import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../../../electron/crypto/sha256';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createMediaRepository } from '../../../../../electron/db/repositories/media-repository';
import { MediaCache } from '../../../../../electron/services/cache/media-cache';
import { UnsafePathError } from '../../../../../electron/services/contained-path';
import { FakeClock } from '../../../../helpers/fake-clock';
import { testTempDir } from '../../../../helpers/temp-dir';
import { makeWav } from '../../../../helpers/wav';
import { testAtRestKey, writeThrough } from '../../../../helpers/sealed-files';
import type { FileSink } from '../../../../../electron/services/storage/durable-file';

describe('the media cache', () => {
  it('refuses a recording ID that leaves the cache before writing anything, and a stored file name that does', async () => {
    const root = await testTempDir('custody-cache-');
    const dir = join(root, 'data', 'media');
    const repository = createMediaRepository(openDatabaseSync(':memory:'));
    const cache = new MediaCache({ dir, repository, clock: new FakeClock(), key: testAtRestKey() });
    const victim = join(root, 'victim.wav');
    await writeFile(victim, 'keep');
    let wrote = false;
    const write = async (target: FileSink) => {
      wrote = true;
      await writeThrough(target, Buffer.from('x'));
      return { bytes: 1, sha256: 'aa', contentType: 'audio/wav' };
    };
    await expect(cache.store('../../../victim', 'genesys', write)).rejects.toBeInstanceOf(UnsafePathError);
    expect(wrote).toBe(false);
    // An index written before IDs were checked: the stored name is refused, the file outside untouched.
    await repository.put({ recordingId: 'r-1', fileName: '../../victim.wav', bytes: 4, sha256: 'aa', contentType: 'audio/wav', source: 'genesys', fetchedMs: 0 });
    await expect(cache.get('r-1')).rejects.toBeInstanceOf(UnsafePathError);
    expect((await readdir(dirname(victim))).sort()).toEqual(['data', 'victim.wav']);
  });
});

describe('the media cache at rest', () => {
  async function setUp() {
    const root = await testTempDir('custody-cache-');
    const dir = join(root, 'media');
    const repository = createMediaRepository(openDatabaseSync(':memory:'));
    const key = testAtRestKey();
    const wav = makeWav({ frames: 8_000, left: (i) => Math.sin(i / 5), right: (i) => Math.cos(i / 7) });
    const written = { bytes: wav.length, sha256: sha256Hex(wav), contentType: 'audio/wav' };
    const store = (cache: MediaCache, recordingId: string) =>
      cache.store(recordingId, 'genesys', async (target) => {
        await writeThrough(target, wav);
        return written;
      });
    return { dir, repository, key, wav, written, store, newCache: (k = key) => new MediaCache({ dir, repository, clock: new FakeClock(), key: k }) };
  }

  it('keeps every recording and sidecar sealed on disk, and reads back the plaintext the SHA-256 was taken of', async () => {
    const { dir, wav, written, store, newCache } = await setUp();
    const cache = newCache();
    const media = await store(cache, 'r-1');
    expect(media.sha256).toBe(written.sha256);
    for (const name of await readdir(dir)) {
      if (name === '.partial') continue;
      const bytes = await readFile(join(dir, name));
      expect(bytes.includes('RIFF'), name).toBe(false);
      expect(bytes.includes('sha256'), name).toBe(false);
    }
    const served: Array<Buffer> = [];
    for await (const part of media.content.read(0, media.bytes - 1)) served.push(part);
    expect(Buffer.concat(served).equals(wav)).toBe(true);
    expect(await newCache().verify(media)).toBe(true);
  });

  it('refuses a recording and a sidecar planted without the key: the play fetches anew', async () => {
    const { store, newCache } = await setUp();
    const media = await store(newCache(), 'r-1');
    // Someone who can write the cache but has no key: a plain WAV and a plain sidecar in their place.
    await writeFile(media.path, makeWav({ frames: 8_000, left: () => 0, right: () => 0 }));
    await writeFile(`${media.path}.analysis`, '{"format":"custody-media-analysis/1"}');
    const fresh = newCache();
    expect(await fresh.verify(media)).toBe(false);
    // Sealed with another key (another profile's cache): refused just the same.
    const other = await store(newCache(testAtRestKey()), 'r-2');
    expect(await newCache().verify(other)).toBe(false);
  });

  it('deletes the plain files an older version cached, on first use, and forgets them: a play fetches them again', async () => {
    const { dir, repository, wav, written, newCache } = await setUp();
    await mkdir(join(dir, '.partial'), { recursive: true });
    await writeFile(join(dir, 'r-old.wav'), wav);
    await writeFile(join(dir, 'r-old.wav.analysis.json'), '{"format":"custody-media-analysis/1","sha256":"x"}');
    await writeFile(join(dir, '.partial', 'r-crashed.1234.part'), wav.subarray(0, 100));
    await repository.put({ recordingId: 'r-old', fileName: 'r-old.wav', ...written, source: 'genesys', fetchedMs: 0 });
    const cache = newCache();
    expect(await cache.get('r-old')).toBeNull();
    expect(await readdir(dir)).toEqual(['.partial']);
    expect(await readdir(join(dir, '.partial'))).toEqual([]);
    expect(await repository.get('r-old')).toBeNull();
  });
});
