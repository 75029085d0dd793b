// Small helpers over the seeded Random for drawing scene parameters.

import type { Random } from '../../base/random';

export function uniform(rng: Random, lo: number, hi: number): number {
  return lo + rng.next() * (hi - lo);
}

export function chance(rng: Random, p: number): boolean {
  return rng.next() < p;
}

export function pick<T>(rng: Random, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

/** Picks a key with probability proportional to its weight. */
export function weighted<K extends string>(rng: Random, weights: Readonly<Record<K, number>>): K {
  const keys = Object.keys(weights) as K[];
  const total = keys.reduce((sum, k) => sum + weights[k], 0);
  let r = rng.next() * total;
  for (const k of keys) {
    r -= weights[k];
    if (r < 0) return k;
  }
  return keys[keys.length - 1]!;
}
