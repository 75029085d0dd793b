import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchStream,
  COLOUR_JITTER,
  DataError,
  DEFAULT_AUGMENTATION,
  applyColourChange,
  IMAGENET_MEAN,
  IMAGENET_STD,
  batchesInOrder,
  ensureSyntheticStreetHazards,
  indexStreetHazards,
  type BatchStreamState,
  type LoadedSample,
  type Sample,
  type SampleBatch,
} from '../src/data';
import { keptAspectSize } from '../src/data/image-input';

const test = suite('data: batches, shuffling, augmentation, resume');

const scratch = mkdtempSync(join(tmpdir(), 'dicnet-data-batches-'));
const dataset = ensureSyntheticStreetHazards({ cacheRoot: scratch, width: 48, height: 32, counts: { train: 7, validation: 1, test: 1 }, seed: 3, progress: false });
const train = indexStreetHazards(dataset.root, { splits: ['train'] }).splits.train!;
const SIZE = { height: 24, width: 40, classCount: 13 };

test.after(() => rmSync(scratch, { recursive: true, force: true }));

function names(batch: SampleBatch): string[] {
  return batch.samples.map((s) => s.image);
}

/** In-memory samples: a constant colour and a 2x2 block label map, 4x4 pixels. */
function memorySample(id: number): { sample: Sample; loaded: LoadedSample } {
  const sample: Sample = { split: 'train', image: `memory-${id}.png`, annotation: `memory-${id}-labels.png`, format: 'streethazards' };
  const image = new Uint8Array(4 * 4 * 3);
  for (let p = 0; p < 16; p++) image.set([10 * id, 128, 250], 3 * p);
  const labels = Uint8Array.from({ length: 16 }, (_, p) => (p % 4 < 2 ? 0 : 1) + (p < 8 ? 0 : 2) + id);
  return { sample, loaded: { sample, width: 4, height: 4, image, labels } };
}

test('shapes, normalisation and nearest labels at the model input size', () => {
  const samples = [memorySample(1), memorySample(2)];
  const load = (s: Sample) => samples.find((m) => m.sample === s)!.loaded;
  const stream = new BatchStream(samples.map((m) => m.sample), { batchSize: 2, height: 8, width: 6, classCount: 13, seed: 1, shuffle: false, augmentation: null, load });
  const batch = stream.next();
  assert.is(batch.images.length, 2 * 3 * 8 * 6);
  assert.is(batch.labels.length, 2 * 8 * 6);
  for (let n = 0; n < 2; n++) {
    const rgb = [10 * (n + 1), 128, 250];
    for (let c = 0; c < 3; c++) {
      const expected = (rgb[c]! / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
      const plane = batch.images.subarray((n * 3 + c) * 48, (n * 3 + c + 1) * 48);
      assert.ok(plane.every((v) => Math.abs(v - expected) < 1e-5), `sample ${n} channel ${c}`);
    }
    const labels = [...batch.labels.subarray(n * 48, (n + 1) * 48)];
    const id = n + 1;
    // 4x4 source blocks of 2x2 map onto 8 rows x 6 columns: rows 0-3 top, columns 0-2 left.
    const expected = Array.from({ length: 48 }, (_, p) => (p % 6 < 3 ? 0 : 1) + (p < 24 ? 0 : 2) + id);
    assert.equal(labels, expected);
  }
});

test('shuffling: deterministic for a seed, different for another, every sample once an epoch', () => {
  const options = { batchSize: 7, ...SIZE, seed: 11 };
  const a = new BatchStream(train, options).next();
  const b = new BatchStream(train, options).next();
  const c = new BatchStream(train, { ...options, seed: 12 }).next();
  assert.equal(names(a), names(b));
  assert.equal(a.images, b.images);
  assert.equal(a.labels, b.labels);
  assert.not.equal(names(a), names(c));
  assert.equal([...names(a)].sort(), train.map((s) => s.image).sort());
  assert.not.equal(names(a), train.map((s) => s.image), 'shuffled');
});

test('augmentation crops and flips: labels stay valid classes, the flip mirrors', () => {
  const stream = new BatchStream(train, { batchSize: 3, ...SIZE, seed: 5, augmentation: { flip: true, minScale: 1.2, maxScale: 1.6 } });
  const plain = new BatchStream(train, { batchSize: 3, ...SIZE, seed: 5, augmentation: null });
  const augmented = stream.next();
  assert.equal(names(augmented), names(plain.next()), 'augmentation does not change the order');
  assert.ok(augmented.labels.every((c) => (c >= 0 && c <= 13) || c === 255));
  const mirrored = new BatchStream(train, { batchSize: 1, ...SIZE, seed: 5, shuffle: false, augmentation: { flip: true, minScale: 1, maxScale: 1 } });
  const straight = new BatchStream(train, { batchSize: 1, ...SIZE, seed: 5, shuffle: false, augmentation: null });
  let flips = 0;
  for (let i = 0; i < 6; i++) {
    const m = mirrored.next().labels;
    const s = straight.next().labels;
    const same = m.every((v, p) => v === s[p]);
    const flipped = m.every((v, p) => v === s[Math.floor(p / SIZE.width) * SIZE.width + SIZE.width - 1 - (p % SIZE.width)]);
    assert.ok(same || flipped, `sample ${i} is neither the original nor its mirror`);
    if (flipped && !same) flips++;
  }
  assert.ok(flips > 0 && flips < 6, `${flips} of 6 flipped`);
});

test('a resumed stream continues with the same order and the same crops', () => {
  const options = { batchSize: 3, ...SIZE, seed: 21 };
  const original = new BatchStream(train, options);
  for (let i = 0; i < 3; i++) original.next();
  const saved: BatchStreamState = JSON.parse(JSON.stringify(original.state()));
  const resumed = new BatchStream(train, options, saved);
  for (let i = 0; i < 5; i++) {
    const a = original.next();
    const b = resumed.next();
    assert.equal(names(a), names(b), `batch ${i}`);
    assert.equal(a.images, b.images, `batch ${i} images`);
  }
  assert.is(resumed.currentEpoch, original.currentEpoch);
  assert.ok(original.currentEpoch >= 2, 'the test crossed epochs');
  assert.throws(() => new BatchStream(train.slice(1), options, saved), (e: unknown) => e instanceof DataError && /cannot resume/.test(e.message));
});

test('colour jitter: an identity change leaves the image, known changes act as stated, the stream jitters images and not labels, and resumes alike', () => {
  const plane = SIZE.height * SIZE.width;
  const plain = new BatchStream(train, { batchSize: 1, ...SIZE, seed: 9, shuffle: false, augmentation: null }).next().images;
  const unit = { brightness: 1, contrast: 1, saturation: 1, gains: [1, 1, 1] as [number, number, number], gamma: 1 };
  const unchanged = plain.slice();
  applyColourChange(unchanged, 0, plane, unit);
  assert.ok(unchanged.every((v, i) => Math.abs(v - plain[i]!) < 1e-5), 'identity');
  const unitRange = (images: Float32Array, c: number, p: number) => images[c * plane + p]! * IMAGENET_STD[c]! + IMAGENET_MEAN[c]!;
  const darker = plain.slice();
  applyColourChange(darker, 0, plane, { ...unit, brightness: 0.5 });
  for (let p = 0; p < plane; p += 97) for (let c = 0; c < 3; c++) assert.ok(Math.abs(unitRange(darker, c, p) - 0.5 * unitRange(plain, c, p)) < 1e-5, `half exposure at ${p}`);
  const grey = plain.slice();
  applyColourChange(grey, 0, plane, { ...unit, saturation: 0 });
  for (let p = 0; p < plane; p += 97) assert.ok(Math.abs(unitRange(grey, 0, p) - unitRange(grey, 2, p)) < 1e-5 && Math.abs(unitRange(grey, 1, p) - unitRange(grey, 2, p)) < 1e-5, `grey at ${p}`);

  const options = { batchSize: 2, ...SIZE, seed: 4, augmentation: { ...DEFAULT_AUGMENTATION, colour: COLOUR_JITTER } };
  const jittered = new BatchStream(train, options);
  const first = jittered.next();
  const cropsOnly = new BatchStream(train, { ...options, augmentation: DEFAULT_AUGMENTATION }).next();
  assert.equal(names(first), names(cropsOnly));
  assert.equal(first.labels.subarray(0, plane), cropsOnly.labels.subarray(0, plane), 'the first crop is drawn before its colour change');
  assert.not.equal(first.images.subarray(0, 3 * plane), cropsOnly.images.subarray(0, 3 * plane));
  const saved: BatchStreamState = JSON.parse(JSON.stringify(jittered.state()));
  const resumed = new BatchStream(train, options, saved);
  for (let i = 0; i < 3; i++) assert.equal(resumed.next().images, jittered.next().images, `batch ${i} after resuming`);
});

test('onBadSample: skip counts the broken file once and goes on; fail throws naming it', () => {
  const broken = join(scratch, 'broken.png');
  writeFileSync(broken, 'garbage');
  const samples = [...train.slice(0, 3), { ...train[3]!, image: broken }];
  const skipping = new BatchStream(samples, { batchSize: 3, ...SIZE, seed: 2, onBadSample: 'skip' });
  for (let i = 0; i < 4; i++) assert.is(skipping.next().size, 3);
  assert.is(skipping.skipped.length, 1);
  assert.is(skipping.skipped[0]!.file, broken);
  assert.ok(skipping.skipped[0]!.reason.includes('not an image this reads'), skipping.skipped[0]!.reason);
  const failing = new BatchStream(samples, { batchSize: 4, ...SIZE, seed: 2, onBadSample: 'fail' });
  assert.throws(() => failing.next(), (e: unknown) => e instanceof DataError && e.message.includes(broken));
  const allBroken = new BatchStream([{ ...train[0]!, image: broken }], { batchSize: 1, ...SIZE, seed: 2, onBadSample: 'skip' });
  assert.throws(() => allBroken.next(), (e: unknown) => e instanceof DataError && /every one/.test(e.message));
});

test('batchesInOrder: one pass in order, last batch smaller, skips counted', () => {
  const broken = join(scratch, 'broken-eval.png');
  writeFileSync(broken, '');
  const samples = [...train.slice(0, 5), { ...train[5]!, annotation: broken }];
  const pass = batchesInOrder(samples, { batchSize: 2, ...SIZE, onBadSample: 'skip' });
  const batches = [...pass.batches];
  assert.equal(batches.map((b) => b.size), [2, 2, 1]);
  assert.equal(batches.flatMap(names), train.slice(0, 5).map((s) => s.image));
  assert.is(pass.skipped.length, 1);
  assert.is(pass.skipped[0]!.file, broken);
});

test('keptAspectSize: the input width, the height of the picture\'s aspect to a multiple of 8', () => {
  const input = { height: 120, width: 160 };
  assert.equal(keptAspectSize(480, 360, input), { height: 120, width: 160 });
  assert.equal(keptAspectSize(1280, 720, input), { height: 88, width: 160 });
  assert.equal(keptAspectSize(2048, 1024, input), { height: 80, width: 160 });
  assert.equal(keptAspectSize(720, 1280, input), { height: 288, width: 160 });
  assert.equal(keptAspectSize(1000, 10, input), { height: 16, width: 160 });
  assert.throws(() => keptAspectSize(0, 10, input), /0x10/);
});

/** In-memory samples of any size: left half label 0, right half label 1, a constant colour. */
function sizedSample(id: number, width: number, height: number): { sample: Sample; loaded: LoadedSample } {
  const sample: Sample = { split: 'test', image: `sized-${id}.png`, annotation: `sized-${id}-labels.png`, format: 'streethazards' };
  const image = new Uint8Array(width * height * 3).fill(100);
  const labels = Uint8Array.from({ length: width * height }, (_, p) => (p % width < width / 2 ? 0 : 1));
  return { sample, loaded: { sample, width, height, image, labels } };
}

test('batchesInOrder with keepAspect: each picture whole at its aspect, a new batch where the size changes', () => {
  const samples = [sizedSample(1, 64, 36), sizedSample(2, 64, 36), sizedSample(3, 40, 40), sizedSample(4, 64, 36)];
  const load = (s: Sample) => samples.find((m) => m.sample === s)!.loaded;
  const options = { batchSize: 3, height: 24, width: 32, classCount: 13, load };
  const kept = [...batchesInOrder(samples.map((m) => m.sample), { ...options, keepAspect: true }).batches];
  assert.equal(kept.map((b) => [b.size, b.height, b.width]), [[2, 16, 32], [1, 32, 32], [1, 16, 32]]);
  assert.equal(kept.flatMap(names), samples.map((m) => m.sample.image));
  for (const batch of kept) {
    const plane = batch.height * batch.width;
    assert.is(batch.images.length, batch.size * 3 * plane);
    const labels = [...batch.labels.subarray(0, plane)];
    assert.equal(labels, Array.from({ length: plane }, (_, p) => (p % batch.width < batch.width / 2 ? 0 : 1)), 'the whole picture, not a crop');
  }
  const squashed = [...batchesInOrder(samples.map((m) => m.sample), options).batches];
  assert.equal(squashed.map((b) => [b.size, b.height, b.width]), [[3, 24, 32], [1, 24, 32]]);
});

test.run();
