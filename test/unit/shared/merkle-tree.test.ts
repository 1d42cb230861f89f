import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consistencyProof, inclusionProof, leafHash, rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../../../shared/crypto/merkle';
import { InMemoryMerkleTree, MerkleNodeView, nodesCompletedByLeaf, perfectNodesOf } from '../../../shared/crypto/merkle-tree';

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const hexAll = (list: ReadonlyArray<Uint8Array>) => list.map(hex);
const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(sha256, new TextEncoder().encode(`event-${i}`)));

function treeOf(n: number): InMemoryMerkleTree {
  const tree = new InMemoryMerkleTree(sha256);
  for (const leaf of leaves(n)) tree.append(leaf);
  return tree;
}

describe('Merkle tree kept as perfect subtrees', () => {
  it('gives the same root as the array definition for every size up to 70, from one growing tree', () => {
    const all = leaves(70);
    const tree = treeOf(70);
    for (let n = 0; n <= 70; n += 1) expect(hex(tree.root(n))).toBe(hex(rootFromLeafHashes(sha256, all.slice(0, n))));
  });

  it('gives the same inclusion and consistency proofs as the array definition, and they verify', () => {
    const all = leaves(45);
    const tree = treeOf(45);
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33, 45]) {
      const d = all.slice(0, n);
      const root = tree.root(n);
      for (let m = 0; m < n; m += 1) {
        const proof = tree.view.inclusionProof(m, n);
        expect(hexAll(proof)).toEqual(hexAll(inclusionProof(sha256, d, m)));
        expect(verifyInclusion(sha256, { leafIndex: m, treeSize: n, leafHash: d[m]!, proof, root })).toBe(true);
      }
      for (let m = 1; m <= n; m += 1) {
        const proof = tree.view.consistencyProof(m, n);
        expect(hexAll(proof)).toEqual(hexAll(consistencyProof(sha256, d, m)));
        expect(verifyConsistency(sha256, { oldSize: m, newSize: n, oldRoot: tree.root(m), newRoot: root, proof })).toBe(true);
      }
    }
  });

  it('stores about two nodes per leaf: the leaf and each parent it completes', () => {
    const stored = new Map<string, Uint8Array>();
    const read = (level: number, index: number) => stored.get(`${level}/${index}`);
    let count = 0;
    for (const [i, leaf] of leaves(64).entries()) {
      for (const node of nodesCompletedByLeaf(sha256, read, i, leaf)) {
        stored.set(`${node.level}/${node.index}`, node.hash);
        count += 1;
      }
    }
    expect(count).toBe(127);
    expect(hex(stored.get('6/0')!)).toBe(hex(rootFromLeafHashes(sha256, leaves(64))));
  });

  it('decomposes aligned ranges into perfect subtrees and refuses unaligned or empty ones', () => {
    expect(perfectNodesOf({ start: 0, end: 13 })).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(perfectNodesOf({ start: 16, end: 19 })).toEqual([
      { level: 1, index: 8 },
      { level: 0, index: 18 },
    ]);
    expect(() => perfectNodesOf({ start: 3, end: 7 })).toThrow(RangeError);
    expect(() => perfectNodesOf({ start: 4, end: 4 })).toThrow(RangeError);
  });

  it('says when it holds fewer leaves than a root or proof needs, and refuses leaves out of order', () => {
    const tree = treeOf(5);
    expect(() => tree.root(6)).toThrow(/fewer than 6 leaves/);
    expect(() => tree.view.consistencyProof(3, 9)).toThrow(RangeError);
    const view = new MerkleNodeView(sha256, () => undefined);
    expect(() => view.root(1)).toThrow(RangeError);
    expect(() => nodesCompletedByLeaf(sha256, () => undefined, 3, leaves(1)[0]!)).toThrow(/appended in order/);
  });
});
