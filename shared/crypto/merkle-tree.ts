import { nodeHash, type HashFn } from './merkle';

/**
 * An append-only RFC 9162 tree kept as its perfect subtrees: node (level L, index i) is the hash of
 * leaves [i * 2^L, (i + 1) * 2^L). Every subtree hash a root or a proof needs is a fold of at most
 * log2(n) such nodes, so a store of nodes (SQLite, memory) answers roots and proofs of any size in
 * O(log n) lookups instead of rehashing every leaf. Pure: the store and the hash are passed in.
 */
export type NodeId = { level: number; index: number };
export type LeafRange = { start: number; end: number };

/** Reads a stored perfect-subtree node; absent means the tree is smaller than asked. */
export type NodeReader = (level: number, index: number) => Uint8Array | undefined;

/**
 * The nodes that appending leaf number `index` (0-based, the tree's size before it) completes: the leaf
 * itself, then each parent whose right child it finishes. The left siblings come from `read`.
 */
export function nodesCompletedByLeaf(hash: HashFn, read: NodeReader, index: number, leaf: Uint8Array): Array<NodeId & { hash: Uint8Array }> {
  const out: Array<NodeId & { hash: Uint8Array }> = [{ level: 0, index, hash: leaf }];
  let current = leaf;
  let level = 0;
  let position = index;
  while (position % 2 === 1) {
    const left = read(level, position - 1);
    if (!left) throw new RangeError(`merkle node (${level}, ${position - 1}) is missing: leaves must be appended in order`);
    current = nodeHash(hash, left, current);
    position = (position - 1) / 2;
    level += 1;
    out.push({ level, index: position, hash: current });
  }
  return out;
}

/**
 * The perfect, aligned subtrees whose fold (right to left) is MTH(D[start:end]), largest first. Valid
 * for the ranges RFC 9162's recursion produces, whose start is a multiple of a power of two >= their size.
 */
export function perfectNodesOf(range: LeafRange): Array<NodeId> {
  const size = range.end - range.start;
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`empty or invalid leaf range [${range.start}, ${range.end})`);
  const nodes: Array<NodeId> = [];
  let position = range.start;
  for (let level = Math.floor(Math.log2(size)); level >= 0; level -= 1) {
    const width = 2 ** level;
    if (Math.floor(size / width) % 2 === 1) {
      if (position % width !== 0) throw new RangeError(`leaf range [${range.start}, ${range.end}) is not aligned to the tree`);
      nodes.push({ level, index: position / width });
      position += width;
    }
  }
  return nodes;
}

/** MTH(D[start:end]) from its perfect subtrees (as perfectNodesOf lists them). */
export function foldNodes(hash: HashFn, nodes: ReadonlyArray<Uint8Array>): Uint8Array {
  if (nodes.length === 0) throw new RangeError('no nodes to fold');
  let acc = nodes[nodes.length - 1]!;
  for (let i = nodes.length - 2; i >= 0; i -= 1) acc = nodeHash(hash, nodes[i]!, acc);
  return acc;
}

/** Largest power of two strictly less than n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The leaf ranges whose hashes form PATH(index, D[0:size]) (RFC 9162 2.1.3.1), in proof order. */
export function inclusionProofRanges(index: number, size: number): Array<LeafRange> {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path = (m: number, start: number, end: number): Array<LeafRange> => {
    if (end - start <= 1) return [];
    const k = split(end - start);
    return m < k
      ? [...path(m, start, start + k), { start: start + k, end }]
      : [...path(m - k, start + k, end), { start, end: start + k }];
  };
  return path(index, 0, size);
}

/** The leaf ranges whose hashes form PROOF(oldSize, D[0:newSize]) (RFC 9162 2.1.4.1), in proof order. */
export function consistencyProofRanges(oldSize: number, newSize: number): Array<LeafRange> {
  if (!Number.isSafeInteger(oldSize) || oldSize < 1 || oldSize > newSize) throw new RangeError(`no consistency proof from ${oldSize} to ${newSize}`);
  const subproof = (m: number, start: number, end: number, complete: boolean): Array<LeafRange> => {
    if (m === end - start) return complete ? [] : [{ start, end }];
    const k = split(end - start);
    return m <= k
      ? [...subproof(m, start, start + k, complete), { start: start + k, end }]
      : [...subproof(m - k, start + k, end, false), { start, end: start + k }];
  };
  return subproof(oldSize, 0, newSize, true);
}

/** Roots and proofs over a node store; throws RangeError when the store holds fewer leaves than asked. */
export class MerkleNodeView {
  constructor(
    private readonly hash: HashFn,
    private readonly read: NodeReader,
  ) {}

  rangeHash(range: LeafRange): Uint8Array {
    return foldNodes(
      this.hash,
      perfectNodesOf(range).map(({ level, index }) => {
        const node = this.read(level, index);
        if (!node) throw new RangeError(`merkle node (${level}, ${index}) is missing: the tree holds fewer than ${range.end} leaves`);
        return node;
      }),
    );
  }

  /** MTH(D[0:size]); the empty tree hashes the empty string. */
  root(size: number): Uint8Array {
    return size === 0 ? this.hash(new Uint8Array(0)) : this.rangeHash({ start: 0, end: size });
  }

  inclusionProof(index: number, size: number): Array<Uint8Array> {
    return inclusionProofRanges(index, size).map((range) => this.rangeHash(range));
  }

  consistencyProof(oldSize: number, newSize: number): Array<Uint8Array> {
    return consistencyProofRanges(oldSize, newSize).map((range) => this.rangeHash(range));
  }
}

/** The whole tree in memory, one array per level: for verifiers and benchmarks. */
export class InMemoryMerkleTree {
  private readonly levels: Array<Array<Uint8Array>> = [];
  readonly view: MerkleNodeView;

  constructor(private readonly hash: HashFn) {
    this.view = new MerkleNodeView(hash, (level, index) => this.levels[level]?.[index]);
  }

  get size(): number {
    return this.levels[0]?.length ?? 0;
  }

  /** Appends a leaf hash (RFC 9162 leaf hash, not the entry). */
  append(leaf: Uint8Array): void {
    for (const node of nodesCompletedByLeaf(this.hash, (level, index) => this.levels[level]?.[index], this.size, leaf)) {
      (this.levels[node.level] ??= [])[node.index] = node.hash;
    }
  }

  root(size = this.size): Uint8Array {
    return this.view.root(size);
  }
}
