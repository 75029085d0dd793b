// Class weights for the teacher's cross-entropy: rare classes (poles, signs,
// road lines, a pixel or two wide at the tiny input) otherwise barely move the
// loss, and the teacher never learns them (IoU 0). Square-root balancing,
// measured best among the schemes tried (docs/experiments.md):
//   freq_c = pixels of class c / pixels of all known classes (training split)
//   w_c    = (median over classes of freq / freq_c) ^ power, divided by the
//            smallest w, then capped at `cap` (a class without pixels gets the cap).

export interface ClassWeighting {
  /** 0: every class weighs 1; 0.5: square root (the default); 1: median-frequency balancing. */
  power: number;
  cap: number;
}

export const SQRT_BALANCED: ClassWeighting = { power: 0.5, cap: 10 };

/** Weights of classes 0..counts.length-1 from their pixel counts. */
export function classBalancedWeights(counts: readonly number[], { power, cap }: ClassWeighting = SQRT_BALANCED): Float32Array {
  if (counts.length === 0 || counts.some((c) => !(c >= 0))) throw new RangeError(`class weights need a non-negative pixel count per class, got [${counts.join(', ')}]`);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) throw new RangeError('class weights: the training split has no labelled pixel of a known class');
  const freq = counts.map((c) => c / total);
  const sorted = [...freq].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const raw = freq.map((f) => (median / Math.max(f, 1e-12)) ** power);
  const smallest = Math.min(...raw);
  return Float32Array.from(raw, (w) => Math.min(w / smallest, cap));
}
