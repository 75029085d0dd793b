// Float64 reference of dropout: the same PCG hash as shaders/dropout.wgsl
// decides which elements are kept, so the reference sees the GPU's mask.

function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> (((state >>> 28) + 4) >>> 0)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

export function kept(i: number, seed: number, keep: number, group: number): boolean {
  const r = pcgHash((Math.floor(i / group) ^ pcgHash(seed)) >>> 0);
  return Math.fround((r >>> 8) * (1 / 16777216)) < keep;
}

export function dropout(x: Float64Array, seed: number, keep: number, group: number): Float64Array {
  return x.map((v, i) => (kept(i, seed, keep, group) ? v / keep : 0));
}

export const dropoutGrad = dropout;
