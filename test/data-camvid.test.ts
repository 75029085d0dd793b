// The CamVid loader and the layout detection of --data: CamVid's folders and
// label values (0..10 classes, 11 Unlabelled ignored), its class table, and one
// line for a path that is no dataset, naming the layouts known.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IGNORE_LABEL } from '../src/base/labels';
import { indexCamVid } from '../src/data/camvid';
import { CAMVID_CLASSES } from '../src/data/class-tables';
import { canHoldAnomalies, loadSample } from '../src/data/dataset';
import { DataError } from '../src/data/errors';
import { datasetPathProblem, openDataset } from '../src/data/open-dataset';
import { writePng } from '../src/data/png';
import { checkSamples } from '../src/data/sample-check';
import { camvidCopy, FRAME } from './support/camvid';
import { datasetCopy } from './support/dataset';
import { tempDir } from './support/pipeline';

const test = suite('data: CamVid and the dataset layouts');
const root = camvidCopy({ train: 3, val: 2, test: 2 });

test('CamVid: train, val (as validation) and test, in name order, with the CamVid class table', () => {
  const index = indexCamVid(root);
  assert.is(index.layout, 'CamVid');
  assert.equal(index.classes, CAMVID_CLASSES);
  assert.equal([index.splits.train!.length, index.splits.validation!.length, index.splits.test!.length], [3, 2, 2]);
  assert.ok(index.splits.validation![0]!.image.endsWith(join('val', '0001TP_000000.png')));
  assert.ok(index.splits.train!.every((s) => s.format === 'camvid' && s.annotation.includes('trainannot')));
});

test('CamVid labels: 0..10 are the classes, 11 (Unlabelled) is ignored, 12 and above are refused naming the file', async () => {
  const copy = camvidCopy({ train: 1, val: 1, test: 1 });
  const sample = indexCamVid(copy).splits.train![0]!;
  const labels = new Uint8Array(FRAME.width * FRAME.height).fill(3);
  labels.set([0, 10, 11, 255], 0);
  writePng(sample.annotation, { ...FRAME, labels });
  assert.equal([...loadSample(sample).labels.subarray(0, 5)], [0, 10, IGNORE_LABEL, IGNORE_LABEL, 3]);
  labels[7] = 12;
  writePng(sample.annotation, { ...FRAME, labels });
  assert.throws(() => loadSample(sample), (e: unknown) => e instanceof DataError && e.message.includes(sample.annotation) && e.message.includes('12 (1 pixels)'));
  const refused = await checkSamples(indexCamVid(copy), 'fail').then(() => null, (e: unknown) => e);
  assert.ok(refused instanceof DataError && refused.files.includes(sample.annotation), String(refused));
});

test('checkSamples counts CamVid pixels per class (11 classes, Unlabelled not counted)', async () => {
  const index = indexCamVid(root);
  const counts = await checkSamples(index, 'fail');
  assert.is(counts.train!.length, 11);
  const total = counts.train!.reduce((a, b) => a + b, 0);
  assert.ok(total > 0 && total <= 3 * FRAME.width * FRAME.height);
  assert.ok(counts.train![0]! > 0 && counts.train![3]! > 0, 'sky and road in the synthetic frames');
});

test('a CamVid copy missing a label file or a folder: one DataError listing each', () => {
  const copy = camvidCopy({ train: 2, val: 1, test: 1 });
  rmSync(join(copy, 'trainannot', '0001TP_000001.png'));
  rmSync(join(copy, 'testannot'), { recursive: true });
  assert.throws(
    () => indexCamVid(copy),
    (e: unknown) => e instanceof DataError && e.message.includes(join(copy, 'trainannot', '0001TP_000001.png')) && e.message.includes(`folder ${join(copy, 'testannot')}`),
  );
});

test('--data by layout: CamVid and StreetHazards recognised; a missing path, a file and a folder of neither named in one line', () => {
  assert.is(openDataset(root, { splits: ['train', 'test'] }).layout, 'CamVid');
  assert.is(openDataset(datasetCopy({ train: 2, validation: 1, test: 1 }), { splits: ['train', 'test'] }).layout, 'StreetHazards');
  const dir = tempDir('layouts');
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  mkdirSync(join(dir, 'empty'));
  assert.is(datasetPathProblem(join(dir, 'missing')), `${join(dir, 'missing')} does not exist`);
  assert.is(datasetPathProblem(file), `${file} is not a folder`);
  const none = datasetPathProblem(join(dir, 'empty'))!;
  assert.match(none, `${join(dir, 'empty')} is in no known layout: it lacks train/images/training/ (StreetHazards) and trainannot/ (CamVid)`);
  assert.not.match(none, '\n');
  assert.throws(() => openDataset(join(dir, 'empty'), { splits: ['train'] }), (e: unknown) => e instanceof DataError && e.message === none);
});

test('only CamVid\'s label format cannot mark anomalies', () => {
  assert.equal((['camvid', 'streethazards', 'anomaly-mask', 'road-anomaly'] as const).map(canHoldAnomalies), [false, true, true, true]);
});

test.run();
