// Derives independent 32-bit seeds from a base seed and a path of integers
// (epoch, split, image index), so any part of a seeded process can be redone
// on its own and gives the same result as in a full run.

export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h >>> 0;
}
