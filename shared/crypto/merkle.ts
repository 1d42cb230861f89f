/**
 * Merkle tree hashing and proofs as RFC 9162 (Certificate Transparency 2.0) section 2.1 defines them.
 * Pure: the SHA-256 implementation is passed in (Node's crypto in the engine, a JS one offline).
 *   leaf hash:  SHA-256(0x00 || entry)
 *   node hash:  SHA-256(0x01 || left || right), with the split at the largest power of two < n.
 */
export type HashFn = (data: Uint8Array) => Uint8Array;

const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
};

export const leafHash = (hash: HashFn, entry: Uint8Array): Uint8Array => hash(concat(Uint8Array.of(0), entry));
export const nodeHash = (hash: HashFn, left: Uint8Array, right: Uint8Array): Uint8Array => hash(concat(Uint8Array.of(1), left, right));

/** Largest power of two strictly less than n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaf hashes (RFC 9162 2.1.1); the empty tree hashes the empty string. */
export function rootFromLeafHashes(hash: HashFn, leaves: ReadonlyArray<Uint8Array>): Uint8Array {
  if (leaves.length === 0) return hash(new Uint8Array(0));
  // Bottom-up: each level pairs neighbours; a lone last node is carried up unchanged. This equals
  // the recursive definition with the split at the largest power of two.
  let level = [...leaves];
  while (level.length > 1) {
    const next: Array<Uint8Array> = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(hash, level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level.at(-1)!);
    level = next;
  }
  return level[0]!;
}

/** PATH(m, D[n]): the inclusion proof of leaf m in the tree of the first n leaves (RFC 9162 2.1.3.1). */
export function inclusionProof(hash: HashFn, leaves: ReadonlyArray<Uint8Array>, index: number): Array<Uint8Array> {
  if (index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} is not in a tree of ${leaves.length}`);
  const path = (m: number, d: ReadonlyArray<Uint8Array>): Array<Uint8Array> => {
    if (d.length <= 1) return [];
    const k = split(d.length);
    return m < k
      ? [...path(m, d.slice(0, k)), rootFromLeafHashes(hash, d.slice(k))]
      : [...path(m - k, d.slice(k)), rootFromLeafHashes(hash, d.slice(0, k))];
  };
  return path(index, leaves);
}

/** PROOF(m, D[n]): the consistency proof between the trees of the first m and n leaves (RFC 9162 2.1.4.1). */
export function consistencyProof(hash: HashFn, leaves: ReadonlyArray<Uint8Array>, oldSize: number): Array<Uint8Array> {
  if (oldSize < 1 || oldSize > leaves.length) throw new RangeError(`no consistency proof from ${oldSize} to ${leaves.length}`);
  const subproof = (m: number, d: ReadonlyArray<Uint8Array>, complete: boolean): Array<Uint8Array> => {
    if (m === d.length) return complete ? [] : [rootFromLeafHashes(hash, d)];
    const k = split(d.length);
    return m <= k
      ? [...subproof(m, d.slice(0, k), complete), rootFromLeafHashes(hash, d.slice(k))]
      : [...subproof(m - k, d.slice(k), false), rootFromLeafHashes(hash, d.slice(0, k))];
  };
  return subproof(oldSize, leaves, true);
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** SHA-256 output size. A verifier rejects any other length of leaf, root or path element, as RFC 9162 implementations do. */
export const HASH_BYTES = 32;
const isHash = (value: Uint8Array): boolean => value.length === HASH_BYTES;

/** Verifies an inclusion proof (RFC 9162 2.1.3.2). */
export function verifyInclusion(
  hash: HashFn,
  args: { leafIndex: number; treeSize: number; leafHash: Uint8Array; proof: ReadonlyArray<Uint8Array>; root: Uint8Array },
): boolean {
  const { leafIndex, treeSize, proof } = args;
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex >= treeSize || leafIndex < 0) return false;
  if (!isHash(args.leafHash) || !isHash(args.root) || !proof.every(isHash)) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = args.leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(hash, p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(hash, r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && equal(r, args.root);
}

/** Verifies a consistency proof between two tree heads (RFC 9162 2.1.4.2). */
export function verifyConsistency(
  hash: HashFn,
  args: { oldSize: number; newSize: number; oldRoot: Uint8Array; newRoot: Uint8Array; proof: ReadonlyArray<Uint8Array> },
): boolean {
  const { oldSize, newSize } = args;
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize > newSize || oldSize < 1) return false;
  if (!isHash(args.oldRoot) || !isHash(args.newRoot) || !args.proof.every(isHash)) return false;
  if (oldSize === newSize) return args.proof.length === 0 && equal(args.oldRoot, args.newRoot);
  let proof = [...args.proof];
  if (proof.length === 0) return false;
  // If the old size is an exact power of two, the old root is the first node of the path.
  if ((oldSize & (oldSize - 1)) === 0) proof = [args.oldRoot, ...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn >>= 1;
    sn >>= 1;
  }
  let fr = proof[0]!;
  let sr = proof[0]!;
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(hash, c, fr);
      sr = nodeHash(hash, c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = nodeHash(hash, sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && equal(fr, args.oldRoot) && equal(sr, args.newRoot);
}
