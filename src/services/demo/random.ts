/**
 * The demo's only source of chance: a seeded PRNG (mulberry32), so that the same seed gives the same workspace.
 * Nothing in the demo calls Math.random().
 */

/** A deterministic stream of numbers in [0, 1) and the few draws the simulation needs. */
export class DemoRandom {
  private state: number;

  constructor(seed: number) {
    // Any integer seed; 0 is as good as any other once mixed.
    this.state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** The next number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** An integer from `min` to `max`, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A number from `min` to `max`. */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** One of the items. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** The items in a shuffled order (Fisher–Yates); the input is not changed. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** A child stream, so that one part's draws do not shift another's. */
  fork(label: string): DemoRandom {
    let hash = 2166136261;
    for (const char of label) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 16777619);
    return new DemoRandom((this.state ^ hash) >>> 0);
  }
}
