// Compact bookkeeping for collapsing a large log: which line last held each (block_number, kind)
// key, and which lines a later one superseded. Typed arrays instead of a Map of strings keep a
// million keys in ~16 MB and out of the garbage collector's way.

/** Probes after which the table stops trusting its locality-keeping hash. */
const MAX_PROBES = 64;
/** Marks an empty slot; keys from here up live in a Map (block numbers beyond 2^30: rare). */
const EMPTY = 0xffffffff;

/** Open-addressing hash map from non-negative integer keys to line ordinals (0 … 2^32 − 1). */
export class KeyIndex {
  private keys: Uint32Array;
  private vals: Uint32Array;
  private mask: number;
  private used = 0;
  private readonly big = new Map<number, number>();
  /**
   * Keys of a log are runs of nearby block numbers, so the identity hash (low bits) puts them in
   * nearby slots: measured several times faster than a scrambling hash, which turns every lookup
   * into a cache miss. A crafted log could collide on purpose; then we rehash, scrambled.
   */
  private scrambled = false;
  private longProbe = false;

  /** `expected`: keys likely to come (e.g. estimated from file size); avoids rehashing as it fills. */
  constructor(expected = 1 << 15) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keys = new Uint32Array(cap).fill(EMPTY);
    this.vals = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.used + this.big.size;
  }

  private hash(key: number): number {
    if (!this.scrambled) return key & this.mask;
    let h = key; // murmur3's finaliser
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h & this.mask;
  }

  private slot(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.hash(key);
    let probes = 0;
    while (keys[i] !== EMPTY && keys[i] !== key) {
      i = (i + 1) & mask;
      probes++;
    }
    if (probes > MAX_PROBES && !this.scrambled) this.longProbe = true;
    return i;
  }

  /** The value stored for key, or -1. */
  get(key: number): number {
    if (key >= EMPTY) return this.big.get(key) ?? -1;
    const i = this.slot(key);
    return this.keys[i] === key ? this.vals[i] : -1;
  }

  set(key: number, value: number): void {
    this.upsert(key, value);
  }

  /** Stores value for key and returns the value it replaces, or -1: one lookup instead of get() + set(). */
  upsert(key: number, value: number): number {
    if (key >= EMPTY) {
      const prev = this.big.get(key) ?? -1;
      this.big.set(key, value);
      return prev;
    }
    const i = this.slot(key);
    let prev = -1;
    if (this.keys[i] === key) prev = this.vals[i];
    else {
      this.keys[i] = key;
      this.used++;
    }
    this.vals[i] = value;
    if (this.used * 2 > this.keys.length) {
      this.scrambled = false; // a bigger table may suit the locality-keeping hash again
      this.rehash(this.keys.length * 2);
    } else if (this.longProbe) {
      this.scrambled = true;
      this.rehash(this.keys.length);
    }
    return prev;
  }

  private rehash(capacity: number): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.keys = new Uint32Array(capacity).fill(EMPTY);
    this.vals = new Uint32Array(capacity);
    this.mask = capacity - 1;
    this.longProbe = false;
    for (let j = 0; j < oldKeys.length; j++) {
      if (oldKeys[j] === EMPTY) continue;
      const i = this.slot(oldKeys[j]);
      this.keys[i] = oldKeys[j];
      this.vals[i] = oldVals[j];
    }
  }
}

/** A growable set of small non-negative integers (line ordinals). */
export class BitSet {
  private words = new Uint32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(i: number): void {
    const w = i >>> 5;
    if (w >= this.words.length) {
      let n = this.words.length * 2;
      while (n <= w) n *= 2;
      const bigger = new Uint32Array(n);
      bigger.set(this.words);
      this.words = bigger;
    }
    const bit = 1 << (i & 31);
    if ((this.words[w] & bit) === 0) {
      this.words[w] |= bit;
      this.count++;
    }
  }

  has(i: number): boolean {
    const w = i >>> 5;
    return w < this.words.length && (this.words[w] & (1 << (i & 31))) !== 0;
  }
}
