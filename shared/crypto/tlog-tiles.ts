/**
 * The C2SP tlog-tiles layout (https://c2sp.org/tlog-tiles): a log's Merkle tree as static "tiles" of
 * 256 hashes and its entries as "entry bundles" of 256, so that a reader fetches about n/256 objects.
 * Pure: paths, the bundle encoding, and which tiles a tree of a given size has.
 *
 *   tile/<L>/<N>[.p/<W>]       hash tile: hashes of level 8L of the RFC 9162 tree, 256 wide (or W, partial)
 *   tile/entries/<N>[.p/<W>]   entry bundle: big-endian uint16 length-prefixed entries
 *
 * <N> is written in 3-digit groups, all but the last prefixed with 'x' (1234067 -> x001/x234/067), as
 * the spec and transparency-dev/tessera's api/layout/paths.go do.
 */
export const TILE_WIDTH = 256;
/** Tree levels a tile spans: a tile at level L holds nodes of tree level 8L. */
export const TILE_HEIGHT = 8;
export const TILE_HASH_BYTES = 32;
/** The largest entry a bundle can carry (its length is a uint16). */
export const MAX_BUNDLE_ENTRY_BYTES = 0xffff;

/** A tile (or bundle) of a tree: `width` 256 is full, 1-255 partial. */
export type TileId = { level: number; index: number; width: number };

function assertIndex(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
}

/** The <N> path element: 1234067 -> "x001/x234/067". */
export function tileIndexPath(index: number): string {
  assertIndex(index, 'tile index');
  let n = index;
  let path = String(n % 1000).padStart(3, '0');
  n = Math.floor(n / 1000);
  while (n > 0) {
    path = `x${String(n % 1000).padStart(3, '0')}/${path}`;
    n = Math.floor(n / 1000);
  }
  return path;
}

function withWidth(index: number, width: number): string {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) throw new RangeError(`tile width must be 1-${TILE_WIDTH}, got ${width}`);
  return width === TILE_WIDTH ? tileIndexPath(index) : `${tileIndexPath(index)}.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`, relative to the log's prefix. */
export function hashTilePath(tile: Readonly<TileId>): string {
  if (!Number.isInteger(tile.level) || tile.level < 0 || tile.level > 63) throw new RangeError(`tile level must be 0-63, got ${tile.level}`);
  return `tile/${tile.level}/${withWidth(tile.index, tile.width)}`;
}

/** `tile/entries/<N>[.p/<W>]`, relative to the log's prefix. */
export function entryBundlePath(index: number, width: number): string {
  return `tile/entries/${withWidth(index, width)}`;
}

/** The width of the rightmost tile at `level` of a tree of `size`: floor(size / 256^level) mod 256 (0: none). */
export function partialWidth(level: number, size: number): number {
  return Math.floor(size / TILE_WIDTH ** level) % TILE_WIDTH;
}

/** Number of full tiles at `level` of a tree of `size`. */
export function fullTiles(level: number, size: number): number {
  return Math.floor(size / TILE_WIDTH ** (level + 1));
}

/**
 * Every tile of a tree of `size`, level by level: its full tiles and, where the level has one, its
 * partial tile. A tree of 70,000 has 273 full and one partial (112) at level 0, one full and one
 * partial (17) at level 1, one partial (1) at level 2, as the spec's example says.
 */
export function tilesOfTree(size: number): Array<TileId> {
  assertIndex(size, 'tree size');
  const tiles: Array<TileId> = [];
  for (let level = 0; size >= TILE_WIDTH ** level; level += 1) {
    const full = fullTiles(level, size);
    for (let index = 0; index < full; index += 1) tiles.push({ level, index, width: TILE_WIDTH });
    const width = partialWidth(level, size);
    if (width > 0) tiles.push({ level, index: full, width });
  }
  return tiles;
}

/**
 * The tiles a log publishes when it grows from `fromSize` (already published) to `toSize`: every tile
 * that became full since, and the partial tiles of `toSize`. Full tiles are thus written once.
 */
export function tilesToPublish(fromSize: number, toSize: number): Array<TileId> {
  assertIndex(fromSize, 'tree size');
  if (toSize < fromSize) throw new RangeError(`a log does not shrink: ${fromSize} -> ${toSize}`);
  return tilesOfTree(toSize).filter((tile) => tile.width < TILE_WIDTH || tile.index >= fullTiles(tile.level, fromSize));
}

/**
 * The hashes of a tile, read from a store of perfect subtrees (node (L, i) = MTH of leaves
 * [i * 2^L, (i + 1) * 2^L)): hash j of tile (l, n) is node (8l, n * 256 + j).
 */
export function hashTileBytes(tile: Readonly<TileId>, readNode: (level: number, index: number) => Uint8Array | undefined): Uint8Array {
  const out = new Uint8Array(tile.width * TILE_HASH_BYTES);
  for (let j = 0; j < tile.width; j += 1) {
    const node = readNode(tile.level * TILE_HEIGHT, tile.index * TILE_WIDTH + j);
    if (!node || node.length !== TILE_HASH_BYTES) throw new RangeError(`tree node (${tile.level * TILE_HEIGHT}, ${tile.index * TILE_WIDTH + j}) is missing: the tree is smaller than tile ${hashTilePath(tile)}`);
    out.set(node, j * TILE_HASH_BYTES);
  }
  return out;
}

/**
 * Where tree node (level, index) lies in the tiles: a node of level 8L + r is the perfect subtree over
 * 2^r consecutive hashes of one tile at level L (2^r <= 128 divides 256, so they never straddle two).
 */
export function tileSpanOfNode(level: number, index: number): { tileLevel: number; tileIndex: number; offset: number; count: number } {
  assertIndex(level, 'tree level');
  assertIndex(index, 'node index');
  const count = 2 ** (level % TILE_HEIGHT);
  const first = index * count;
  return { tileLevel: Math.floor(level / TILE_HEIGHT), tileIndex: Math.floor(first / TILE_WIDTH), offset: first % TILE_WIDTH, count };
}

/** An entry bundle: each entry as a big-endian uint16 length, then its bytes. */
export function encodeEntryBundle(entries: ReadonlyArray<Uint8Array>): Uint8Array {
  if (entries.length < 1 || entries.length > TILE_WIDTH) throw new RangeError(`an entry bundle holds 1-${TILE_WIDTH} entries, got ${entries.length}`);
  const out = new Uint8Array(entries.reduce((n, e) => n + 2 + e.length, 0));
  let offset = 0;
  for (const entry of entries) {
    if (entry.length > MAX_BUNDLE_ENTRY_BYTES) throw new RangeError(`an entry of ${entry.length} bytes does not fit a bundle (at most ${MAX_BUNDLE_ENTRY_BYTES})`);
    out[offset] = entry.length >> 8;
    out[offset + 1] = entry.length & 0xff;
    out.set(entry, offset + 2);
    offset += 2 + entry.length;
  }
  return out;
}

/** The entries of a bundle; throws RangeError on a truncated or overlong bundle. */
export function decodeEntryBundle(bytes: Uint8Array): Array<Uint8Array> {
  const entries: Array<Uint8Array> = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 2 > bytes.length) throw new RangeError(`entry bundle truncated in the length of entry ${entries.length}`);
    const length = (bytes[offset]! << 8) | bytes[offset + 1]!;
    if (offset + 2 + length > bytes.length) throw new RangeError(`entry bundle truncated in entry ${entries.length} (${length} bytes announced)`);
    entries.push(bytes.subarray(offset + 2, offset + 2 + length));
    offset += 2 + length;
    if (entries.length > TILE_WIDTH) throw new RangeError(`entry bundle holds more than ${TILE_WIDTH} entries`);
  }
  return entries;
}
