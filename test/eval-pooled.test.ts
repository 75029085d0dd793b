// Pooled metrics (all pixels of a set ranked at once, as Fishyscapes and
// Segment-Me-If-You-Can rank) against the float64 scikit-learn references on
// the concatenated pixels; and how they differ from the per-image means.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ANOMALY_LABEL, IGNORE_LABEL, UNCLASSIFIED_LABEL } from '../src/base/labels';
import { AnomalyEvaluation, PooledEvaluation } from '../src/eval';
import { referenceFprAtRecall, sklearnAveragePrecision, sklearnRocAuc } from './reference/anomaly-metrics';
import { rng } from './support/random';

const test = suite('eval: pooled metrics');

test('pooled AUROC, AUPR and FPR95 equal the references over every pixel of every image; ignore left out', () => {
  const random = rng(7);
  const pooled = new PooledEvaluation();
  const truth: number[] = [];
  const scores: number[] = [];
  for (const size of [37, 101, 64]) {
    const s = new Float32Array(size);
    const labels = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      const u = random();
      labels[i] = u < 0.15 ? ANOMALY_LABEL : u < 0.2 ? IGNORE_LABEL : u < 0.6 ? UNCLASSIFIED_LABEL : 3;
      s[i] = Math.fround(random() + (labels[i] === ANOMALY_LABEL ? 0.4 : 0));
      if (labels[i] === IGNORE_LABEL) continue;
      truth.push(labels[i] === ANOMALY_LABEL ? 1 : 0);
      scores.push(s[i]!);
    }
    pooled.add(s, labels);
  }
  const summary = pooled.summary()!;
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
  close(summary.auroc, sklearnRocAuc(truth, scores), 'AUROC');
  close(summary.aupr, sklearnAveragePrecision(truth, scores), 'AUPR');
  close(summary.fpr95, referenceFprAtRecall(truth, scores).fpr, 'FPR95');
  assert.is(summary.anomalyPixels + summary.normalPixels, truth.length);
});

test('pooled and per-image differ where images differ in scale: one image of high scores everywhere', () => {
  const perImage = new AnomalyEvaluation();
  const pooled = new PooledEvaluation();
  const labels = Uint8Array.from([ANOMALY_LABEL, UNCLASSIFIED_LABEL, UNCLASSIFIED_LABEL, UNCLASSIFIED_LABEL]);
  for (const offset of [0, 10]) {
    const scores = Float32Array.from([0.9, 0.1, 0.2, 0.3], (v) => v + offset);
    perImage.add({ scores, labels });
    pooled.add(scores, labels);
  }
  assert.is(perImage.summary().auroc, 1, 'each image ranks its anomaly first');
  assert.ok(pooled.summary()!.auroc < 1, 'pooled: the second image\'s normal pixels outrank the first image\'s anomaly');
  assert.is(new PooledEvaluation().summary(), null);
});

test.run();
