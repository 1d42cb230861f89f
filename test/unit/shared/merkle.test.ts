import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../../shared/crypto/merkle';

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(sha256, new TextEncoder().encode(`event-${i}`)));

/** The recursive definition of RFC 9162 2.1.1, to check the iterative one against. */
function mth(d: ReadonlyArray<Uint8Array>): Uint8Array {
  if (d.length === 0) return sha256(new Uint8Array(0));
  if (d.length === 1) return d[0]!;
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return nodeHash(sha256, mth(d.slice(0, k)), mth(d.slice(k)));
}

describe('RFC 9162 Merkle tree', () => {
  it('hashes the empty tree and single leaves as the RFC says', () => {
    expect(hex(rootFromLeafHashes(sha256, []))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(leafHash(sha256, new Uint8Array(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  it('matches the recursive definition for every size up to 40', () => {
    for (let n = 0; n <= 40; n += 1) expect(hex(rootFromLeafHashes(sha256, leaves(n)))).toBe(hex(mth(leaves(n))));
  });

  it('proves and verifies inclusion of every leaf, and rejects a wrong leaf, index or root', () => {
    for (const n of [1, 2, 3, 5, 7, 8, 13, 32, 33]) {
      const d = leaves(n);
      const root = rootFromLeafHashes(sha256, d);
      for (let m = 0; m < n; m += 1) {
        const proof = inclusionProof(sha256, d, m);
        expect(verifyInclusion(sha256, { leafIndex: m, treeSize: n, leafHash: d[m]!, proof, root })).toBe(true);
        if (n > 1) {
          expect(verifyInclusion(sha256, { leafIndex: m, treeSize: n, leafHash: d[(m + 1) % n]!, proof, root })).toBe(false);
          expect(verifyInclusion(sha256, { leafIndex: (m + 1) % n, treeSize: n, leafHash: d[m]!, proof, root })).toBe(false);
        }
        expect(verifyInclusion(sha256, { leafIndex: m, treeSize: n, leafHash: d[m]!, proof, root: sha256(root) })).toBe(false);
      }
    }
  });

  it('proves that an older tree is a prefix of a newer one, and catches a rewritten history', () => {
    const d = leaves(21);
    for (let m = 1; m <= 21; m += 1) {
      for (const n of [m, Math.min(21, m + 1), 21]) {
        const proof = consistencyProof(sha256, d.slice(0, n), m);
        const args = { oldSize: m, newSize: n, oldRoot: rootFromLeafHashes(sha256, d.slice(0, m)), newRoot: rootFromLeafHashes(sha256, d.slice(0, n)), proof };
        expect(verifyConsistency(sha256, args), `${m} -> ${n}`).toBe(true);
      }
    }
    const forged = [...leaves(21)];
    forged[4] = leafHash(sha256, new TextEncoder().encode('altered'));
    const proof = consistencyProof(sha256, forged, 8);
    expect(
      verifyConsistency(sha256, { oldSize: 8, newSize: 21, oldRoot: rootFromLeafHashes(sha256, d.slice(0, 8)), newRoot: rootFromLeafHashes(sha256, forged), proof }),
    ).toBe(false);
  });
});

describe('hashes that are not 32 bytes', () => {
  const leaf = leafHash(sha256, new TextEncoder().encode('event-0'));
  const sibling = leafHash(sha256, new TextEncoder().encode('event-1'));
  const lengths = [0, 1, 31, 33, 64];

  it('are refused as a leaf, a root or a path element of an inclusion proof, even where the arithmetic would agree', () => {
    // Each case would verify if lengths were not checked: the root is computed from the odd-sized hash.
    expect(verifyInclusion(sha256, { leafIndex: 0, treeSize: 1, leafHash: new Uint8Array(0), proof: [], root: new Uint8Array(0) })).toBe(false);
    for (const n of lengths) {
      const odd = new Uint8Array(n).fill(7);
      expect(verifyInclusion(sha256, { leafIndex: 0, treeSize: 1, leafHash: odd, proof: [], root: odd }), `leaf and root of ${n} bytes`).toBe(false);
      expect(verifyInclusion(sha256, { leafIndex: 0, treeSize: 2, leafHash: odd, proof: [sibling], root: nodeHash(sha256, odd, sibling) }), `leaf of ${n} bytes`).toBe(false);
      expect(verifyInclusion(sha256, { leafIndex: 0, treeSize: 2, leafHash: leaf, proof: [odd], root: nodeHash(sha256, leaf, odd) }), `path element of ${n} bytes`).toBe(false);
    }
    // The same shapes with 32-byte hashes verify: only the length is refused.
    expect(verifyInclusion(sha256, { leafIndex: 0, treeSize: 2, leafHash: leaf, proof: [sibling], root: nodeHash(sha256, leaf, sibling) })).toBe(true);
  });

  it('are refused as either root or a path element of a consistency proof', () => {
    expect(verifyConsistency(sha256, { oldSize: 1, newSize: 1, oldRoot: new Uint8Array(0), newRoot: new Uint8Array(0), proof: [] })).toBe(false);
    for (const n of lengths) {
      const odd = new Uint8Array(n).fill(7);
      expect(verifyConsistency(sha256, { oldSize: 1, newSize: 1, oldRoot: odd, newRoot: odd, proof: [] }), `roots of ${n} bytes`).toBe(false);
      expect(verifyConsistency(sha256, { oldSize: 1, newSize: 2, oldRoot: odd, newRoot: nodeHash(sha256, odd, sibling), proof: [sibling] }), `old root of ${n} bytes`).toBe(false);
      expect(verifyConsistency(sha256, { oldSize: 1, newSize: 2, oldRoot: leaf, newRoot: nodeHash(sha256, leaf, odd), proof: [odd] }), `path element of ${n} bytes`).toBe(false);
    }
    expect(verifyConsistency(sha256, { oldSize: 1, newSize: 2, oldRoot: leaf, newRoot: nodeHash(sha256, leaf, sibling), proof: [sibling] })).toBe(true);
  });
});
