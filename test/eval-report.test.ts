import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type AnomalySummary, describeComparison, formatPercent, type PairedDifference, renderMarkdown, renderText, reportJson, type ResultsReport } from '../src/eval';

const test = suite('eval report');

const dicnet: AnomalySummary = {
  auroc: 0.934,
  aupr: 0.162,
  fpr95: 0.176,
  cfpr: 0.1234,
  efpr: 0.45,
  imagesScored: 12,
  imagesWithoutAnomaly: 2,
  imagesWithoutKnownPixel: 0,
  imagesWithoutCfpr: 0,
  imagesWithoutEfpr: 1,
};
const mspSummary: AnomalySummary = { ...dicnet, auroc: 0.877, aupr: 0.066, fpr95: 0.337, cfpr: null, efpr: null, imagesWithoutCfpr: 12, imagesWithoutEfpr: 12 };
const difference = (meanDifference: number, low: number, high: number): PairedDifference => ({ meanDifference, low, high, winRate: 0.75, images: 12 });
const report: ResultsReport = {
  title: 'DiCNet run',
  tables: [
    {
      key: 'test',
      title: 'Synthetic test split',
      methods: [
        { key: 'dicnet_kl', method: 'DiCNet (KL)', kind: 'dicnet', metrics: dicnet },
        { key: 'msp', method: 'MSP', kind: 'baseline', metrics: mspSummary },
      ],
      comparisons: [
        {
          key: 'dicnet_kl',
          method: 'DiCNet (KL)',
          againstKey: 'msp',
          against: 'MSP',
          differences: { auroc: difference(0.057, -0.01, 0.12), aupr: difference(0.096, 0.05, 0.14), fpr95: difference(-0.161, -0.2, -0.1) },
        },
      ],
    },
  ],
  sections: {
    teacher: { title: 'Teacher', entries: { miou: { label: 'mIoU', value: 0.53214 }, pixel_accuracy: { label: 'pixel accuracy', value: 0.87 } } },
    timing: { title: 'Timings', entries: { eval_seconds: { label: 'eval s', value: 3 } } },
  },
};

test('percent formatting', () => {
  assert.is(formatPercent(0.1234), '12.34');
  assert.is(formatPercent(0.1234, 1), '12.3');
  assert.is(formatPercent(null), '-');
});

test('markdown: one row per method, columns in the paper order, in %', () => {
  const lines = renderMarkdown(report).split('\n');
  assert.is(lines[0], '# DiCNet run');
  assert.is(lines[2], '## Synthetic test split');
  assert.is(lines[4], '| Method | AUROC % | AUPR % | FPR95 % | cFPR % | eFPR % | Images |');
  assert.is(lines[5], '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  assert.is(lines[6], '| DiCNet (KL) | 93.40 | 16.20 | 17.60 | 12.34 | 45.00 | 12 |');
  assert.is(lines[7], '| MSP | 87.70 | 6.60 | 33.70 | - | - | 12 |');
  const text = lines.join('\n');
  assert.match(text, '2 image(s) without anomaly pixels skipped');
  assert.match(text, 'eFPR undefined for DiCNet (KL): 1, MSP: 12');
  assert.match(text, '| DiCNet (KL) | MSP | +5.70 (-1.00 to +12.00) | 75 | +9.60 (+5.00 to +14.00) | 75 | -16.10 (-20.00 to -10.00) | 75 |');
  assert.match(text, '## Teacher');
  assert.match(text, '| mIoU | 0.53214 |');
});

test('the sentences say only what the intervals support', () => {
  const sentence = describeComparison(report.tables[0]!.comparisons![0]!);
  assert.match(sentence, /^DiCNet \(KL\) against MSP: /);
  assert.match(sentence, 'AUROC no difference shown (interval includes 0)');
  assert.match(sentence, 'AUPR higher, better by 9.60 points (95% CI +5.00 to +14.00; better on 75% of 12 images)');
  assert.match(sentence, 'FPR95 lower, better by 16.10 points');
  const worse = describeComparison({ ...report.tables[0]!.comparisons![0]!, differences: { auroc: difference(-0.05, -0.08, -0.02), aupr: difference(0, 0, 0), fpr95: difference(0.05, 0.02, 0.08) } });
  assert.match(worse, 'AUROC lower, worse by 5.00 points');
  assert.match(worse, 'AUPR no difference shown');
  assert.match(worse, 'FPR95 higher, worse by 5.00 points');
});

test('console text: aligned columns', () => {
  const lines = renderText(report).split('\n');
  assert.is(lines[0], 'DiCNet run');
  assert.is(lines[2], 'Synthetic test split');
  const header = lines[3]!;
  const row = lines[5]!;
  assert.is(row.length, header.length);
  assert.is(row.indexOf('93.40') + 5, header.indexOf('AUROC %') + 7, 'numbers right-aligned under their header');
  assert.ok(lines.some((line) => /^\s+eval s\s+3$/.test(line)));
});

test('JSON: stable snake_case keys, fractions and counts as numbers', () => {
  const json = reportJson(report) as Record<string, any>;
  assert.is(json.schema_version, 2);
  const methods = json.splits.test.methods;
  assert.equal(Object.keys(methods), ['dicnet_kl', 'msp']);
  assert.equal(methods.dicnet_kl, {
    name: 'DiCNet (KL)',
    kind: 'dicnet',
    auroc: 0.934,
    aupr: 0.162,
    fpr95: 0.176,
    cfpr: 0.1234,
    efpr: 0.45,
    images_scored: 12,
    images_without_anomaly: 2,
    images_without_known_pixel: 0,
    images_without_cfpr: 0,
    images_without_efpr: 1,
  });
  assert.is(methods.msp.cfpr, null);
  assert.equal(json.splits.test.comparisons.msp.dicnet_kl.aupr, { mean_difference: 0.096, ci_low: 0.05, ci_high: 0.14, win_rate: 0.75, images: 12 });
  assert.equal(json.teacher, { miou: 0.53214, pixel_accuracy: 0.87 });
  assert.equal(json.timing, { eval_seconds: 3 });
  assert.equal(JSON.parse(JSON.stringify(json)), json);
});

test.run();
