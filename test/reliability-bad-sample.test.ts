// Bad files in a StreetHazards copy (corrupt or truncated PNG, a 16-bit label
// map, image and label of different sizes, label values out of range): each is
// an error naming the file and what is wrong; --on-bad-sample skip goes on and
// counts them in the report, fail stops.
import { readFileSync, writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { failureMessage } from '../src/cli/failure';
import { DataError } from '../src/data/errors';
import { readLabelMap, writePng } from '../src/data/png';
import type { Sample } from '../src/data/dataset';
import { indexStreetHazards } from '../src/data/streethazards';
import { gray16Png } from './support/raw-png';
import { datasetCopy } from './support/dataset';
import { control, expectValue, runQuietly, smallRun, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: bad samples');
const counts = { train: 8, validation: 1, test: 3 };

function truncate(path: string): void {
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
}

/** Bad files that only loading finds (the headers are fine). */
function breakContents(train: Sample[], testSplit: Sample[]): RegExp[] {
  truncate(train[1]!.image);
  const flipped = readFileSync(train[2]!.image);
  flipped[60]! ^= 0xff; // inside the IDAT chunk's data
  writeFileSync(train[2]!.image, flipped);
  const label = readLabelMap(train[5]!.annotation);
  label.labels.fill(77, 0, 10);
  writePng(train[5]!.annotation, label);
  truncate(testSplit[1]!.image);
  return [
    new RegExp(`${train[1]!.image}: truncated PNG`),
    new RegExp(`${train[2]!.image}: corrupt PNG \\(chunk "IDAT" at byte \\d+ fails its CRC check\\)`),
    new RegExp(`${train[5]!.annotation}: label values out of range: 77 \\(10 pixels\\)`),
    new RegExp(`${testSplit[1]!.image}: truncated PNG`),
  ];
}

/** Bad files that the index's header check finds. */
function breakHeaders(train: Sample[]): RegExp[] {
  const { width, height } = readLabelMap(train[3]!.annotation);
  writeFileSync(train[3]!.annotation, gray16Png(width, height, 3));
  writePng(train[4]!.annotation, { width: width - 2, height, labels: new Uint8Array((width - 2) * height).fill(1) });
  return [
    new RegExp(`${train[3]!.annotation}: a label map must be an 8-bit grayscale or palette PNG, this one is 16-bit grayscale`),
    new RegExp(`${train[4]!.annotation}: label map is ${width - 2}x${height} but its image ${train[4]!.image} is ${width}x${height}`),
  ];
}

function damagedCopy(headers: boolean): { root: string; expected: RegExp[] } {
  const root = datasetCopy(counts);
  const index = indexStreetHazards(root);
  const expected = breakContents(index.splits.train!, index.splits.test!);
  if (headers) expected.push(...breakHeaders(index.splits.train!));
  return { root, expected };
}

test('--on-bad-sample skip: the run goes on; the report counts each bad file once; the log names each and why', async () => {
  const { root, expected } = damagedCopy(true);
  const captured = await runQuietly(await testRuntime(), smallRun(tempDir('bad-skip'), { data: root, onBadSample: 'skip' }));
  const run = expectValue(captured);
  assert.is(run.status, 'done');
  const data = run.status === 'done' ? run.report.sections!.data!.entries : {};
  assert.is(data.files_skipped?.value, 6);
  assert.is(data.test_images?.value, 2);
  assert.match(captured.output, /skipped 6 bad file\(s\)/);
  for (const line of expected) assert.match(captured.output, line);
});

test('--on-bad-sample fail: bad headers stop the run before training, listing every one', async () => {
  const { root, expected } = damagedCopy(true);
  let steps = 0;
  const run = await runQuietly(await testRuntime(), smallRun(tempDir('bad-fail-index'), { data: root }), control({ beforeStep: () => void steps++ }));
  assert.instance(run.error, DataError);
  for (const line of expected.slice(-2)) assert.match((run.error as Error).message, line);
  assert.is(steps, 0, 'no training step ran');
});

test('--on-bad-sample fail: bad contents in any split stop the run before training, listing every one; the message offers skip', async () => {
  const { root, expected } = damagedCopy(false);
  const o = smallRun(tempDir('bad-fail-load'), { data: root });
  let steps = 0;
  const c = control({ beforeStep: () => void steps++ });
  const run = await runQuietly(await testRuntime(), o, c);
  assert.instance(run.error, DataError);
  for (const line of expected) assert.match((run.error as Error).message, line);
  assert.is(steps, 0, 'no training step ran');
  const message = failureMessage(run.error, { options: o, checkpoint: c.lastCheckpoint, resumeCommand: 'node bench/run.js --resume', adapter: 'test' })!;
  assert.match(message, /pass --on-bad-sample skip to leave bad samples out/);
  console.log(`  ${message.split('\n')[1]}`);
});

test('--on-bad-sample fail: a file that goes bad during training stops it naming the file; the message offers skip and resume', async () => {
  const root = datasetCopy(counts);
  const train = indexStreetHazards(root).splits.train!;
  const o = smallRun(tempDir('bad-fail-during'), { data: root });
  const c = control({
    beforeStep: ({ phase, step }) => {
      if (phase === 'teacher' && step === 2) for (const sample of train) truncate(sample.image);
    },
  });
  const run = await runQuietly(await testRuntime(), o, c);
  assert.instance(run.error, DataError);
  assert.match((run.error as Error).message, /: truncated PNG/);
  const message = failureMessage(run.error, { options: o, checkpoint: c.lastCheckpoint, resumeCommand: 'node bench/run.js --resume', adapter: 'test' })!;
  assert.match(message, /pass --on-bad-sample skip to leave bad samples out/);
  assert.match(message, /The last checkpoint \(teacher step \d+ of \d+\) is intact/);
  console.log(`  ${message.split('\n')[0]}`);
});

test.run();
