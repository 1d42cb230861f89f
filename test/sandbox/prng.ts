/** Seeded randomness for the sandbox: every generated value derives from a 32-bit seed, never from Math.random. */

export type Rng = {
  /** Uniform [0, 1). */
  next(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** Uniform [min, max). */
  uniform(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: ReadonlyArray<T>): T;
  /** Standard normal deviate (Box-Muller). */
  normal(): number;
  /** A uuid-shaped (version 4 layout) id built from the stream. */
  uuid(): string;
  /** A 32-bit value, for seeding child streams. */
  uint32(): number;
};

/** mulberry32: small, fast and good enough for synthetic data. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => nextUint32() / 4294967296;
  const hex8 = (): string => nextUint32().toString(16).padStart(8, '0');
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    uniform: (min, max) => min + next() * (max - min),
    chance: (probability) => next() < probability,
    pick: <T>(items: ReadonlyArray<T>): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    uuid: () => {
      const a = hex8();
      const b = hex8();
      const c = hex8();
      const d = hex8();
      const variant = ((parseInt(c[0] ?? '0', 16) & 0x3) | 0x8).toString(16);
      return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
    },
    uint32: nextUint32,
  };
}

/** Mix several integers into one seed (FNV-1a over their bytes), so child streams are independent of each other. */
export function deriveSeed(...parts: ReadonlyArray<number>): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    let value = part >>> 0;
    for (let i = 0; i < 4; i += 1) {
      hash ^= value & 0xff;
      hash = Math.imul(hash, 0x01000193) >>> 0;
      value >>>= 8;
    }
  }
  return hash >>> 0;
}
