import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANOMALY_LABEL, IGNORE_LABEL } from '../src/base/labels';
import { STREETHAZARDS_CLASSES } from '../src/data/class-tables';
import { SPLIT_NAMES, ensureSyntheticStreetHazards, indexStreetHazards, loadSample, type LoadedSample, type SplitName } from '../src/data';
import { copyFrame, createFrame, setPixel } from '../src/data/synthetic/frame';
import { minimumAnomalyPixels, renderScene } from '../src/data/synthetic/scene';
import { drawStreet } from '../src/data/synthetic/street';
import { TEST_HAZARDS } from '../src/data/synthetic/test-hazards';
import { VALIDATION_HAZARDS } from '../src/data/synthetic/validation-hazards';
import { anomalyVisibility } from '../src/data/synthetic/visibility';
import { AnomalyEvaluation, ColourHistogram } from '../src/eval';
import { Random } from '../src/base/random';

const test = suite('data: the synthetic StreetHazards scenes');

const scratch = mkdtempSync(join(tmpdir(), 'dicnet-data-synthetic-'));
const COUNTS = { train: 40, validation: 12, test: 20, 'test-easy': 20 };
const started = performance.now();
const dataset = ensureSyntheticStreetHazards({ cacheRoot: scratch, counts: COUNTS, progress: false });
const seconds = (performance.now() - started) / 1000;
const index = indexStreetHazards(dataset.root, { splits: SPLIT_NAMES });
const ANOMALY_SPLITS = ['validation', 'test', 'test-easy'] as const;
const KNOWN_CLASS_COUNT = STREETHAZARDS_CLASSES.names.length;
/** Class names, then the anomaly: the order of the generator's pixel counts. */
const STREETHAZARDS_CLASS_NAMES = [...STREETHAZARDS_CLASSES.names, 'anomaly'];
const ANOMALY_COUNT = KNOWN_CLASS_COUNT;

/** Pixels of each class, counted from the files through the loader; anomaly pixels of each test image. */
function classPixels(split: SplitName): { pixels: number[]; perImageAnomaly: number[] } {
  const pixels = new Array<number>(STREETHAZARDS_CLASS_NAMES.length).fill(0);
  const perImageAnomaly: number[] = [];
  for (const sample of index.splits[split]!) {
    const { labels } = loadSample(sample);
    let anomaly = 0;
    for (const c of labels) {
      assert.ok(c !== IGNORE_LABEL, 'the generator labels every pixel');
      pixels[c === ANOMALY_LABEL ? ANOMALY_COUNT : c]! += 1;
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

test('every known class appears in the train split; no anomaly in it', () => {
  console.log(`  generated ${Object.values(COUNTS).reduce((a, b) => a + b)} images of 160x96 in ${seconds.toFixed(2)} s`);
  for (const split of SPLIT_NAMES) {
    const { pixels } = classPixels(split);
    console.log(`  ${split}: ${percentages(pixels)}`);
    if (split === 'train') {
      assert.is(pixels[ANOMALY_COUNT], 0, `${split} has anomaly pixels`);
      for (let c = 0; c < KNOWN_CLASS_COUNT; c++) assert.ok(pixels[c]! > 0, `no ${STREETHAZARDS_CLASS_NAMES[c]} pixels in train`);
    }
    assert.equal(pixels, dataset.classPixels[split], 'the marker counts what the files hold');
  }
});

for (const split of ANOMALY_SPLITS) {
  test(`${split} split: anomalies in every image, 0.5%..10% of all pixels, no one object filling an image`, () => {
    const { pixels, perImageAnomaly } = classPixels(split);
    const total = pixels.reduce((a, b) => a + b, 0);
    const fraction = pixels[ANOMALY_COUNT]! / total;
    console.log(`  ${split}: ${percentages(pixels)}`);
    console.log(`  anomaly share per ${split} image: min ${(100 * Math.min(...perImageAnomaly)).toFixed(2)}%, max ${(100 * Math.max(...perImageAnomaly)).toFixed(2)}%`);
    assert.ok(fraction > 0.005 && fraction < 0.1, `anomaly fraction ${fraction}`);
    assert.ok(perImageAnomaly.every((f) => f > 0), 'an image without anomaly');
    assert.ok(Math.max(...perImageAnomaly) < 0.3, 'an anomaly fills most of an image');
    for (let c = 0; c < KNOWN_CLASS_COUNT; c++) {
      if ([classIndexOf('traffic sign'), classIndexOf('other')].includes(c)) continue;
      assert.ok(pixels[c]! > 0, `no ${STREETHAZARDS_CLASS_NAMES[c]} pixels in ${split}`);
    }
  });
}

test('validation and test draw their hazards from disjoint lists of kinds', () => {
  assert.ok(VALIDATION_HAZARDS.length >= 4 && TEST_HAZARDS.length >= 4);
  for (const kind of VALIDATION_HAZARDS) assert.not.ok(TEST_HAZARDS.includes(kind), `${kind.name} is both a validation and a test kind`);
});

test('test-easy shows the test scenes with other anomalies: outside the anomalies of either, the same labels and mostly the same bytes', () => {
  const hard = index.splits.test!.map(loadSample);
  const easy = index.splits['test-easy']!.map(loadSample);
  let shared = 0;
  let sameBytes = 0;
  for (let i = 0; i < COUNTS.test; i++) {
    const a = hard[i]!;
    const b = easy[i]!;
    let differentLabels = 0;
    for (let p = 0; p < a.labels.length; p++) {
      if (a.labels[p] === ANOMALY_LABEL || b.labels[p] === ANOMALY_LABEL) continue;
      shared++;
      if (a.labels[p] !== b.labels[p]) differentLabels++;
      if (a.image[3 * p] === b.image[3 * p] && a.image[3 * p + 1] === b.image[3 * p + 1] && a.image[3 * p + 2] === b.image[3 * p + 2]) sameBytes++;
    }
    assert.is(differentLabels, 0, `image ${i}: known labels differ away from the anomalies`);
    assert.not.equal(a.image, b.image, `image ${i}: the two sets' images are the same`);
  }
  console.log(`  pixels away from both sets' anomalies with the same bytes: ${((100 * sameBytes) / shared).toFixed(1)}%`);
  // Shadows and the camera's blur carry each anomaly a little beyond its own pixels.
  assert.ok(sameBytes > 0.9 * shared, `only ${sameBytes} of ${shared} pixels agree`);
});

/** Per-image mean AUROC of colour rarity fitted on the train split. */
function colourRarityAuroc(histogram: ColourHistogram, samples: readonly LoadedSample[]): number {
  const evaluation = new AnomalyEvaluation();
  for (const s of samples) evaluation.add({ scores: histogram.score({ width: s.width, height: s.height, data: s.image }), labels: s.labels });
  return evaluation.summary().auroc!;
}

test('colour rarity finds the easy anomalies and is near chance on the headline ones', () => {
  const histogram = new ColourHistogram();
  for (const s of index.splits.train!.map(loadSample)) histogram.add({ width: s.width, height: s.height, data: s.image });
  const auroc = Object.fromEntries(ANOMALY_SPLITS.map((split) => [split, colourRarityAuroc(histogram, index.splits[split]!.map(loadSample))]));
  console.log(`  colour rarity AUROC (40 train images): ${ANOMALY_SPLITS.map((split) => `${split} ${(100 * auroc[split]!).toFixed(1)}`).join(', ')}`);
  assert.ok(auroc['test-easy']! > 0.85, `easy ${auroc['test-easy']}`);
  assert.ok(auroc.test! < 0.65, `test ${auroc.test}`);
  assert.ok(auroc.validation! < 0.65, `validation ${auroc.validation}`);
});

test('anomalies scale with the image: the same scenes at 160x96 and 320x192 have the same share of anomaly pixels', () => {
  const share = (width: number, height: number) => {
    let anomaly = 0;
    let smallest = Infinity;
    for (let i = 0; i < 12; i++) {
      const scene = renderScene(1000 + i, width, height, 'test');
      const n = scene.classes.filter((c) => c === ANOMALY_LABEL).length;
      anomaly += n;
      smallest = Math.min(smallest, n / minimumAnomalyPixels(width, height));
    }
    return { share: anomaly / (12 * width * height), smallest };
  };
  const small = share(160, 96);
  const large = share(320, 192);
  console.log(`  anomaly share: ${(100 * small.share).toFixed(2)}% at 160x96, ${(100 * large.share).toFixed(2)}% at 320x192`);
  assert.ok(large.share > small.share / 1.5 && large.share < small.share * 1.5);
  assert.ok(Math.abs(minimumAnomalyPixels(320, 192) - 4 * minimumAnomalyPixels(160, 96)) <= 2, 'the minimum is a share of the image');
  assert.ok(small.smallest > 0 && large.smallest > 0, 'a scene without anomaly pixels');
});

test('visibility: the mean largest channel difference to what an anomaly hides, after haze and exposure', () => {
  const street = drawStreet(new Random(1), 5, 3);
  street.light = { ...street.light, haze: [0.7, 0.7, 0.8], fogDistance: 50, exposure: 1.2 };
  const background = createFrame(5, 3);
  background.rgb.fill(0.5);
  background.depth.fill(20);
  background.depth[14] = Infinity;
  const frame = copyFrame(background);
  setPixel(frame, 0, 100, 0.7, 0.5, 0.45, 10);
  setPixel(frame, 1, 100, 0.5, 0.5, 0.1, 10);
  setPixel(frame, 14, 101, 0.5, 0.5, 0.5, 10);
  setPixel(frame, 7, 12, 0.9, 0.9, 0.9, 10);
  const haze = [0.7, 0.7, 0.8];
  const hazed = (v: number, c: number, depth: number) => (v + (haze[c]! - v) * (depth === Infinity ? 0 : 1 - Math.exp(-depth / 50))) * 1.2;
  const largest = (a: number[], depthA: number, b: number[], depthB: number) => Math.max(...a.map((v, c) => Math.abs(hazed(v, c, depthA) - hazed(b[c]!, c, depthB))));
  const seen = anomalyVisibility(street, frame, background, 100, 3);
  const first = (largest([0.7, 0.5, 0.45], 10, [0.5, 0.5, 0.5], 20) + largest([0.5, 0.5, 0.1], 10, [0.5, 0.5, 0.5], 20)) / 2;
  const second = largest([0.5, 0.5, 0.5], 10, [0.5, 0.5, 0.5], Infinity);
  assert.is(seen[0]!.pixels, 2);
  assert.ok(Math.abs(seen[0]!.contrast - first) < 1e-6, `${seen[0]!.contrast} vs ${first}`);
  assert.is(seen[1]!.pixels, 1);
  assert.ok(Math.abs(seen[1]!.contrast - second) < 1e-6, `${seen[1]!.contrast} vs ${second}`);
  assert.equal(seen[2], { pixels: 0, contrast: 0 });
});

function classIndexOf(name: string): number {
  return STREETHAZARDS_CLASS_NAMES.indexOf(name);
}

test.run();
