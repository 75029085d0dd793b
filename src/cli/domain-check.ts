// The domain check (src/eval/domain.ts) in the main job and `dicnet eval`:
// its reference from the dataset's validation split, and how many images of
// each evaluated split it calls unusual.

import type { DatasetIndex } from '../data/dataset';
import { DOMAIN_SCORES, referenceFromMeans, unusualScores, type DomainReference, type DomainScore } from '../eval/domain';
import type { SplitEvaluation } from './evaluation';

/** From the validation split of the training dataset; null where it has none. */
export function domainReference(evaluations: readonly SplitEvaluation[], index: DatasetIndex): DomainReference | null {
  const reference = evaluations.find((e) => e.source === 'dataset' && e.split === 'validation');
  return reference ? referenceFromMeans(`${index.layout} ${reference.split}`, reference.imageMeans) : null;
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
