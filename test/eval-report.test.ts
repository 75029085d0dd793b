import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type AnomalySummary, formatPercent, renderMarkdown, renderText, reportJson, type ResultsReport } from '../src/eval';

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
const report: ResultsReport = {
  title: 'Synthetic test split',
  methods: [
    { method: 'DiCNet (KL)', metrics: dicnet },
    { method: 'MSP', metrics: { ...dicnet, auroc: 0.877, aupr: 0.066, fpr95: 0.337, cfpr: null, efpr: null, imagesWithoutCfpr: 12, imagesWithoutEfpr: 12 } },
  ],
  sections: { Teacher: { mIoU: 0.53214, 'pixel accuracy': 0.87 }, Timings: { 'eval s': 3 } },
};

test('percent formatting', () => {
  assert.is(formatPercent(0.1234), '12.34');
  assert.is(formatPercent(0.1234, 1), '12.3');
  assert.is(formatPercent(null), '-');
});

test('markdown: one row per method, columns in the paper order, in %', () => {
  const lines = renderMarkdown(report).split('\n');
  assert.is(lines[0], '## Synthetic test split');
  assert.is(lines[2], '| Method | AUROC % | AUPR % | FPR95 % | cFPR % | eFPR % | Images |');
  assert.is(lines[3], '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  assert.is(lines[4], '| DiCNet (KL) | 93.40 | 16.20 | 17.60 | 12.34 | 45.00 | 12 |');
  assert.is(lines[5], '| MSP | 87.70 | 6.60 | 33.70 | - | - | 12 |');
  const text = lines.join('\n');
  assert.match(text, '2 image(s) without anomaly pixels skipped');
  assert.match(text, 'eFPR undefined for DiCNet (KL): 1, MSP: 12');
  assert.match(text, '### Teacher');
  assert.match(text, '| mIoU | 0.53214 |');
});

test('console text: aligned columns', () => {
  const lines = renderText(report).split('\n');
  assert.is(lines[0], 'Synthetic test split');
  const header = lines[1]!;
  const row = lines[3]!;
  assert.is(row.length, header.length);
  assert.is(row.indexOf('93.40') + 5, header.indexOf('AUROC %') + 7, 'numbers right-aligned under their header');
  assert.ok(lines.some((line) => /^\s+eval s\s+3$/.test(line)));
});

test('JSON keeps fractions and counts', () => {
  const json = reportJson(report) as { methods: Array<Record<string, unknown>>; sections: unknown };
  assert.equal(json.methods[0], { method: 'DiCNet (KL)', ...dicnet });
  assert.is(json.methods[1]!.cfpr, null);
  assert.equal(json.sections, report.sections);
  assert.equal(JSON.parse(JSON.stringify(json)), json);
});

test.run();
