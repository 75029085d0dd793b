// Anomaly sets as published: images/ + labels_masks/ (0 normal, 1 anomaly, 255
// ignore; masks named as the image or with a suffix such as _labels_semantic)
// and RoadAnomaly's frames/ (NAME.labels/labels_semantic.png, 2 anomaly).
// Photos are read by content, whatever their extension says.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANOMALY_LABEL, IGNORE_LABEL, UNCLASSIFIED_LABEL } from '../src/base/labels';
import { indexAnomalySet } from '../src/data/anomaly-set';
import { loadSample } from '../src/data/dataset';
import { DataError } from '../src/data/errors';
import { readLabelMap, writePng } from '../src/data/png';
import { checkSamples } from '../src/data/sample-check';
import { batchesInOrder, photoBatchesInOrder, type SampleBatch } from '../src/data/batches';
import { photosHeld, readPhoto } from '../src/data/photo';
import { webpBytes } from './support/photos';
import { indexCamVid } from '../src/data/camvid';
import { anomalySet, camvidCopy, FRAME } from './support/camvid';

const test = suite('data: anomaly sets');

async function rejects(run: () => Promise<unknown>, check: (e: DataError) => boolean): Promise<void> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof DataError && check(error), String(error));
    return;
  }
  assert.unreachable('no error');
}

test('images + labels_masks: masks read as normal (no class given), anomaly and ignore', async () => {
  const root = anomalySet({ layout: 'images + labels_masks', count: 3 });
  const set = indexAnomalySet(root, 'pasted');
  assert.is(set.layout, 'images + labels_masks');
  assert.is(set.samples.length, 3);
  const sample = set.samples[0]!;
  const stored = readLabelMap(sample.annotation).labels;
  stored.set([0, 1, 255], 0);
  writePng(sample.annotation, { ...FRAME, labels: stored });
  const labels = loadSample(sample).labels;
  assert.equal([...labels.subarray(0, 3)], [UNCLASSIFIED_LABEL, ANOMALY_LABEL, IGNORE_LABEL]);
  assert.ok(labels.every((l) => l === UNCLASSIFIED_LABEL || l === ANOMALY_LABEL || l === IGNORE_LABEL));
});

test('Segment-Me-If-You-Can naming: JPEG photos with NAME_labels_semantic.png masks; a JPEG named .png is read as JPEG', async () => {
  const root = anomalySet({ layout: 'images + labels_masks', count: 2, jpeg: true, maskSuffix: '_labels_semantic' });
  renameSync(join(root, 'images', 'frame1.jpg'), join(root, 'images', 'frame1.png'));
  writeFileSync(join(root, 'labels_masks', 'frame0_labels_semantic_color.png'), 'a colour rendering, never read');
  const set = indexAnomalySet(root, 'smiyc');
  assert.equal(set.samples.map((s) => s.annotation.split('/').pop()), ['frame0_labels_semantic.png', 'frame1_labels_semantic.png']);
  const loaded = loadSample(set.samples[1]!);
  assert.equal([loaded.width, loaded.height], [FRAME.width, FRAME.height]);
  assert.ok(loaded.labels.includes(ANOMALY_LABEL));
});

test('RoadAnomaly frames: 2 is the anomaly, 0 normal; any other value is refused naming the file', async () => {
  const root = anomalySet({ layout: 'RoadAnomaly frames', count: 2, jpeg: true });
  const set = indexAnomalySet(root, 'RoadAnomaly');
  assert.is(set.layout, 'RoadAnomaly frames');
  const sample = set.samples[0]!;
  assert.ok(sample.annotation.endsWith(join('frame0.labels', 'labels_semantic.png')));
  assert.ok(loadSample(sample).labels.includes(ANOMALY_LABEL));
  const stored = readLabelMap(sample.annotation).labels;
  stored[5] = 1;
  writePng(sample.annotation, { ...FRAME, labels: stored });
  assert.throws(() => loadSample(sample), (e: unknown) => e instanceof DataError && e.message.includes(sample.annotation) && e.message.includes('1 (1 pixels)') && e.message.includes('2 (anomaly)'));
});

test('checked before any work: a missing mask, an unreadable photo, a folder of no anomaly layout', async () => {
  const root = anomalySet({ layout: 'images + labels_masks', count: 3 });
  rmSync(join(root, 'labels_masks', 'frame2.png'));
  assert.throws(() => indexAnomalySet(root, 'broken'), (e: Error) => e.message.includes(join(root, 'labels_masks', 'frame2.png')) && e.message.includes('mask of'));
  const other = anomalySet({ layout: 'images + labels_masks', count: 2 });
  writeFileSync(join(other, 'images', 'frame1.png'), 'not an image');
  const set = indexAnomalySet(other, 'other');
  const camvid = indexCamVid(camvidCopy({ train: 1, val: 1, test: 1 }));
  await rejects(() => checkSamples(camvid, 'fail', () => {}, [set]), (e) => e instanceof DataError && e.files.includes(join(other, 'images', 'frame1.png')));
  const skipped: string[] = [];
  await checkSamples(camvid, 'skip', (s) => skipped.push(s.file), [set]);
  assert.equal(skipped, [join(other, 'images', 'frame1.png')]);
  assert.is(set.samples.length, 1);
  assert.throws(() => indexAnomalySet(join(other, 'images'), 'x'), (e: Error) => e.message.includes('not an anomaly set') && e.message.includes('images/ + labels_masks/'));
});

test('WebP photos: checked and batched a few at a time, the same pixels as PNG, nothing held afterwards; a corrupt one is skipped with its reason', async () => {
  const root = anomalySet({ layout: 'images + labels_masks', count: 7 });
  const png = indexAnomalySet(root, 'png');
  const options = { batchSize: 2, height: 16, width: 24, classCount: 11 };
  const fromPng = [...batchesInOrder(png.samples, options).batches];
  const webpRoot = anomalySet({ layout: 'images + labels_masks', count: 7 });
  for (const s of indexAnomalySet(webpRoot, 'x').samples) writeFileSync(s.image, await webpBytes(await readPhoto(s.image), { lossless: 1 }));
  const webp = indexAnomalySet(webpRoot, 'webp');
  const camvid = indexCamVid(camvidCopy({ train: 1, val: 1, test: 1 }));
  await checkSamples(camvid, 'fail', () => {}, [webp]);
  assert.is(photosHeld(), 0, 'the check lets every photo go');
  const fromWebp: SampleBatch[] = [];
  let most = 0;
  for await (const batch of photoBatchesInOrder(webp.samples, options).batches) {
    most = Math.max(most, photosHeld());
    fromWebp.push(batch);
  }
  assert.equal(fromWebp.map((b) => b.images), fromPng.map((b) => b.images), 'lossless WebP gives the PNG batches');
  assert.ok(most > 0 && most <= 2 * options.batchSize, `${most} photos held at most`);
  assert.is(photosHeld(), 0, 'nothing held after the pass');

  writeFileSync(webp.samples[3]!.image, new Uint8Array([...Buffer.from('RIFF\x10\0\0\0WEBPVP8 '), 1, 2, 3, 4]));
  const skipped: string[] = [];
  await checkSamples(camvid, 'skip', (s) => skipped.push(s.reason), [webp]);
  assert.is(webp.samples.length, 6);
  assert.is(skipped.length, 1);
  assert.match(skipped[0]!, 'WebP');
  assert.is(photosHeld(), 0);
});

test.run();
