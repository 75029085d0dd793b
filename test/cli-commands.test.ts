// The `dicnet` executable as a user runs it (node dist/bin/dicnet.js, what
// bin/dicnet.js launches): help on stdout with exit 0; infer on PNG, JPEG and
// WebP photos of any size, writing each result at the photo's own size and
// naming the files it cannot read while scoring the others; eval reproducing
// the main job's table from its checkpoints without training; train being the
// main job.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import jpeg from 'jpeg-js';
import { loadCheckpointFile } from '../src/checkpoint/io';
import { decodeImage, encodePng } from '../src/data/png';
import { renderScene } from '../src/data/synthetic/scene';
import { datasetCopy } from './support/dataset';
import { smallRunArgs } from './support/main-job';
import { expectValue, runQuietly, smallRun, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('cli: the dicnet command');

function dicnet(args: readonly string[]) {
  const child = spawnSync(process.execPath, ['dist/bin/dicnet.js', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** A finished small run on a private dataset copy: its folder (checkpoints, metrics.json) and the data. */
let trained: Promise<{ out: string; data: string }> | null = null;
function trainedRun(): Promise<{ out: string; data: string }> {
  trained ??= (async () => {
    const data = datasetCopy({ train: 6, validation: 1, test: 2 });
    const out = tempDir('cli-trained');
    expectValue(await runQuietly(await testRuntime(), smallRun(out, { data })));
    return { out, data };
  })();
  return trained;
}

test('--help of dicnet and of each command: usage on stdout, exit 0; no command or an unknown one: exit 2', () => {
  for (const [args, usage] of [[['--help'], /^usage: npx dicnet <command>/], [['infer', '--help'], /^usage: npx dicnet infer IMAGE/], [['eval', '-h'], /^usage: npx dicnet eval \[--data DIR\]/], [['train', '--help'], /^usage: npx dicnet train \[options\]/]] as const) {
    const child = dicnet(args);
    assert.is(child.code, 0, child.stderr);
    assert.match(child.stdout, usage);
    assert.is(child.stderr, '');
  }
  for (const args of [[], ['bogus'], ['toString']]) {
    const child = dicnet(args);
    assert.is(child.code, 2);
    assert.match(child.stderr, /^(no command given|unknown command \w+)\nusage: npx dicnet/);
  }
  const noImage = dicnet(['infer']);
  assert.is(noImage.code, 2);
  assert.match(noImage.stderr, /^infer needs at least one image or folder\n/);
});

function rgba(data: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 4).fill(255);
  for (let p = 0; p < pixels; p++) out.set(data.subarray(3 * p, 3 * p + 3), 4 * p);
  return out;
}

function readNpy(path: string): { shape: number[]; values: Float32Array } {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header)!.slice(1).map(Number);
  return { shape, values: new Float32Array(new Uint8Array(bytes.subarray(10 + headerLength)).buffer) };
}

test('infer: photos of any size and format; results at each photo\'s own size; the unreadable ones named, the others scored', async () => {
  const { out } = await trainedRun();
  const dir = tempDir('cli-infer-photos');
  const street = renderScene(11, 1280, 720, 'test');
  const streetJpeg = jpeg.encode({ data: rgba(street.image, 1280 * 720), width: 1280, height: 720 }, 90).data;
  writeFileSync(join(dir, 'street.jpg'), streetJpeg);
  writeFileSync(join(dir, 'cut.jpg'), streetJpeg.subarray(0, 2000));
  writeFileSync(join(dir, 'notes.txt'), 'not a photo');
  const small = renderScene(12, 203, 117, null);
  writeFileSync(join(dir, 'odd.png'), encodePng({ width: 203, height: 117, data: small.image }));
  const results = tempDir('cli-infer-out');
  const args = ['cut.jpg', 'street.jpg', 'notes.txt', 'odd.png'].map((f) => join(dir, f));
  const child = dicnet(['infer', ...args, '--checkpoints', join(out, 'checkpoints'), '--out', results]);

  assert.is(child.code, 1, 'some images could not be read');
  assert.not.match(child.stdout + child.stderr, /\n\s+at /, 'no stack trace');
  assert.match(child.stderr, new RegExp(`\\[1/4\\] ${args[0]}: error: ${args[0]}: corrupt or unsupported JPEG`));
  assert.match(child.stderr, new RegExp(`\\[3/4\\] ${args[2]}: error: ${args[2]}: not an image this reads`));
  assert.match(child.stderr, /2 of 4 image\(s\) could not be read; the others were scored/);

  const { metadata } = await loadCheckpointFile(join(out, 'checkpoints', 'student.safetensors'));
  const threshold = Number(metadata!.fpr95_threshold_dicnet_kl);
  assert.ok(Number.isFinite(threshold), 'the main job stored the threshold');
  for (const [stem, width, height] of [['street', 1280, 720], ['odd', 203, 117]] as const) {
    const line = new RegExp(`${join(dir, stem)}\\.\\w+: ${width}x${height}, top score ([-\\d.e+]+), ([\\d.]+)% of pixels at or above the FPR95 threshold`).exec(child.stdout);
    assert.ok(line, `a line for ${stem}:\n${child.stdout}`);
    const overlay = decodeImage(readFileSync(join(results, `${stem}.overlay.png`)), 'overlay');
    assert.equal([overlay.width, overlay.height], [width, height], `${stem}.overlay.png at the photo's size`);
    const segmentation = decodeImage(readFileSync(join(results, `${stem}.segmentation.png`)), 'segmentation');
    assert.is(segmentation.width, width, `${stem}.segmentation.png as wide as the photo`);
    assert.ok(segmentation.height > height, `${stem}.segmentation.png: the photo's height and its legend below`);
    const { shape, values } = readNpy(join(results, `${stem}.scores.npy`));
    assert.equal(shape, [height, width]);
    assert.is(values.length, width * height);
    const top = values.reduce((a, b) => Math.max(a, b), -Infinity);
    const above = values.filter((v) => v >= threshold).length / values.length;
    assert.is(Number(line![1]), Number(top.toPrecision(4)), 'the printed top score is the map\'s');
    assert.is(line![2], (100 * above).toFixed(2), 'the printed share is the map\'s at the stored threshold');
  }
});

test('eval: the main job\'s table again from its checkpoints, without training; without a train split, colour rarity is left out, saying so', async () => {
  const { out, data } = await trainedRun();
  const evalOut = tempDir('cli-eval');
  const child = dicnet(['eval', '--data', data, '--checkpoints', join(out, 'checkpoints'), '--out', evalOut, '--batch', '2', '--panels', '1']);
  assert.is(child.code, 0, child.stderr);
  assert.not.match(child.stdout, /teacher \((class-weighted )?cross-entropy\)/, 'nothing trained');
  const run = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  const evaluated = JSON.parse(readFileSync(join(evalOut, 'metrics.json'), 'utf8'));
  assert.equal(evaluated.splits.test.methods, run.splits.test.methods, 'every method\'s metrics on the test split as the main job had them');
  // The training's class weights are a fact of the run, which eval does not know.
  const { class_weights: weights, ...trainedTeacher } = run.teacher;
  assert.type(weights, 'string');
  assert.equal(evaluated.teacher, trainedTeacher);
  assert.ok(existsSync(join(evalOut, 'report.md')));
  assert.ok(readdirSync(join(evalOut, 'panels')).some((name) => name.startsWith('test-')), 'a panel of the test split');

  const noTrain = join(tempDir('cli-eval-no-train'), 'StreetHazards');
  cpSync(data, noTrain, { recursive: true });
  rmSync(join(noTrain, 'train', 'images', 'training'), { recursive: true });
  rmSync(join(noTrain, 'train', 'annotations', 'training'), { recursive: true });
  const partial = dicnet(['eval', '--data', noTrain, '--checkpoints', join(out, 'checkpoints'), '--out', tempDir('cli-eval-partial'), '--panels', '0']);
  assert.is(partial.code, 0, partial.stderr);
  assert.match(partial.stdout, new RegExp(`no train split in ${noTrain}: the colour-rarity control \\(fitted on the training images\\) is left out`));
  assert.match(partial.stdout, /\nDiCNet \(KL\) +\d/);
  assert.not.match(partial.stdout, /Control: colour rarity/);
});

test('train: the main job, with the resume command given as dicnet train', () => {
  const runOut = tempDir('cli-train');
  const args = smallRunArgs(runOut);
  const child = dicnet(['train', ...args, '--stop-after', '1']);
  assert.is(child.code, 0, child.stderr);
  assert.match(child.stderr, new RegExp(`To resume: npx dicnet train ${args.join(' ')} --resume`));
});

test.run();
