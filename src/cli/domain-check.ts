// Whether a photo looks unlike the training data, judged on the whole image:
// its mean DiCNet discrepancy and its mean MSP score against their spread over
// the dataset's own validation images (in the training domain). The quantiles
// travel in the student's metadata, so `dicnet infer` and the demo can warn
// that a photo's scores mean little; the report says how often each set would.

import type { DatasetIndex } from '../data/dataset';
import { DOMAIN_SCORES, type DomainScore, type SplitEvaluation } from './evaluation';

const QUANTILES = { p95: 0.95, p99: 0.99, max: 1 } as const;
type Quantile = keyof typeof QUANTILES;

export interface DomainReference {
  /** The split the quantiles come from, and its image count. */
  split: string;
  images: number;
  values: Record<DomainScore, Record<Quantile, number>>;
}

/** The quantile a photo is compared with: a photo whose mean is above it on any domain score is called unusual. */
export const DOMAIN_LIMIT: Quantile = 'p99';

const key = (score: DomainScore, q: Quantile) => `domain_${score === 'dicnetKl' ? 'dicnet_kl' : score}_mean_${q}`;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))]!;
}

/** From the validation split of the training dataset; null where it has none. */
export function domainReference(evaluations: readonly SplitEvaluation[], index: DatasetIndex): DomainReference | null {
  const reference = evaluations.find((e) => e.source === 'dataset' && e.split === 'validation');
  if (!reference || reference.images === 0) return null;
  const values = Object.fromEntries(
    DOMAIN_SCORES.map((score) => {
      const sorted = [...reference.imageMeans[score]].sort((a, b) => a - b);
      return [score, Object.fromEntries(Object.entries(QUANTILES).map(([q, at]) => [q, quantile(sorted, at)]))];
    }),
  ) as DomainReference['values'];
  return { split: `${index.layout} ${reference.split}`, images: reference.images, values };
}

export function domainMetadata(ref: DomainReference): Record<string, string> {
  const entries: Record<string, string> = { domain_reference: `${ref.split} (${ref.images} images)` };
  for (const score of DOMAIN_SCORES) for (const q of Object.keys(QUANTILES) as Quantile[]) entries[key(score, q)] = String(ref.values[score][q]);
  return entries;
}

/** The reference a student checkpoint carries; null for one written without it. */
export function readDomainReference(metadata: Readonly<Record<string, string>>): DomainReference | null {
  const values = {} as DomainReference['values'];
  for (const score of DOMAIN_SCORES) {
    values[score] = {} as Record<Quantile, number>;
    for (const q of Object.keys(QUANTILES) as Quantile[]) {
      const v = Number(metadata[key(score, q)]);
      if (!Number.isFinite(v)) return null;
      values[score][q] = v;
    }
  }
  const match = /^(.*) \((\d+) images\)$/.exec(metadata.domain_reference ?? '');
  return { split: match?.[1] ?? 'validation', images: Number(match?.[2] ?? 0), values };
}

/** The domain scores on which an image's means lie above the reference's limit. */
export function unusualScores(ref: DomainReference, means: Record<DomainScore, number>): DomainScore[] {
  return DOMAIN_SCORES.filter((score) => means[score] > ref.values[score][DOMAIN_LIMIT]);
}

/** Share of a split's images the check calls unusual. */
export function unusualShare(ref: DomainReference, e: SplitEvaluation): number {
  if (e.images === 0) return 0;
  let unusual = 0;
  for (let i = 0; i < e.images; i++) {
    const means = Object.fromEntries(DOMAIN_SCORES.map((s) => [s, e.imageMeans[s][i]!])) as Record<DomainScore, number>;
    if (unusualScores(ref, means).length > 0) unusual++;
  }
  return unusual / e.images;
}
