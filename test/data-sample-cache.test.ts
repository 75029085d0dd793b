// The decoded-frame cache of training: the same batches as decoding every
// time, each frame decoded once while it fits, the budget kept, failures not kept.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BatchStream, type SampleBatch } from '../src/data/batches';
import { indexCamVid } from '../src/data/camvid';
import { loadSample, type LoadedSample, type Sample } from '../src/data/dataset';
import { DataError } from '../src/data/errors';
import { cachedLoader } from '../src/data/sample-cache';
import { camvidCopy, FRAME } from './support/camvid';

const test = suite('data: decoded-frame cache');
const samples = indexCamVid(camvidCopy({ train: 5, val: 1, test: 1 }), { splits: ['train'] }).splits.train!;
const options = { batchSize: 2, height: 24, width: 32, classCount: 11, seed: 4 };

function batches(load: ((s: Sample) => LoadedSample) | undefined, count: number): SampleBatch[] {
  const stream = new BatchStream(samples, { ...options, load });
  return Array.from({ length: count }, () => stream.next());
}

test('three epochs of batches are the same bytes with the cache, and each frame is decoded once', () => {
  const decoded = new Map<string, number>();
  const counting = (s: Sample) => {
    decoded.set(s.image, (decoded.get(s.image) ?? 0) + 1);
    return loadSample(s);
  };
  const cache = cachedLoader(counting);
  const [want, got] = [batches(undefined, 8), batches(cache.load, 8)];
  for (let b = 0; b < want.length; b++) {
    assert.equal(got[b]!.images, want[b]!.images, `batch ${b} images`);
    assert.equal(got[b]!.labels, want[b]!.labels, `batch ${b} labels`);
    assert.equal(got[b]!.samples, want[b]!.samples, `batch ${b} samples`);
  }
  assert.is(decoded.size, samples.length, '16 frames drawn from 5: every one was read');
  assert.ok([...decoded.values()].every((n) => n === 1), `each decoded once: ${[...decoded.values()]}`);
  assert.is(cache.heldBytes, samples.length * FRAME.width * FRAME.height * 4, 'RGB and a label per pixel, per frame');
});

test('frames beyond the budget are decoded each time; a frame that failed is read again', () => {
  let calls = 0;
  let failNext = true;
  const cache = cachedLoader((s) => {
    calls++;
    if (s === samples[2] && failNext) {
      failNext = false;
      throw new DataError(`${s.image}: damaged`, [s.image]);
    }
    return loadSample(s);
  }, FRAME.width * FRAME.height * 4 * 1.5);
  cache.load(samples[0]!);
  cache.load(samples[1]!);
  cache.load(samples[0]!);
  cache.load(samples[1]!);
  assert.is(calls, 3, 'the first frame is kept, the second does not fit and is decoded again');
  assert.throws(() => cache.load(samples[2]!), /damaged/);
  assert.is(cache.load(samples[2]!).sample, samples[2]);
  assert.is(calls, 5);
  assert.is(cache.heldBytes, FRAME.width * FRAME.height * 4);
});

test.run();
