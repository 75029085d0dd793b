import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ANOMALY_LABEL, IGNORE_LABEL } from '../src/base/labels';
import {
  AnomalyEvaluation,
  ConfusionMatrix,
  imageAnomalyMetrics,
  type ImageAnomalyResult,
  type ScoredImage,
  sortFloat32,
} from '../src/eval';
import { referenceFprAtRecall, sklearnAveragePrecision, sklearnRocAuc } from './reference/anomaly-metrics';
import { rng } from './support/random';

const test = suite('eval metrics');

const A = ANOMALY_LABEL;
const X = IGNORE_LABEL;

function scored(result: ImageAnomalyResult): ScoredImage {
  if (result.kind !== 'scored') throw new Error(`image was skipped: ${result.reason}`);
  return result;
}

function evaluate(scores: number[], labels: number[], prediction?: number[]): ScoredImage {
  return scored(
    imageAnomalyMetrics({
      scores: Float32Array.from(scores),
      labels: Int32Array.from(labels),
      ...(prediction ? { prediction: Uint8Array.from(prediction) } : {}),
    }),
  );
}

function close(actual: number | null, expected: number, what: string, tolerance = 1e-12): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, expected ${expected}`);
}

test('distinct scores: AUROC 0.75, AP 5/6, FPR95 1/2', () => {
  // Descending: 0.8 A, 0.4 k, 0.35 A, 0.1 k. Curve (threshold: TP, FP):
  // 0.8: 1,0 | 0.4: 1,1 | 0.35: 2,1 | 0.1: 2,2.  P = N = 2.
  // AUROC: of the 4 (anomaly, known) pairs, 0.8 beats both and 0.35 beats 0.1: 3/4.
  // AP = (1/2) * P@0.8 + (1/2) * P@0.35 = 0.5 * 1 + 0.5 * 2/3 = 5/6.
  // FPR95: first full-recall point is 0.35 (recall 1, |1 - .95| = .05); the points
  // above have recall .5. So threshold 0.35, FP 1 of 2 known: 0.5.
  const r = evaluate([0.1, 0.4, 0.35, 0.8], [0, 0, A, A]);
  close(r.auroc, 0.75, 'AUROC');
  close(r.aupr, 5 / 6, 'AP');
  close(r.fpr95, 0.5, 'FPR95');
  assert.is(r.threshold, Math.fround(0.35));
});

test('a tie between anomaly and known pixels counts half in AUROC and as one group in AP', () => {
  // Labels k, A, k, A with scores .5 .5 .5 .9. Curve: 0.9: 1,0 | 0.5: 2,2.
  // AUROC pairs: 0.9 beats both known (2), the 0.5 anomaly ties both (2 * 1/2): 3/4.
  //   Trapezoid: (0,0)->(0,.5)->(1,1): area 1 * (.5 + 1) / 2 = .75.
  // AP: 1/2 * 1 + 1/2 * P@0.5 = .5 + .5 * 2/4 = .75.
  // FPR95: full recall at 0.5 (the tie group), both known pixels flagged: 1.
  const r = evaluate([0.5, 0.5, 0.5, 0.9], [0, A, 0, A]);
  close(r.auroc, 0.75, 'AUROC');
  close(r.aupr, 0.75, 'AP');
  close(r.fpr95, 1, 'FPR95');
  assert.is(r.threshold, 0.5);
});

test('all scores tied: AUROC 1/2 and AP = base rate, not an order of the ties', () => {
  // One group 0.5: 2 anomaly, 2 known. AUROC = 0.5 (diagonal); AP = 1 * 2/4 = 0.5
  // (ordering known-first would give (1/3 + 2/4)/2 = .4167, anomaly-first 1).
  const r = evaluate([0.5, 0.5, 0.5, 0.5], [A, 0, A, 0]);
  close(r.auroc, 0.5, 'AUROC');
  close(r.aupr, 0.5, 'AP');
  close(r.fpr95, 1, 'FPR95');
});

test('perfect and inverted scores', () => {
  // Perfect: curve 0.9: 1,0 | 0.8: 2,0 | 0.2: 2,1 | 0.1: 2,2. AUROC 1, AP 1,
  // FPR95 at 0.8 (first full recall): 0 known flagged.
  const perfect = evaluate([0.1, 0.2, 0.8, 0.9], [0, 0, A, A]);
  close(perfect.auroc, 1, 'AUROC');
  close(perfect.aupr, 1, 'AP');
  close(perfect.fpr95, 0, 'FPR95');
  assert.is(perfect.threshold, Math.fround(0.8));
  // Inverted: 0.9: 0,1 | 0.8: 0,2 | 0.2: 1,2 | 0.1: 2,2. AUROC 0;
  // AP = .5 * 1/3 + .5 * 2/4 = 5/12; FPR95 at 0.1: 2/2 = 1.
  const inverted = evaluate([0.9, 0.8, 0.2, 0.1], [0, 0, A, A]);
  close(inverted.auroc, 0, 'AUROC');
  close(inverted.aupr, 5 / 12, 'AP');
  close(inverted.fpr95, 1, 'FPR95');
});

test('FPR95: among thresholds with the same recall the lowest wins (argmin keeps the first)', () => {
  // 20 anomaly: 19 tied at 0.9, one at 0.1. Known: 0.95, 0.5, 0.5, 0.05.
  // Curve: 0.95: 0,1 | 0.9: 19,1 | 0.5: 19,3 | 0.1: 20,3 | 0.05: 20,4.
  // The reference walks from the first full-recall point (0.1) upwards:
  // 0.1 recall 1 (d .05), 0.5 recall 19/20 = .95 (d 0), 0.9 recall .95 (d 0, not
  // smaller, so 0.5 stays), 0.95 recall 0. Threshold 0.5 on the known tie:
  // FP 3 of 4 = 0.75 (picking 0.9 would give 1/4).
  const scores = [...Array(19).fill(0.9), 0.1, 0.95, 0.5, 0.5, 0.05];
  const labels = [...Array(20).fill(A), 0, 0, 0, 0];
  const r = evaluate(scores, labels);
  close(r.fpr95, 0.75, 'FPR95');
  assert.is(r.threshold, 0.5);
});

test('FPR95: a threshold on a tie of anomaly and known pixels flags the whole tie', () => {
  // Anomaly: 18 at 0.9, 1 at 0.5, 1 at 0.1. Known: 0.5, 0.5, 0.05, 0.05.
  // Curve: 0.9: 18,0 | 0.5: 19,2 | 0.1: 20,2 | 0.05: 20,4. Walk: 0.1 (d .05),
  // 0.5 (recall .95, d 0), 0.9 (recall .9, d .05). Threshold 0.5, both tied
  // known pixels count (score >= t): FP 2 of 4 = 0.5.
  const scores = [...Array(18).fill(0.9), 0.5, 0.1, 0.5, 0.5, 0.05, 0.05];
  const labels = [...Array(20).fill(A), 0, 0, 0, 0];
  const r = evaluate(scores, labels);
  close(r.fpr95, 0.5, 'FPR95');
  assert.is(r.threshold, 0.5);
});

test('FPR95: float rounding decides between recall .9 and 1 as numpy does', () => {
  // 10 anomaly: 9 at 0.9, 1 at 0.2. Known: 0.5, 0.3, 0.2, 0.1.
  // Curve: 0.9: 9,0 | 0.5: 9,1 | 0.3: 9,2 | 0.2: 10,3 | 0.1: 10,4.
  // |1 - .95| = 0.050000000000000044 > |.9 - .95| = 0.04999999999999993, so the
  // recall-.9 points win and the lowest of them (0.3) is taken: FP 2 of 4 = .5
  // (recall 1 at 0.2 would give 3/4).
  assert.ok(Math.abs(0.9 - 0.95) < Math.abs(1 - 0.95));
  const scores = [...Array(9).fill(0.9), 0.2, 0.5, 0.3, 0.2, 0.1];
  const labels = [...Array(10).fill(A), 0, 0, 0, 0];
  const r = evaluate(scores, labels);
  close(r.fpr95, 0.5, 'FPR95');
  assert.is(r.threshold, Math.fround(0.3));
});

test('ignored pixels change nothing, whatever their score', () => {
  const base = evaluate([0.1, 0.4, 0.35, 0.8], [0, 0, A, A]);
  const withIgnore = evaluate([1e6, 0.1, 0.4, -5, 0.35, 0.8, 0.36], [X, 0, 0, X, A, A, X]);
  assert.equal({ ...withIgnore, threshold: 0 }, { ...base, threshold: 0 });
  assert.is(withIgnore.knownPixels, 2);
  assert.is(withIgnore.anomalyPixels, 2);
});

test('cFPR / eFPR on a hand case', () => {
  // Known pixels 0..5 (labels 0 1 2 0 1 2, scores .1 .2 .6 .7 .65 .9), anomaly
  // pixels scores .8 and .5. Teacher: 0 1 0 0 2 2 -> pixels 2 and 4 wrong.
  // Descending: .9k .8A .7k .65k .6k .5A .2k .1k; full recall first at 0.5 with
  // 4 known flagged: FPR95 = 4/6. Flagged (score >= .5): pixels 2, 3, 4, 5.
  // cFPR: correct {0,1,3,5}, flagged {3,5}: 2/4. eFPR: wrong {2,4}, both flagged: 2/2.
  // Check: 6 * 4/6 = 4 * .5 + 2 * 1. AUROC: .8 beats 5 of 6 known, .5 beats 2: 7/12.
  // AP: .5 * P@.8 + .5 * P@.5 = .5 * 1/2 + .5 * 2/6 = 5/12.
  const r = evaluate([0.1, 0.2, 0.6, 0.7, 0.65, 0.9, 0.8, 0.5], [0, 1, 2, 0, 1, 2, A, A], [0, 1, 0, 0, 2, 2, 7, 3]);
  close(r.fpr95, 4 / 6, 'FPR95');
  close(r.cfpr, 0.5, 'cFPR');
  close(r.efpr, 1, 'eFPR');
  close(r.auroc, 7 / 12, 'AUROC');
  close(r.aupr, 5 / 12, 'AP');
  assert.is(r.correctPixels, 4);
  assert.is(r.misclassifiedPixels, 2);
});

test('eFPR is null without misclassified pixels and left out of the mean, counted', () => {
  const evaluation = new AnomalyEvaluation();
  const labels = Uint8Array.from([0, 1, 2, 0, 1, 2, A, A]);
  const scores = Float32Array.from([0.1, 0.2, 0.6, 0.7, 0.65, 0.9, 0.8, 0.5]);
  const perfectTeacher = evaluation.add({ scores, labels, prediction: labels.map((l) => (l === A ? 0 : l)) });
  assert.is(scored(perfectTeacher).efpr, null);
  close(scored(perfectTeacher).cfpr, 4 / 6, 'cFPR = FPR95 when every known pixel is correct');
  evaluation.add({ scores, labels, prediction: Uint8Array.from([0, 1, 0, 0, 2, 2, 7, 3]) });
  const summary = evaluation.summary();
  close(summary.efpr, 1, 'eFPR mean over the one image that has it');
  close(summary.cfpr, (4 / 6 + 0.5) / 2, 'cFPR mean');
  assert.is(summary.imagesWithoutEfpr, 1);
  assert.is(summary.imagesWithoutCfpr, 0);
});

test('images without anomaly (or without known) pixels are skipped and counted', () => {
  const evaluation = new AnomalyEvaluation();
  const add = (scores: number[], labels: number[]) =>
    evaluation.add({ scores: Float32Array.from(scores), labels: Uint8Array.from(labels) });
  add([0.1, 0.4, 0.35, 0.8], [0, 0, A, A]); // AUROC .75, AP 5/6, FPR95 .5
  const noAnomaly = add([0.3, 0.2, 0.9], [0, 5, X]);
  const noKnown = add([0.3, 0.2], [A, X]);
  add([0.1, 0.2, 0.8, 0.9], [0, 0, A, A]); // 1, 1, 0
  assert.equal(noAnomaly, { kind: 'skipped', reason: 'no anomaly pixel' });
  assert.equal(noKnown, { kind: 'skipped', reason: 'no known pixel' });
  const summary = evaluation.summary();
  close(summary.auroc, 0.875, 'AUROC mean');
  close(summary.aupr, (5 / 6 + 1) / 2, 'AP mean');
  close(summary.fpr95, 0.25, 'FPR95 mean');
  assert.is(summary.cfpr, null);
  assert.is(summary.imagesScored, 2);
  assert.is(summary.imagesWithoutAnomaly, 1);
  assert.is(summary.imagesWithoutKnownPixel, 1);
  assert.is(summary.imagesWithoutEfpr, 2);
});

test('bad input: lengths, labels and scores outside the convention throw', () => {
  assert.throws(() => imageAnomalyMetrics({ scores: new Float32Array(3), labels: new Uint8Array(4) }), /expected 3 pixels, got 4/);
  assert.throws(() => evaluate([0.1, 0.2], [0, 300]), /label 300 at pixel 1/);
  assert.throws(() => evaluate([0.1, 0.2], [0, -1]), /label -1 at pixel 1/);
  assert.throws(() => evaluate([0.1, NaN, 0.3], [0, A, 0]), /not finite/);
  assert.throws(() => new ConfusionMatrix(13).add(Uint8Array.from([13]), Uint8Array.from([2])), /predicted class 13 at pixel 0/);
});

test('mIoU and pixel accuracy over a split, absent classes excluded', () => {
  // Image 1, truth 0 0 1 1 2 A X, prediction 0 1 1 1 0 2 2 (last two not counted).
  //   class 0: TP 1, FN 1 (pixel 1), FP 1 (pixel 4): 1/3
  //   class 1: TP 2, FP 1 (pixel 1): 2/3;  class 2: TP 0, FN 1: 0
  // Image 2, truth 3, prediction 3: class 3 IoU 1. Classes 4..12 absent: excluded.
  // mIoU = (1/3 + 2/3 + 0 + 1) / 4 = 0.5; accuracy = 4 correct of 6 counted.
  const confusion = new ConfusionMatrix(13);
  confusion.add(Uint8Array.from([0, 1, 1, 1, 0, 2, 2]), Uint8Array.from([0, 0, 1, 1, 2, A, X]));
  confusion.add(Int32Array.from([3]), Int32Array.from([3]));
  const iou = confusion.classIou();
  close(iou[0]!, 1 / 3, 'IoU 0');
  close(iou[1]!, 2 / 3, 'IoU 1');
  assert.is(iou[2], 0);
  assert.is(iou[3], 1);
  assert.is(iou[4], null);
  close(confusion.meanIou(), 0.5, 'mIoU');
  close(confusion.pixelAccuracy(), 4 / 6, 'pixel accuracy');
});

test('radix sort orders float32 like the native sort, signs, zeros, extremes and ties included', () => {
  const random = rng(3);
  const special = [0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38, Infinity, -Infinity, 1, -1, 0.5, 0.5];
  const values = Float32Array.from([...special, ...Array.from({ length: 5000 }, () => (random() - 0.5) * 10 ** (random() * 20 - 10))]);
  const expected = values.slice().sort();
  const actual = sortFloat32(values);
  assert.is(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Object.is(actual[i], expected[i]), `index ${i}: ${actual[i]} vs ${expected[i]}`);
  assert.equal(Array.from(sortFloat32(new Float32Array(0))), []);
});

test('random tied scores agree with literal transliterations of scikit-learn and the reference', () => {
  const random = rng(7);
  for (let trial = 0; trial < 40; trial++) {
    const n = 5 + Math.floor(random() * 400);
    const levels = 2 + Math.floor(random() * 30); // few distinct scores: many ties
    const anomalyRate = 0.05 + 0.5 * random();
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const anomaly = random() < anomalyRate;
      scores.push(Math.fround(Math.floor((random() + (anomaly ? 0.3 : 0)) * levels) / levels));
      labels.push(i < 2 ? [0, A][i]! : anomaly ? A : Math.floor(random() * 13));
    }
    const r = evaluate(scores, labels);
    const truth = labels.map((l) => (l === A ? 1 : 0));
    close(r.auroc, sklearnRocAuc(truth, scores), `AUROC trial ${trial}`);
    close(r.aupr, sklearnAveragePrecision(truth, scores), `AP trial ${trial}`);
    const reference = referenceFprAtRecall(truth, scores);
    assert.is(r.fpr95, reference.fpr, `FPR95 trial ${trial}`);
    assert.is(r.threshold, reference.threshold, `threshold trial ${trial}`);
  }
});

test('knownPixels * FPR95 = correct * cFPR + misclassified * eFPR on a 1280x720 image', () => {
  const random = rng(11);
  const n = 1280 * 720;
  const scores = new Float32Array(n);
  const labels = new Uint8Array(n);
  const prediction = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const u = random();
    labels[i] = u < 0.02 ? A : u < 0.05 ? X : Math.floor(random() * 13);
    prediction[i] = random() < 0.8 ? labels[i]! % 13 : Math.floor(random() * 13);
    scores[i] = Math.fround(random() + (labels[i] === A ? 0.6 : 0)) * (random() < 0.1 ? 0 : 1);
  }
  const start = performance.now();
  const r = scored(imageAnomalyMetrics({ scores, labels, prediction }));
  const elapsed = performance.now() - start;
  console.log(`1280x720 image: ${elapsed.toFixed(0)} ms, AUROC ${r.auroc.toFixed(4)}, FPR95 ${r.fpr95.toFixed(4)}`);
  close(r.knownPixels * r.fpr95, r.correctPixels * r.cfpr! + r.misclassifiedPixels * r.efpr!, 'split of FPR95', 1e-6);
  assert.ok(r.auroc > 0.5 && r.auroc < 1);
});

test.run();
