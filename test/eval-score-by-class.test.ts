import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ANOMALY_LABEL, IGNORE_LABEL } from '../src/base/labels';
import { renderMarkdown, renderText, reportJson, ScoreByClass, type AnomalySummary, type ResultsReport } from '../src/eval';

const test = suite('score by class');

// Six pixels of one image: class ids as ground truth, two anomaly pixels, one ignored; the teacher's classes beside them.
const labels = Int32Array.from([0, 1, 1, ANOMALY_LABEL, ANOMALY_LABEL, IGNORE_LABEL]);
const prediction = Int32Array.from([0, 2, 2, 2, 0, 1]);
const scores = Float32Array.from([0.5, 1, 3, 4, 8, 100]);

test('normal and anomaly pixels are summed apart by predicted class; ignored pixels count nowhere', () => {
  const byClass = new ScoreByClass(3);
  byClass.add(scores, labels, prediction);
  const s = byClass.summary();
  assert.is(s.normalPixels, 3);
  assert.is(s.anomalyPixels, 2);
  assert.equal(s.normal, [
    { share: 1 / 3, mean: 0.5 },
    { share: 0, mean: null },
    { share: 2 / 3, mean: 2 },
  ]);
  assert.equal(s.anomaly, [
    { share: 1 / 2, mean: 8 },
    { share: 0, mean: null },
    { share: 1 / 2, mean: 4 },
  ]);
});

test('images accumulate: a second image moves the shares and means', () => {
  const byClass = new ScoreByClass(3);
  byClass.add(scores, labels, prediction);
  byClass.add(Float32Array.from([2]), Int32Array.from([4]), Int32Array.from([1]));
  const s = byClass.summary();
  assert.is(s.normalPixels, 4);
  assert.equal(s.normal[1], { share: 1 / 4, mean: 2 });
  assert.equal(s.normal[0], { share: 1 / 4, mean: 0.5 });
});

test('mismatched lengths and classes outside the table are errors that say which', () => {
  const byClass = new ScoreByClass(3);
  assert.throws(() => byClass.add(scores.subarray(1), labels, prediction), /score map: expected 6 pixels, got 5/);
  assert.throws(() => byClass.add(scores, labels, prediction.subarray(1)), /prediction: expected 6 pixels, got 5/);
  assert.throws(() => byClass.add(scores, labels, Int32Array.from([0, 2, 3, 2, 0, 1])), /predicted class 3 at pixel 2 is outside 0\.\.2/);
  assert.throws(() => byClass.add(scores, Int32Array.from([0, 1, 1, 300, 254, 255]), prediction), /label 300 at pixel 3/);
});

const summary: AnomalySummary = { auroc: 0.7, aupr: 0.2, fpr95: 0.6, cfpr: null, efpr: null, imagesScored: 1, imagesWithoutAnomaly: 0, imagesWithoutKnownPixel: 0, imagesWithoutCfpr: 1, imagesWithoutEfpr: 1 };

function reportWith(reference: boolean): ResultsReport {
  const byClass = new ScoreByClass(3);
  byClass.add(scores, labels, prediction);
  return {
    tables: [
      {
        key: 'road_anomaly',
        title: 'anomaly set RoadAnomaly',
        methods: [{ key: 'dicnet_kl', method: 'DiCNet (KL)', metrics: summary }],
        breakdown: {
          methodKey: 'dicnet_kl',
          method: 'DiCNet (KL)',
          classes: ['Sky', 'Sign Symbol', 'Tree'],
          levels: byClass.summary(),
          reference: reference ? { split: 'validation', normal: [{ share: 0.75, mean: 0.25 }, { share: 0.25, mean: 1 }, { share: 0, mean: null }] } : null,
        },
      },
    ],
  };
}

test('markdown: a row per class with pixels, the reference beside it and the ratio to it', () => {
  const md = renderMarkdown(reportWith(true));
  assert.match(md, /DiCNet \(KL\) by the teacher's class/);
  assert.match(md, /\| Teacher's class \| validation: pixels % \| validation: mean \| normal: pixels % \| normal: mean \| normal mean \/ validation's \| anomaly: pixels % \| anomaly: mean \|/);
  assert.match(md, /\| Sky \| 75\.0 \| 0\.250 \| 33\.3 \| 0\.500 \| 2\.00 \| 50\.0 \| 8\.00 \|/);
  assert.match(md, /\| Tree \| 0\.0 \| - \| 66\.7 \| 2\.00 \| - \| 50\.0 \| 4\.00 \|/);
  assert.not.match(md, /\| Sign Symbol \|/, 'a class no pixel of the set was given is left out');
  assert.not.match(renderText(reportWith(true)), /by the teacher's class/, 'the console keeps to the tables');
});

test('markdown without a reference: the set alone', () => {
  const md = renderMarkdown(reportWith(false));
  assert.match(md, /\| Teacher's class \| normal: pixels % \| normal: mean \| anomaly: pixels % \| anomaly: mean \|/);
  assert.match(md, /\| Sky \| 33\.3 \| 0\.500 \| 50\.0 \| 8\.00 \|/);
});

test('metrics.json: every class by a snake_case key, fractions and nulls as they are', () => {
  const json = reportJson(reportWith(true)) as { splits: Record<string, { score_by_class: Record<string, unknown> }> };
  const b = json.splits.road_anomaly!.score_by_class as { method: string; reference_split: string; normal_pixels: number; anomaly_pixels: number; classes: Record<string, Record<string, number | null>> };
  assert.is(b.method, 'dicnet_kl');
  assert.is(b.reference_split, 'validation');
  assert.is(b.normal_pixels, 3);
  assert.is(b.anomaly_pixels, 2);
  assert.equal(Object.keys(b.classes), ['Sky', 'Sign_Symbol', 'Tree']);
  assert.equal(b.classes.Tree, { reference_share: 0, reference_mean: null, normal_share: 2 / 3, normal_mean: 2, anomaly_share: 0.5, anomaly_mean: 4 });
  assert.is(b.classes.Sign_Symbol!.normal_mean, null);
});

test.run();
