import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../electron/db/connection';
import { createAuditMirrorRepository } from '../../../electron/db/repositories/audit-mirror-repository';
import { leafHash, rootFromLeafHashes } from '../../../shared/crypto/merkle';
import {
  decodeEntryBundle,
  encodeEntryBundle,
  entryBundlePath,
  hashTileBytes,
  hashTilePath,
  tileIndexPath,
  tilesOfTree,
  tilesToPublish,
} from '../../../shared/crypto/tlog-tiles';
import { auditRecord } from '../../helpers/audit-records';

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());

describe('C2SP tlog-tiles layout', () => {
  it('writes tile paths as the spec does (x-prefixed 3-digit groups, .p/W for partial tiles)', () => {
    expect(tileIndexPath(1234067)).toBe('x001/x234/067');
    expect(tileIndexPath(0)).toBe('000');
    expect(tileIndexPath(999)).toBe('999');
    expect(tileIndexPath(1000)).toBe('x001/000');
    expect(hashTilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(hashTilePath({ level: 1, index: 1234067, width: 8 })).toBe('tile/1/x001/x234/067.p/8');
    expect(entryBundlePath(5, 256)).toBe('tile/entries/005');
    expect(entryBundlePath(5, 17)).toBe('tile/entries/005.p/17');
    expect(() => entryBundlePath(5, 0)).toThrow(RangeError);
    expect(() => hashTilePath({ level: 64, index: 0, width: 1 })).toThrow(RangeError);
  });

  it("has the tiles of the spec's examples: a tree of 70,000 and one of 256", () => {
    const tiles = tilesOfTree(70_000);
    const at = (level: number) => tiles.filter((t) => t.level === level);
    expect(at(0).filter((t) => t.width === 256)).toHaveLength(273);
    expect(at(0).filter((t) => t.width < 256)).toEqual([{ level: 0, index: 273, width: 112 }]);
    expect(at(1)).toEqual([{ level: 1, index: 0, width: 256 }, { level: 1, index: 1, width: 17 }]);
    expect(at(2)).toEqual([{ level: 2, index: 0, width: 1 }]);
    expect(tiles.filter((t) => t.level > 2)).toEqual([]);
    expect(tilesOfTree(256)).toEqual([{ level: 0, index: 0, width: 256 }, { level: 1, index: 0, width: 1 }]);
  });

  it('publishes each full tile once, and the partial tiles of the new size', () => {
    expect(tilesToPublish(0, 100)).toEqual([{ level: 0, index: 0, width: 100 }]);
    expect(tilesToPublish(100, 300)).toEqual([{ level: 0, index: 0, width: 256 }, { level: 0, index: 1, width: 44 }, { level: 1, index: 0, width: 1 }]);
    expect(tilesToPublish(300, 400)).toEqual([{ level: 0, index: 1, width: 144 }, { level: 1, index: 0, width: 1 }]);
    expect(tilesToPublish(400, 512)).toEqual([{ level: 0, index: 1, width: 256 }, { level: 1, index: 0, width: 2 }]);
    expect(() => tilesToPublish(10, 5)).toThrow(/does not shrink/);
  });

  it('encodes entry bundles as big-endian uint16 length-prefixed entries, and refuses malformed ones', () => {
    const entries = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(9)];
    const bundle = encodeEntryBundle(entries);
    expect([...bundle.subarray(0, 5)]).toEqual([0, 3, 1, 2, 3]);
    expect([...bundle.subarray(5, 9)]).toEqual([0, 0, 0x01, 0x2c]);
    expect(decodeEntryBundle(bundle).map((e) => [...e])).toEqual(entries.map((e) => [...e]));
    expect(() => decodeEntryBundle(bundle.subarray(0, bundle.length - 1))).toThrow(/truncated in entry 2/);
    expect(() => decodeEntryBundle(new Uint8Array([0]))).toThrow(/truncated in the length/);
    expect(() => encodeEntryBundle([new Uint8Array(0x10000)])).toThrow(/does not fit/);
    // 257 empty entries.
    expect(() => decodeEntryBundle(new Uint8Array(2 * 257))).toThrow(/more than 256/);
  });

  it("hash tiles from the mirror's tree hold RFC 9162 leaf hashes at level 0 and full level-0 tile roots at level 1", async () => {
    const repo = createAuditMirrorRepository(openDatabaseSync(':memory:'));
    const records = Array.from({ length: 600 }, (_, seq) => auditRecord('log-t', seq));
    await repo.recordEvents('log-t', records);
    const leaves = records.map((r) => leafHash(sha256, new TextEncoder().encode(r.body)));
    const read = async (level: number, index: number, width: number) => {
      const nodes = await repo.nodes('log-t', level * 8, index * 256, index * 256 + width);
      return hashTileBytes({ level, index, width }, (_l, i) => nodes[i - index * 256]);
    };
    const concat = (parts: ReadonlyArray<Uint8Array>) => Buffer.concat(parts.map((p) => Buffer.from(p)));
    expect(Buffer.from(await read(0, 1, 256)).equals(concat(leaves.slice(256, 512)))).toBe(true);
    expect(Buffer.from(await read(0, 2, 88)).equals(concat(leaves.slice(512, 600)))).toBe(true);
    const level1 = [0, 1].map((n) => rootFromLeafHashes(sha256, leaves.slice(n * 256, (n + 1) * 256)));
    expect(Buffer.from(await read(1, 0, 2)).equals(concat(level1))).toBe(true);
    await expect(read(0, 2, 89)).rejects.toThrow(/missing/);
  });
});
