import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bootstrapInterval, comparePaired, summariseDifferences, verdict, type ImageAnomalyResult } from '../src/eval';
import { Random } from '../src/base/random';

const test = suite('eval paired comparison');

function image(name: string, auroc: number, aupr: number, fpr95: number): ImageAnomalyResult {
  return { kind: 'scored', name, auroc, aupr, fpr95, threshold: 0, cfpr: null, efpr: null, anomalyPixels: 1, knownPixels: 1, correctPixels: 0, misclassifiedPixels: 0 };
}

test('win rate counts better images, ties half, the direction of each metric', () => {
  const method = [image('a', 0.9, 0.5, 0.1), image('b', 0.6, 0.2, 0.5), image('c', 0.7, 0.3, 0.3), image('d', 0.8, 0.4, 0.2)];
  const baseline = [image('a', 0.8, 0.5, 0.2), image('b', 0.7, 0.1, 0.4), image('c', 0.7, 0.1, 0.3), image('d', 0.5, 0.6, 0.6)];
  const r = comparePaired(method, baseline, { resamples: 200 });
  // AUROC: a better, b worse, c tie, d better -> 2.5 / 4
  assert.is(r.auroc.winRate, 2.5 / 4);
  // AUPR: a tie, b better, c better, d worse -> 2.5 / 4
  assert.is(r.aupr.winRate, 2.5 / 4);
  // FPR95 (lower is better): a better, b worse, c tie, d better -> 2.5 / 4
  assert.is(r.fpr95.winRate, 2.5 / 4);
  assert.ok(Math.abs(r.auroc.meanDifference - (0.1 - 0.1 + 0 + 0.3) / 4) < 1e-12);
  assert.is(r.auroc.images, 4);
});

test('images skipped by either method are left out of both', () => {
  const skipped: ImageAnomalyResult = { kind: 'skipped', name: 'b', reason: 'no anomaly pixel' };
  const r = comparePaired([image('a', 0.9, 0.5, 0.1), skipped], [image('a', 0.8, 0.4, 0.2), image('b', 0, 0, 1)], { resamples: 100 });
  assert.is(r.auroc.images, 1);
});

test('images are paired by name: a mismatch or a length mismatch throws', () => {
  assert.throws(() => comparePaired([image('a', 1, 1, 0)], [image('b', 1, 1, 0)]), /image 0 is a for one method and b/);
  assert.throws(() => comparePaired([image('a', 1, 1, 0)], []), /1 images against 0/);
});

test('bootstrap interval: a constant has a zero-width interval at the constant', () => {
  assert.equal(bootstrapInterval([0.25, 0.25, 0.25], 500, 3), [0.25, 0.25]);
});

test('bootstrap interval: near mean +- 1.96 standard errors for normal data, reproducible by seed', () => {
  const rng = new Random(7);
  const values = Array.from({ length: 400 }, () => 0.1 + 0.2 * rng.normal());
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
  const se = sd / Math.sqrt(values.length);
  const [low, high] = bootstrapInterval(values, 4000, 1);
  assert.ok(Math.abs(low - (m - 1.96 * se)) < 0.15 * 1.96 * se, `low ${low} vs ${m - 1.96 * se}`);
  assert.ok(Math.abs(high - (m + 1.96 * se)) < 0.15 * 1.96 * se, `high ${high} vs ${m + 1.96 * se}`);
  assert.equal(bootstrapInterval(values, 4000, 1), [low, high]);
  assert.not.equal(bootstrapInterval(values, 4000, 2), [low, high]);
});

test('verdict: only an interval that excludes 0 is a difference, in the metric direction', () => {
  const up = summariseDifferences([0.1, 0.12, 0.09, 0.11, 0.1], false, { resamples: 500 });
  assert.is(verdict(up, false), 'better');
  assert.is(verdict(up, true), 'worse');
  const mixed = summariseDifferences([0.3, -0.3, 0.2, -0.25, 0.01], false, { resamples: 500 });
  assert.is(verdict(mixed, false), 'no difference shown');
  const none = summariseDifferences([], false);
  assert.is(verdict(none, false), 'no difference shown');
});

test.run();
