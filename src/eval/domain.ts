// Whether a picture looks unlike the training data, judged on the whole
// image: its mean DiCNet (KL) discrepancy against the spread of that mean over
// the dataset's own validation images (in the training domain). Under a change
// of city, camera or light the student stops following the teacher over the
// whole frame, which is DiCNet's weakness as an anomaly score and makes it a
// domain detector. The teacher's mean confidence was tried beside it and left
// out: CamVid's test frames (other streets than its validation frames) made the
// teacher less sure than any validation frame did, so it called 95% of them
// unusual (docs/experiments.md). The quantiles travel in the student's
// metadata, so `dicnet infer` and the demo can say that a photo's scores mean
// little.

/** Scores whose image-wide mean the check compares (the engine's score names). */
export const DOMAIN_SCORES = ['dicnetKl'] as const;
export type DomainScore = (typeof DOMAIN_SCORES)[number];
export const DOMAIN_SCORE_NAMES: Record<DomainScore, string> = { dicnetKl: 'DiCNet (KL)' };

const QUANTILES = { p95: 0.95, p99: 0.99, max: 1 } as const;
type Quantile = keyof typeof QUANTILES;

/** The quantile a picture is compared with: a picture whose mean is above it on any domain score is called unusual. */
export const DOMAIN_LIMIT: Quantile = 'p99';

export interface DomainReference {
  /** The split the quantiles come from ("CamVid validation"), and its image count. */
  split: string;
  images: number;
  values: Record<DomainScore, Record<Quantile, number>>;
}

const key = (score: DomainScore, q: Quantile) => `domain_${score === 'dicnetKl' ? 'dicnet_kl' : score}_mean_${q}`;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))]!;
}

/** From the image-wide means of the in-domain images; null without any. */
export function referenceFromMeans(split: string, imageMeans: Record<DomainScore, readonly number[]>): DomainReference | null {
  const images = imageMeans.dicnetKl.length;
  if (images === 0) return null;
  const values = {} as DomainReference['values'];
  for (const score of DOMAIN_SCORES) {
    const sorted = [...imageMeans[score]].sort((a, b) => a - b);
    values[score] = { p95: quantile(sorted, QUANTILES.p95), p99: quantile(sorted, QUANTILES.p99), max: quantile(sorted, QUANTILES.max) };
  }
  return { split, images, values };
}

export function domainMetadata(ref: DomainReference): Record<string, string> {
  const entries: Record<string, string> = { domain_reference: `${ref.split} (${ref.images} images)` };
  for (const score of DOMAIN_SCORES) for (const q of Object.keys(QUANTILES) as Quantile[]) entries[key(score, q)] = String(ref.values[score][q]);
  return entries;
}

/** The reference a student checkpoint carries; null for one written without it. */
export function readDomainReference(metadata: Readonly<Record<string, string>> | undefined): DomainReference | null {
  const values = {} as DomainReference['values'];
  for (const score of DOMAIN_SCORES) {
    values[score] = {} as Record<Quantile, number>;
    for (const q of Object.keys(QUANTILES) as Quantile[]) {
      const v = Number(metadata?.[key(score, q)]);
      if (!Number.isFinite(v)) return null;
      values[score][q] = v;
    }
  }
  const match = /^(.*) \((\d+) images\)$/.exec(metadata?.domain_reference ?? '');
  return { split: match?.[1] ?? 'validation', images: Number(match?.[2] ?? 0), values };
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** Image-wide means of a picture's score maps. */
export function imageMeans(maps: Record<DomainScore, ArrayLike<number>>): Record<DomainScore, number> {
  return { dicnetKl: mean(maps.dicnetKl) };
}

/** The domain scores on which a picture's means lie above the reference's limit. */
export function unusualScores(ref: DomainReference, means: Record<DomainScore, number>): DomainScore[] {
  return DOMAIN_SCORES.filter((score) => means[score] > ref.values[score][DOMAIN_LIMIT]);
}

/** What the check says of a picture whose means lie above the limit; null for one that looks like the training data. */
export function domainWarning(ref: DomainReference | null, means: Record<DomainScore, number>, dataset: string): string | null {
  if (ref === null) return null;
  const unusual = unusualScores(ref, means);
  if (unusual.length === 0) return null;
  const measured = unusual.map((s) => `mean ${DOMAIN_SCORE_NAMES[s]} score ${means[s].toPrecision(3)} above the ${DOMAIN_LIMIT} ${ref.values[s][DOMAIN_LIMIT].toPrecision(3)} of ${ref.split} images`).join('; ');
  return `looks unlike the ${dataset} training data (${measured}): the networks' scores on it say more about the change of scene than about objects in it`;
}
