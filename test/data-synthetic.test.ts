import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANOMALY_LABEL, IGNORE_LABEL, KNOWN_CLASS_COUNT, STREETHAZARDS_CLASS_NAMES } from '../src/base/labels';
import { ensureSyntheticStreetHazards, indexStreetHazards, loadSample, type SplitName } from '../src/data';

const test = suite('data: the synthetic StreetHazards scenes');

const scratch = mkdtempSync(join(tmpdir(), 'dicnet-data-synthetic-'));
const started = performance.now();
const dataset = ensureSyntheticStreetHazards({ cacheRoot: scratch, counts: { train: 40, validation: 6, test: 20 }, progress: false });
const seconds = (performance.now() - started) / 1000;
const index = indexStreetHazards(dataset.root);

/** Pixels of each class, counted from the files through the loader; anomaly pixels of each test image. */
function classPixels(split: SplitName): { pixels: number[]; perImageAnomaly: number[] } {
  const pixels = new Array<number>(STREETHAZARDS_CLASS_NAMES.length).fill(0);
  const perImageAnomaly: number[] = [];
  for (const sample of index.splits[split]!) {
    const { labels } = loadSample(sample);
    let anomaly = 0;
    for (const c of labels) {
      assert.ok(c !== IGNORE_LABEL, 'the generator labels every pixel');
      pixels[c]! += 1;
      if (c === ANOMALY_LABEL) anomaly++;
    }
    perImageAnomaly.push(anomaly / labels.length);
  }
  return { pixels, perImageAnomaly };
}

function percentages(pixels: number[]): string {
  const total = pixels.reduce((a, b) => a + b, 0);
  return pixels.map((n, c) => `${STREETHAZARDS_CLASS_NAMES[c]} ${((100 * n) / total).toFixed(2)}%`).join(', ');
}

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test('every known class appears in the train split; no anomaly outside the test split', () => {
  console.log(`  generated 66 images of 160x96 in ${seconds.toFixed(2)} s`);
  for (const split of ['train', 'validation'] as const) {
    const { pixels } = classPixels(split);
    console.log(`  ${split}: ${percentages(pixels)}`);
    assert.is(pixels[ANOMALY_LABEL], 0, `${split} has anomaly pixels`);
    if (split === 'train') {
      for (let c = 0; c < KNOWN_CLASS_COUNT; c++) assert.ok(pixels[c]! > 0, `no ${STREETHAZARDS_CLASS_NAMES[c]} pixels in train`);
    }
    assert.equal(pixels, dataset.classPixels[split], 'the marker counts what the files hold');
  }
});

test('test split: anomalies in every image, 0.5%..10% of all pixels, no one object filling an image', () => {
  const { pixels, perImageAnomaly } = classPixels('test');
  const total = pixels.reduce((a, b) => a + b, 0);
  const fraction = pixels[ANOMALY_LABEL]! / total;
  console.log(`  test: ${percentages(pixels)}`);
  console.log(`  anomaly share per test image: min ${(100 * Math.min(...perImageAnomaly)).toFixed(2)}%, max ${(100 * Math.max(...perImageAnomaly)).toFixed(2)}%`);
  assert.ok(fraction > 0.005 && fraction < 0.1, `anomaly fraction ${fraction}`);
  assert.ok(perImageAnomaly.every((f) => f > 0), 'an image without anomaly');
  assert.ok(Math.max(...perImageAnomaly) < 0.3, 'an anomaly fills most of an image');
  for (let c = 0; c < KNOWN_CLASS_COUNT; c++) {
    if ([classIndexOf('traffic sign'), classIndexOf('other')].includes(c)) continue;
    assert.ok(pixels[c]! > 0, `no ${STREETHAZARDS_CLASS_NAMES[c]} pixels in test`);
  }
});

function classIndexOf(name: (typeof STREETHAZARDS_CLASS_NAMES)[number]): number {
  return STREETHAZARDS_CLASS_NAMES.indexOf(name);
}

test.run();
