import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPack, MAX_SMALL_FILE_BYTES } from '../../../../../electron/services/packs/pack-reader';
import { extractZip, openZip, RATIO_FLOOR_BYTES, ZipEntryError, ZipFormatError } from '../../../../../electron/services/packs/zip';
import { testTempDir } from '../../../../helpers/temp-dir';
import { deflatedEntry, rawZip, storedEntry, zerosEntry, type RawZipEntry } from '../../../../helpers/zip-bytes';

async function zipFile(entries: ReadonlyArray<RawZipEntry>): Promise<string> {
  const path = join(await testTempDir('custody-zip-limits-'), 'test.zip');
  await writeFile(path, rawZip(entries));
  return path;
}

const readAll = async (path: string, name: string): Promise<Buffer> => {
  const zip = await openZip(path);
  try {
    const chunks: Array<Buffer> = [];
    await zip.forEachChunk(zip.entries.find((e) => e.name === name)!, (c) => {
      chunks.push(c);
    });
    return Buffer.concat(chunks);
  } finally {
    await zip.close();
  }
};

/** A deflate stream whose first block has the reserved type 3: every inflater rejects it. */
const corrupt = (entry: RawZipEntry): RawZipEntry => ({ ...entry, data: Buffer.concat([Buffer.of(0x07), entry.data.subarray(1)]) });

describe('reading a zip from outside', () => {
  it('refuses, before inflating, an entry that declares a size past the compression ratio limit', async () => {
    const path = await zipFile([await zerosEntry('bagit.txt', 64 * 2 ** 20)]);
    await expect(openZip(path)).rejects.toThrow(/bagit\.txt would inflate 67108864 bytes from \d+ .*refused as a zip bomb/);
  });

  it('refuses a zip of many small bombs whose total passes the ratio limit', async () => {
    const entry = await zerosEntry('x', RATIO_FLOOR_BYTES);
    const path = await zipFile(Array.from({ length: 200 }, (_, i) => ({ ...entry, name: `data/${i}.bin` })));
    await expect(openZip(path)).rejects.toThrow(/the zip would inflate 209715200 bytes .*zip bomb/);
  });

  it('stops an entry that inflates past its declared size, with an error naming it', async () => {
    const bomb = await zerosEntry('bagit.txt', 32 * 2 ** 20);
    const path = await zipFile([{ ...bomb, size: 19 }]);
    await expect(readAll(path, 'bagit.txt')).rejects.toThrow(new ZipEntryError('bagit.txt', 'inflates past its declared 19 bytes (damaged, or a zip bomb)'));
  });

  it('reports a corrupt deflated entry as an error for that entry, and the process carries on', async () => {
    const path = await zipFile([corrupt(deflatedEntry('data/pack.json', '{"a":1}'.repeat(1000))), deflatedEntry('bagit.txt', 'BagIt-Version: 1.0\n')]);
    await expect(readAll(path, 'data/pack.json')).rejects.toThrow(/^data\/pack\.json: the compressed data is damaged \(invalid block type\)$/);
    expect((await readAll(path, 'bagit.txt')).toString()).toBe('BagIt-Version: 1.0\n');
  });

  it('checks the CRC-32 of every entry', async () => {
    const path = await zipFile([{ ...storedEntry('bagit.txt', 'BagIt-Version: 1.0\n'), crc: 1 }]);
    await expect(readAll(path, 'bagit.txt')).rejects.toThrow('bagit.txt: CRC-32 does not match (altered or damaged)');
  });

  it.each(['../outside.txt', '/etc/passwd', 'data\\..\\x', 'data/a\0b', 'data//x', 'C:/x'])('refuses the whole zip for the entry name %j', async (name) => {
    const path = await zipFile([storedEntry('bagit.txt', 'x'), storedEntry(name, 'y')]);
    const refused = openZip(path);
    await expect(refused).rejects.toBeInstanceOf(ZipFormatError);
    await expect(refused).rejects.toThrow(`entry ${JSON.stringify(name)} has an unsafe name`);
  });

  it('reads tag and JSON files whole only up to the small-file limit', async () => {
    const big = storedEntry('bag-info.txt', Buffer.alloc(MAX_SMALL_FILE_BYTES + 1, 'a'));
    const pack = await openPack(await zipFile([storedEntry('bagit.txt', 'BagIt-Version: 1.0\n'), big]));
    try {
      await expect(pack.readBytes('bag-info.txt')).rejects.toThrow(`${MAX_SMALL_FILE_BYTES + 1} bytes, over the ${MAX_SMALL_FILE_BYTES}-byte limit`);
      expect((await pack.readBytes('bagit.txt')).toString()).toBe('BagIt-Version: 1.0\n');
    } finally {
      await pack.close();
    }
  });
});

it('reads a folder pack\'s tag and JSON files whole only up to the same limit', async () => {
  const root = await testTempDir('custody-folder-pack-');
  await writeFile(join(root, 'bag-info.txt'), Buffer.alloc(MAX_SMALL_FILE_BYTES + 1, 'a'));
  const pack = await openPack(root);
  await expect(pack.readBytes('bag-info.txt')).rejects.toThrow(`over the ${MAX_SMALL_FILE_BYTES}-byte limit`);
});

describe('extracting a zip pack', () => {
  it('writes regular files only: a symlink entry is listed as irregular and never created, a damaged entry is left out', async () => {
    const path = await zipFile([
      storedEntry('bagit.txt', 'BagIt-Version: 1.0\n'),
      storedEntry('data/cache', '/home/officer/.cache/custody', 0o120777),
      corrupt(deflatedEntry('data/broken.json', '{"b":2}'.repeat(500))),
      deflatedEntry('data/pack.json', '{"ok":true}'),
    ]);
    const pack = await openPack(path);
    try {
      expect(pack.irregular).toEqual(['data/cache']);
      expect([...pack.files.keys()].sort()).toEqual(['bagit.txt', 'data/broken.json', 'data/pack.json']);
    } finally {
      await pack.close();
    }
    const into = await testTempDir('custody-extract-');
    await extractZip(path, into);
    expect((await readdir(into, { recursive: true })).sort()).toEqual(['bagit.txt', 'data', 'data/pack.json']);
    expect((await lstat(join(into, 'data/pack.json'))).isFile()).toBe(true);
    expect(await readFile(join(into, 'data/pack.json'), 'utf8')).toBe('{"ok":true}');
  });
});
