import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ANOMALY_LABEL } from '../src/base/labels';
import { Random } from '../src/base/random';
import { BatchStream, DEFAULT_AUGMENTATION, IMAGENET_MEAN, IMAGENET_STD, OUTLIER_SHAPES, paintOutlier, type LoadedSample, type Sample } from '../src/data';
import { cellValues, outlierCells } from '../src/model/outlier-cells';

const test = suite('outlier exposure: painted objects and the target they give');

const H = 96;
const W = 128;
const PLANE = H * W;

/** A grey frame, ImageNet-normalised, one slot. */
function greyFrame(): Float32Array {
  const images = new Float32Array(3 * PLANE);
  for (let c = 0; c < 3; c++) images.fill((0.5 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!, c * PLANE, (c + 1) * PLANE);
  return images;
}

function nearObject(labels: Int32Array, p: number): boolean {
  const [x, y] = [p % W, Math.floor(p / W)];
  for (let dy = -2; dy <= 2; dy++) {
    for (let dx = -2; dx <= 2; dx++) {
      const [u, v] = [x + dx, y + dy];
      if (u >= 0 && u < W && v >= 0 && v < H && labels[v * W + u] === ANOMALY_LABEL) return true;
    }
  }
  return false;
}

test('an object (blob or hazard) is painted where it is labelled, in the lower part of the frame, nothing else changes but its rim, and the same seed paints the same', () => {
  for (let seed = 1; seed <= 40; seed++) {
    // Half blobs, half hazards; a hazard's parts thinner than half a pixel (a table's legs) are painted but not labelled.
    const objectShare = seed % 2;
    const always = { ...OUTLIER_SHAPES, probability: 1, objectShare };
    const images = greyFrame();
    const labels = new Int32Array(PLANE).fill(3);
    paintOutlier(new Random(seed), always, images, labels, 0, H, W);
    const painted = [...labels.keys()].filter((p) => labels[p] === ANOMALY_LABEL);
    assert.ok(painted.length >= 0.3 * (OUTLIER_SHAPES.heightRange[0] * H) ** 2, `seed ${seed}: ${painted.length} anomaly pixels`);
    const top = Math.min(...painted.map((p) => Math.floor(p / W)));
    assert.ok(top >= 0.45 * H - OUTLIER_SHAPES.heightRange[1] * H, `seed ${seed}: the object reaches row ${top}`);
    const grey = greyFrame();
    let changedOutside = 0;
    let changedInside = 0;
    for (let p = 0; p < PLANE; p++) {
      const changed = [0, 1, 2].some((c) => images[c * PLANE + p] !== grey[c * PLANE + p]);
      if (labels[p] === ANOMALY_LABEL) changedInside += changed ? 1 : 0;
      // Only the faded rim (less than half covered, within 2 pixels) may change outside the labelled pixels.
      else if (changed && !nearObject(labels, p)) changedOutside++;
    }
    assert.ok(changedOutside <= objectShare * 0.05 * painted.length, `seed ${seed}: ${changedOutside} pixels changed away from the ${painted.length} labelled`);
    assert.ok(changedInside > 0.9 * painted.length, `seed ${seed}: the labelled pixels are painted`);
    for (const v of images) assert.ok(Number.isFinite(v) && v >= -2.2 && v <= 2.7, `value ${v} outside [0, 1] normalised`);
    const again = greyFrame();
    const againLabels = new Int32Array(PLANE).fill(3);
    paintOutlier(new Random(seed), always, again, againLabels, 0, H, W);
    assert.equal(again, images);
    assert.equal(againLabels, labels);
  }
});

test('with probability 0 nothing is painted, but the draws are the same as when painting', () => {
  const images = greyFrame();
  const labels = new Int32Array(PLANE);
  const a = new Random(5);
  const b = new Random(5);
  paintOutlier(a, { ...OUTLIER_SHAPES, probability: 0 }, images, labels, 0, H, W);
  paintOutlier(b, { ...OUTLIER_SHAPES, probability: 1 }, greyFrame(), new Int32Array(PLANE), 0, H, W);
  assert.equal(images, greyFrame());
  assert.ok(labels.every((v) => v === 0));
  assert.equal(a.state, b.state);
});

test('matched colours move the object toward the frame around it', () => {
  const distance = (colourMatch: number): number => {
    let total = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const images = greyFrame();
      const labels = new Int32Array(PLANE);
      paintOutlier(new Random(seed), { ...OUTLIER_SHAPES, probability: 1, colourMatch }, images, labels, 0, H, W);
      const inside = [...labels.keys()].filter((p) => labels[p] === ANOMALY_LABEL);
      for (let c = 0; c < 3; c++) {
        const mean = inside.reduce((s, p) => s + images[c * PLANE + p]! * IMAGENET_STD[c]! + IMAGENET_MEAN[c]!, 0) / inside.length;
        total += Math.abs(mean - 0.5);
      }
    }
    return total;
  };
  assert.ok(distance(1) < 0.5 * distance(0), `matched ${distance(1)}, unmatched ${distance(0)}`);
});

test('the training stream paints about half its images, and labels the objects; without the option it paints none; a resumed stream paints the same', () => {
  const samples: Sample[] = [];
  const loaded = new Map<Sample, LoadedSample>();
  for (let i = 0; i < 40; i++) {
    const sample: Sample = { split: 'train', image: `memory-${i}.png`, annotation: `memory-${i}-labels.png`, format: 'streethazards' };
    samples.push(sample);
    loaded.set(sample, { sample, width: W, height: H, image: new Uint8Array(PLANE * 3).fill(128), labels: new Uint8Array(PLANE).fill(2) });
  }
  const options = { batchSize: 40, height: H, width: W, classCount: 13, seed: 2, load: (s: Sample) => loaded.get(s)! };
  const withOutliers = new BatchStream(samples, { ...options, augmentation: { ...DEFAULT_AUGMENTATION, outliers: OUTLIER_SHAPES } }).next();
  const paintedImages = Array.from({ length: 40 }, (_, i) => withOutliers.labels.subarray(i * PLANE, (i + 1) * PLANE).includes(ANOMALY_LABEL)).filter(Boolean).length;
  assert.ok(paintedImages >= 12 && paintedImages <= 28, `${paintedImages} of 40 images painted`);
  const plain = new BatchStream(samples, { ...options, augmentation: DEFAULT_AUGMENTATION }).next();
  assert.not.ok(plain.labels.includes(ANOMALY_LABEL));

  // A stream resumed from its state paints the same objects as one that went on.
  const small = { ...options, batchSize: 3, augmentation: { ...DEFAULT_AUGMENTATION, outliers: OUTLIER_SHAPES } };
  const going = new BatchStream(samples, small);
  going.next();
  const resumed = new BatchStream(samples, small, going.state());
  for (let i = 0; i < 4; i++) {
    const [a, b] = [going.next(), resumed.next()];
    assert.equal(b.images, a.images);
    assert.equal(b.labels, a.labels);
  }
});

test('the target scale: cells at least half anomalous take the outlier value on every channel, the others 1', () => {
  // 2 images of 4x8 labels, feature 2x4 (stride 2), 3 channels.
  const labels = new Int32Array(2 * 32).fill(0);
  // Image 0, cell (0, 1): 2 of its 4 pixels anomalous -> outlier. Cell (1, 3): 1 of 4 -> normal.
  labels[2] = ANOMALY_LABEL;
  labels[3] = ANOMALY_LABEL;
  labels[3 * 8 + 7] = ANOMALY_LABEL;
  // Image 1, cell (1, 0): all 4.
  for (const p of [16, 17, 24, 25]) labels[32 + p] = ANOMALY_LABEL;
  const scale = cellValues(outlierCells(labels, 2, 4, 8, 2, 4), 3, -1);
  const at = (n: number, c: number, i: number, j: number) => scale[((n * 3 + c) * 2 + i) * 4 + j]!;
  for (let c = 0; c < 3; c++) {
    assert.is(at(0, c, 0, 1), -1);
    assert.is(at(0, c, 1, 3), 1);
    assert.is(at(1, c, 1, 0), -1);
  }
  assert.is(scale.filter((v) => v === -1).length, 2 * 3);
  assert.is(scale.filter((v) => v === 1).length, 2 * 3 * 8 - 6);
});

test.run();
