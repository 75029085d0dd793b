// Labels outside [0, classes) other than the ignore value: the cross-entropy
// kernel cannot raise (it would skip such a pixel), so they are refused on the
// CPU. teacherStep throws a LabelRangeError naming the value and the pixel before
// anything is recorded; the batch builders throw a DataError naming the file
// and the pixel, and the training stream refuses an anomaly pixel (class 13),
// which the train split must not hold.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ANOMALY_LABEL, IGNORE_LABEL } from '../src/base/labels';
import { Random } from '../src/base/random';
import { failureMessage } from '../src/cli/failure';
import { BatchStream, batchesInOrder } from '../src/data/batches';
import { DataError } from '../src/data/errors';
import { readLabelMap, writePng } from '../src/data/png';
import type { LoadedSample, Sample } from '../src/data/dataset';
import { indexStreetHazards } from '../src/data/streethazards';
import { LabelRangeError } from '../src/graph/labels';
import { SGD } from '../src/graph/optim';
import { tiny } from '../src/model/config';
import { Teacher } from '../src/model/networks';
import { readState } from '../src/model/state';
import { teacherStep } from '../src/model/steps';
import { datasetCopy } from './support/dataset';
import { control, runQuietly, smallRun } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: label range');
const [h, w] = [tiny.inputHeight, tiny.inputWidth];

test('teacherStep refuses a label outside [0, 13) other than 255, naming the value and the pixel, before anything runs', async () => {
  const rt = await testRuntime();
  const teacher = new Teacher(rt, new Random(5), tiny);
  teacher.train();
  const optimizer = new SGD(teacher.namedParameters().map(([name, param]) => ({ name, param })), 0.01, 0.9, 1e-4);
  const snapshot = async () => JSON.stringify([...(await readState(teacher, optimizer.state()))].map(([name, t]) => [name, Array.from(t.data, Number)]));
  const before = await snapshot();
  const images = Float32Array.from({ length: 2 * 3 * h * w }, (_, i) => Math.sin(i));
  for (const value of [ANOMALY_LABEL, 14, -1, 256]) {
    const labels = new Int32Array(2 * h * w).fill(IGNORE_LABEL);
    labels[h * w + 2 * w + 3] = value; // sample 1, row 2, column 3
    try {
      await teacherStep(teacher, optimizer, { size: 2, height: h, width: w, images, labels }, 0);
      assert.unreachable(`label ${value} was not refused`);
    } catch (error) {
      assert.instance(error, LabelRangeError, String(error));
      const e = error as LabelRangeError;
      assert.equal([e.value, e.index], [value, h * w + 2 * w + 3]);
      assert.match(e.message, `value ${value} at sample 1, row 2, column 3`);
      assert.match(e.message, 'neither a class in [0, 13) nor the ignore index 255');
    }
  }
  assert.is(await snapshot(), before, 'weights, batch-norm statistics and optimizer state are untouched');
  const ignored = new Int32Array(2 * h * w).fill(IGNORE_LABEL);
  assert.is(await teacherStep(teacher, optimizer, { size: 2, height: h, width: w, images, labels: ignored }, 0), 0, 'a batch of ignored pixels has loss 0');
});

/** A loader of made-up samples: 8x6 pixels of class 1, with `value` at (x 5, y 4) in the sample named "odd". */
function loaderWith(value: number): (sample: Sample) => LoadedSample {
  return (sample) => {
    const labels = new Uint8Array(8 * 6).fill(1);
    if (sample.image === 'odd.png') labels.fill(value, 4 * 8 + 5, 4 * 8 + 7);
    return { sample, width: 8, height: 6, image: new Uint8Array(8 * 6 * 3), labels };
  };
}

const samples: Sample[] = ['a', 'odd', 'b'].map((name) => ({ split: 'train', image: `${name}.png`, annotation: `${name}-label.png`, format: 'streethazards' as const }));
const options = { batchSize: 3, height: 6, width: 8, classCount: 13 };

test('batches: a training batch refuses an anomaly pixel, and every batch a value that is no label, naming the file, value and pixel', () => {
  const refusal = (value: number, what: string) => new RegExp(`^odd-label\\.png: label ${value} \\(${what}\\) at x 5, y 4 and in 1 more pixel; `);
  const trainingRule = 'the training split must hold known classes 0..12 and the ignore value 255 only';
  const train = (value: number) => new BatchStream(samples, { ...options, seed: 1, augmentation: null, shuffle: false, load: loaderWith(value) });
  for (const [value, what] of [[ANOMALY_LABEL, 'the anomaly class'], [200, 'not a class']] as const) {
    assert.throws(() => train(value).next(), (e: Error) => e instanceof DataError && refusal(value, what).test(e.message) && e.message.endsWith(trainingRule) && e.files[0] === 'odd-label.png');
  }

  const skipping = new BatchStream(samples, { ...options, batchSize: 2, seed: 1, augmentation: null, shuffle: false, onBadSample: 'skip', load: loaderWith(ANOMALY_LABEL) });
  assert.equal(skipping.next().samples.map((s) => s.image), ['a.png', 'b.png']);
  assert.equal(skipping.skipped.map((s) => s.file), ['odd-label.png']);

  const evaluation = [...batchesInOrder(samples, { ...options, load: loaderWith(ANOMALY_LABEL) }).batches];
  assert.is(evaluation[0]!.labels.filter((l) => l === ANOMALY_LABEL).length, 2, 'evaluation batches keep the anomaly class');
  assert.throws(() => [...batchesInOrder(samples, { ...options, load: loaderWith(200) }).batches], (e: Error) => e instanceof DataError && refusal(200, 'not a class').test(e.message));
});

test('the main job stops at a train image with anomaly pixels, naming the file; the advice names --on-bad-sample skip', async () => {
  const rt = await testRuntime();
  const root = datasetCopy({ train: 6, validation: 1, test: 2 });
  const sample = indexStreetHazards(root).splits.train![2]!;
  const label = readLabelMap(sample.annotation);
  label.labels.fill(14, 0, 40); // the annotation value of StreetHazards' anomaly class
  writePng(sample.annotation, label);
  const o = smallRun(root.replace(/StreetHazards$/, 'out'), { data: root, scenes: [6, 1, 2] });
  const run = await runQuietly(rt, o, control({}, 3));
  assert.instance(run.error, DataError, `${String(run.error)}\n${run.output}`);
  assert.match((run.error as Error).message, `${sample.annotation}: label ${ANOMALY_LABEL} (the anomaly class) at x 0, y 0 and in 39 more pixels`);
  const advice = failureMessage(run.error, { options: o, checkpoint: null, resumeCommand: '', adapter: '' }) ?? '';
  assert.match(advice, '--on-bad-sample skip');
});

test.run();
