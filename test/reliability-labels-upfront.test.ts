// A bad label map in a split that is read only after training (the test
// split, read at evaluation) is found before the first training step: every
// split the run will read is checked first. With --on-bad-sample skip the
// sample is left out up front and counted in the report.
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkpointPaths } from '../src/cli/pipeline';
import { DataError } from '../src/data/errors';
import { readLabelMap, writePng } from '../src/data/png';
import { indexStreetHazards } from '../src/data/streethazards';
import { datasetCopy } from './support/dataset';
import { control, expectValue, runQuietly, smallRun, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: labels checked before training');
const counts = { train: 6, validation: 1, test: 3 };

/** A copy whose second test annotation holds the value 200 in 7 pixels. */
function copyWithBadTestLabel(): { root: string; annotation: string } {
  const root = datasetCopy(counts);
  const annotation = indexStreetHazards(root).splits.test![1]!.annotation;
  const label = readLabelMap(annotation);
  label.labels.fill(200, 0, 7);
  writePng(annotation, label);
  return { root, annotation };
}

test('a label out of range in the test split stops the run before the first training step, naming the file', async () => {
  const { root, annotation } = copyWithBadTestLabel();
  const out = tempDir('labels-fail');
  let steps = 0;
  const run = await runQuietly(await testRuntime(), smallRun(out, { data: root }), control({ beforeStep: () => void steps++ }));
  assert.instance(run.error, DataError, String(run.error));
  assert.match((run.error as Error).message, new RegExp(`${annotation}: label values out of range: 200 \\(7 pixels\\)`));
  assert.is(steps, 0, 'no training step ran');
  assert.not.ok(existsSync(checkpointPaths(out).state), 'no training state was written');
});

test('--on-bad-sample skip: the bad test sample is left out before training and counted', async () => {
  const { root, annotation } = copyWithBadTestLabel();
  const captured = await runQuietly(await testRuntime(), smallRun(tempDir('labels-skip'), { data: root, onBadSample: 'skip' }));
  const run = expectValue(captured);
  assert.is(run.status, 'done');
  const data = run.status === 'done' ? run.report.sections!.data!.entries : {};
  assert.is(data.files_skipped?.value, 1);
  assert.is(data.test_images?.value, counts.test - 1);
  const skippedAt = captured.output.indexOf(`${annotation}: label values out of range`);
  const trainingAt = captured.output.search(/teacher \((class-weighted )?cross-entropy\)/);
  assert.ok(skippedAt >= 0 && skippedAt < trainingAt, `the bad sample is named before training:\n${captured.output}`);
});

test.run();
