import { readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createMediaRepository } from '../../../../../electron/db/repositories/media-repository';
import { MediaCache } from '../../../../../electron/services/cache/media-cache';
import { UnsafePathError } from '../../../../../electron/services/contained-path';
import { FakeClock } from '../../../../helpers/fake-clock';
import { testTempDir } from '../../../../helpers/temp-dir';

describe('the media cache', () => {
  it('refuses a recording ID that leaves the cache before writing anything, and a stored file name that does', async () => {
    const root = await testTempDir('custody-cache-');
    const dir = join(root, 'data', 'media');
    const repository = createMediaRepository(openDatabaseSync(':memory:'));
    const cache = new MediaCache({ dir, repository, clock: new FakeClock() });
    const victim = join(root, 'victim.wav');
    await writeFile(victim, 'keep');
    let wrote = false;
    const write = async (temp: string) => {
      wrote = true;
      await writeFile(temp, 'x');
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
