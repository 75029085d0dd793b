// One method against another on the same images: per metric, how often the
// method does better on an image (win rate) and a bootstrap 95% confidence
// interval of the mean per-image difference. A mean over a split can be
// carried by a few images; the win rate and the interval show whether it is.

import { Random } from '../base/random';
import type { ImageAnomalyResult, ScoredImage } from './image-metrics';

export const PAIRED_METRICS = ['auroc', 'aupr', 'fpr95'] as const;
export type PairedMetric = (typeof PAIRED_METRICS)[number];

/** FPR95 is better when lower; AUROC and AUPR when higher. */
export const LOWER_IS_BETTER: Record<PairedMetric, boolean> = { auroc: false, aupr: false, fpr95: true };

export interface PairedDifference {
  /** Mean over images of (method - baseline), as fractions (not %). */
  readonly meanDifference: number;
  /** Percentile bootstrap 95% interval of that mean, resampling images. */
  readonly low: number;
  readonly high: number;
  /** Images where the method does better, ties counted half, over all paired images. */
  readonly winRate: number;
  readonly images: number;
}

export interface PairedOptions {
  /** Bootstrap resamples; default 10000. */
  resamples?: number;
  /** Seed of the resampling; default 1, so a report is reproducible. */
  seed?: number;
}

/**
 * Pairs the images scored by both (in the same order, checked by name where
 * given) and compares them metric by metric. Images either method skipped are
 * left out of both.
 */
export function comparePaired(
  method: readonly ImageAnomalyResult[],
  baseline: readonly ImageAnomalyResult[],
  options: PairedOptions = {},
): Record<PairedMetric, PairedDifference> {
  if (method.length !== baseline.length) throw new RangeError(`paired comparison: ${method.length} images against ${baseline.length}`);
  const pairs: [ScoredImage, ScoredImage][] = [];
  method.forEach((m, i) => {
    const b = baseline[i]!;
    if (m.name !== b.name) throw new RangeError(`paired comparison: image ${i} is ${m.name} for one method and ${b.name} for the other`);
    if (m.kind === 'scored' && b.kind === 'scored') pairs.push([m, b]);
  });
  const out = {} as Record<PairedMetric, PairedDifference>;
  for (const metric of PAIRED_METRICS) {
    const differences = pairs.map(([m, b]) => m[metric] - b[metric]);
    out[metric] = summariseDifferences(differences, LOWER_IS_BETTER[metric], options);
  }
  return out;
}

/** Win rate and bootstrap interval of the mean of per-image differences (method - baseline). */
export function summariseDifferences(differences: readonly number[], lowerIsBetter: boolean, options: PairedOptions = {}): PairedDifference {
  const n = differences.length;
  if (n === 0) return { meanDifference: NaN, low: NaN, high: NaN, winRate: NaN, images: 0 };
  let wins = 0;
  for (const d of differences) wins += d === 0 ? 0.5 : (d < 0) === lowerIsBetter ? 1 : 0;
  const [low, high] = bootstrapInterval(differences, options.resamples ?? 10000, options.seed ?? 1);
  return { meanDifference: mean(differences), low, high, winRate: wins / n, images: n };
}

/** Percentile bootstrap: the 2.5% and 97.5% quantiles of resampled means. */
export function bootstrapInterval(values: readonly number[], resamples: number, seed: number): [number, number] {
  const rng = new Random(seed);
  const n = values.length;
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[rng.int(n)]!;
    means[r] = sum / n;
  }
  means.sort();
  return [quantile(means, 0.025), quantile(means, 0.975)];
}

/** Linear interpolation between order statistics (numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (at - below);
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Whether the interval excludes 0, and on which side: what a report may claim. */
export function verdict(d: PairedDifference, lowerIsBetter: boolean): 'better' | 'worse' | 'no difference shown' {
  if (!(d.images > 0) || (d.low <= 0 && d.high >= 0)) return 'no difference shown';
  const above = d.low > 0;
  return above !== lowerIsBetter ? 'better' : 'worse';
}
