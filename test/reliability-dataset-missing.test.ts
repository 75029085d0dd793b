// A StreetHazards folder missing pieces (no annotations, an empty split, odgt
// lines pointing to missing files): one error before training starts, listing
// everything missing, and no checkpoint written.
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { failureMessage } from '../src/cli/failure';
import { checkpointPaths } from '../src/cli/pipeline';
import { DataError } from '../src/data/errors';
import { datasetCopy } from './support/dataset';
import { control, runQuietly, smallRun, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: dataset missing pieces');

test('missing annotations, an empty split and odgt lines to missing files: one DataError listing all, before training', async () => {
  const root = datasetCopy({ train: 4, validation: 1, test: 2 });
  const testAnnotations = join(root, 'test', 'annotations', 'test');
  rmSync(testAnnotations, { recursive: true });
  const trainImages = join(root, 'train', 'images', 'training');
  const odgtLines = [
    { fpath_img: 'images/training/t1-3/0/404.png', fpath_segm: 'annotations/training/t1-3/0/404.png' },
    { fpath_img: 'images/training/t1-3/0/405.png', fpath_segm: 'annotations/training/t1-3/0/405.png' },
  ];
  writeFileSync(join(root, 'train', 'train.odgt'), odgtLines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const emptyRoot = datasetCopy({ train: 4, validation: 1, test: 2 });
  for (const dir of readdirSync(join(emptyRoot, 'test', 'images', 'test'))) rmSync(join(emptyRoot, 'test', 'images', 'test', dir), { recursive: true });

  let steps = 0;
  const out = tempDir('dataset-missing');
  const run = await runQuietly(await testRuntime(), smallRun(out, { data: root }), control({ beforeStep: () => void steps++ }));
  assert.instance(run.error, DataError);
  const message = (run.error as Error).message;
  assert.match(message, new RegExp(`StreetHazards at ${root} is incomplete:`));
  for (const missing of [
    `folder ${testAnnotations} (split test)`,
    `${join(root, 'train', odgtLines[0]!.fpath_img)} (image, ${join(root, 'train', 'train.odgt')} line 1)`,
    `${join(root, 'train', odgtLines[0]!.fpath_segm)} (annotation, ${join(root, 'train', 'train.odgt')} line 1)`,
    `${join(root, 'train', odgtLines[1]!.fpath_img)} (image, ${join(root, 'train', 'train.odgt')} line 2)`,
  ]) {
    assert.ok(message.includes(missing), `the error lists ${missing}:\n${message}`);
  }
  assert.is((run.error as DataError).files.length, 5, 'the test annotations folder and four odgt targets');
  assert.ok(existsSync(trainImages), 'the folders were there; the odgt took precedence');
  assert.is(steps, 0);
  assert.not.ok(existsSync(checkpointPaths(out).state), 'no checkpoint was written');
  const cli = failureMessage(run.error, { options: smallRun(out, { data: root }), checkpoint: null, resumeCommand: '', adapter: 'test' })!;
  assert.ok(cli.startsWith(`error: StreetHazards at ${root} is incomplete:`));

  const empty = await runQuietly(await testRuntime(), smallRun(tempDir('dataset-empty'), { data: emptyRoot }));
  assert.instance(empty.error, DataError);
  assert.match((empty.error as Error).message, /split test is empty \(.*test\/images\/test lists no images\)/);
});

test.run();
