// The main job on a CamVid-layout folder with anomaly sets, and `dicnet eval`
// of its networks: the class table travels from the dataset into the
// checkpoints, the report and the pictures; every anomaly set gets per-image
// and pooled metrics; the FPR95 thresholds come from the first anomaly set;
// eval reproduces the run's numbers, and refuses bad paths before the GPU starts.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLASS_TABLE_KEY, classTableFromJson } from '../src/base/labels';
import { readDomainReference } from '../src/eval/domain';
import { loadCheckpointFile, saveCheckpoint } from '../src/checkpoint/io';
import { decodeImage, writePng } from '../src/data/png';
import { renderScene } from '../src/data/synthetic/scene';
import { CAMVID_CLASSES } from '../src/data/class-tables';
import { checkpointPaths } from '../src/cli/pipeline';
import { anomalySet, camvidCopy, jpegBytes } from './support/camvid';
import { control, expectValue, runQuietly, smallRun, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('the main job on CamVid with anomaly sets');

function dicnet(args: readonly string[], cwd?: string) {
  const child = spawnSync(process.execPath, [resolve('dist/bin/dicnet.js'), ...args], { encoding: 'utf8', timeout: 300_000, ...(cwd ? { cwd } : {}) });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

const data = camvidCopy({ train: 6, val: 1, test: 2 });
const pasted = anomalySet({ layout: 'images + labels_masks', count: 3 });
const road = anomalySet({ layout: 'RoadAnomaly frames', count: 2, jpeg: true });
const out = tempDir('camvid-run');

test('train on CamVid: its 11 classes in the checkpoints, the report and metrics.json; anomaly sets scored per image and pooled', async () => {
  const o = smallRun(out, { data, input: [32, 48], anomalies: [{ name: 'pasted', dir: pasted }, { name: 'road', dir: road }], panels: 1 });
  const run = expectValue(await runQuietly(await testRuntime(), o));
  assert.is(run.status, 'done');
  const { metadata } = await loadCheckpointFile(checkpointPaths(out).student);
  assert.equal(classTableFromJson(metadata![CLASS_TABLE_KEY]!, 'student'), CAMVID_CLASSES);
  assert.equal([metadata!.input_height, metadata!.input_width], ['32', '48']);
  assert.is(metadata!.fpr95_threshold_split, 'pasted', 'thresholds from the first anomaly set');
  const domain = readDomainReference(metadata!);
  assert.ok(domain, 'the domain check\'s reference is stored with the student');
  assert.equal([domain!.split, domain!.images], ['CamVid validation', 1]);
  assert.ok(domain!.values.dicnetKl.p99 > 0 && domain!.values.dicnetKl.max >= domain!.values.dicnetKl.p95);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(Object.keys(metrics.splits), ['pasted', 'road'], 'the CamVid test split has no anomalies: no anomaly table');
  for (const name of ['pasted', 'road']) {
    const kl = metrics.splits[name].methods.dicnet_kl;
    assert.is(kl.images_scored, name === 'pasted' ? 3 : 2);
    assert.type(kl.pooled.aupr, 'number');
    assert.ok(kl.pooled.anomaly_pixels > 0 && kl.pooled.normal_pixels > kl.pooled.anomaly_pixels);
  }
  const roadPixels = metrics.splits.road.methods.dicnet_kl.pooled;
  assert.is(roadPixels.anomaly_pixels + roadPixels.normal_pixels, 2 * 40 * 48, "the 64x48 photos are scored at 40x48, their aspect at the input's width, not squashed into 32x48");
  assert.equal([metrics.data.road_input, metrics.data.test_input], ['40x48', '32x48'], 'the report names the size each set was scored at');
  const byClass = metrics.splits.road.score_by_class;
  assert.equal([byClass.method, byClass.reference_split], ['dicnet_kl', 'validation']);
  assert.equal([byClass.normal_pixels, byClass.anomaly_pixels], [roadPixels.normal_pixels, roadPixels.anomaly_pixels], 'the same pixels as the pooled metrics');
  assert.equal(Object.keys(byClass.classes), CAMVID_CLASSES.names);
  const total = (key: string) => Object.values(byClass.classes as Record<string, Record<string, number>>).reduce((s, c) => s + c[key]!, 0);
  for (const key of ['reference_share', 'normal_share', 'anomaly_share']) assert.ok(Math.abs(total(key) - 1) < 1e-9, `${key} sums to 1 over the classes`);
  assert.equal(Object.keys(metrics.teacher).filter((k) => k.startsWith('iou_')), CAMVID_CLASSES.names.map((n) => `iou_${n}`));
  assert.is(metrics.distillation.outliers, 'opposite, weighing 20', "CamVid's default student is outlier-exposed");
  assert.is(metrics.distillation.jitter, 'colour', "CamVid's default student sees colour-jittered images");
  assert.equal([metrics.data.test_images, metrics.data.validation_images], [2, 1], 'the splits without anomaly pixels count every image evaluated');
  const report = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(report, 'DiCNet on CamVid (tiny, 32x48');
  assert.match(report, '| IoU bicyclist (%) |');
  assert.match(report, 'pooled AUPR %');
  assert.match(report, /## domain check: images whose mean DiCNet \(KL\) score is above the p99 of the CamVid validation images \(1\)/);
  assert.match(report, '| road: images called unusual (%) |');
  assert.match(report, "| Teacher's class | validation: pixels % | validation: mean | normal: pixels % |");
});

test('--teacher: a run that distils from that run\'s teacher trains none and gives its student bit for bit; jitter and outlier exposure are named; a teacher of another input size is refused before any training', async () => {
  const teacher = checkpointPaths(out).teacher;
  const again = tempDir('camvid-teacher');
  const run = await runQuietly(await testRuntime(), smallRun(again, { data, input: [32, 48], teacher }));
  assert.is(expectValue(run).status, 'done');
  assert.match(run.output, `teacher: ${teacher} (not trained in this run)`);
  assert.not.match(run.output, 'cross-entropy', 'no teacher phase, and no class weights claimed for a teacher trained elsewhere');
  assert.match(readFileSync(join(again, 'report.md'), 'utf8'), `| trained by an earlier run (--teacher) | ${teacher} |`);
  const [first, second] = await Promise.all([out, again].map((d) => loadCheckpointFile(checkpointPaths(d).student)));
  assert.equal([...second.tensors.keys()], [...first.tensors.keys()]);
  const bytes = (t: { data: ArrayBufferView }) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  for (const [name, t] of first.tensors) assert.ok(bytes(second.tensors.get(name)!).equals(bytes(t)), name);
  assert.is(second.metadata!.teacher_from, teacher);

  const jittered = await runQuietly(await testRuntime(), smallRun(tempDir('camvid-jitter'), { data, input: [32, 48], teacher, studentJitter: 'colour', studentOutliers: 'none' }), control({}, 1));
  assert.is(expectValue(jittered).status, 'stopped');
  assert.match(jittered.output, 'student (KL distillation, colour jitter)');
  const exposed = await runQuietly(await testRuntime(), smallRun(tempDir('camvid-outliers'), { data, input: [32, 48], teacher, studentOutliers: 'opposite', outlierWeight: 7 }), control({}, 1));
  assert.is(expectValue(exposed).status, 'stopped');
  assert.match(exposed.output, 'student (KL distillation, colour jitter, opposite outliers weighing 7)', "CamVid's default jitter beside the exposure");

  const refused = await runQuietly(await testRuntime(), smallRun(tempDir('camvid-other-size'), { data, input: [40, 48], teacher }));
  assert.instance(refused.error, Error);
  assert.match(String(refused.error), `${teacher}: its input is 32x48, this run's 40x48 (--input)`);
  assert.not.match(refused.output, 'checking the data');
});

test("--student-start teacher: the student starts as the trained teacher at the lower learning rate, its feature norm stays the teacher's, and its checkpoints say what it is", async () => {
  const teacher = checkpointPaths(out).teacher;
  const twin = tempDir('camvid-twin');
  const run = await runQuietly(await testRuntime(), smallRun(twin, { data, input: [32, 48], teacher, studentStart: 'teacher', anomalies: [{ name: 'road', dir: road }] }));
  assert.is(expectValue(run).status, 'done');
  const [teacherFile, studentFile] = await Promise.all([loadCheckpointFile(teacher), loadCheckpointFile(checkpointPaths(twin).student)]);
  assert.is(studentFile.metadata!.student_start, 'teacher');
  assert.ok(studentFile.tensors.has('encoder.conv3.weight'), "the teacher's stem");
  const bytes = (t: { data: ArrayBufferView }) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  for (const name of ['decoder.conv_last.1.running_mean', 'decoder.conv_last.1.running_var']) {
    assert.ok(bytes(studentFile.tensors.get(name)!).equals(bytes(teacherFile.tensors.get(name)!)), `${name}: the teacher's`);
  }
  assert.not.ok(bytes(studentFile.tensors.get('decoder.conv_last.0.weight')!).equals(bytes(teacherFile.tensors.get('decoder.conv_last.0.weight')!)), 'the conv before it learned');
  const report = readFileSync(join(twin, 'report.md'), 'utf8');
  assert.match(report, "| student | the teacher's layers, started from the trained teacher |");
  assert.match(report, '| base learning rate | 0.0003 |');
  const evalOut = tempDir('camvid-twin-eval');
  const child = dicnet(['eval', '--anomalies', `road=${road}`, '--checkpoints', join(twin, 'checkpoints'), '--out', evalOut, '--batch', '2', '--panels', '0']);
  assert.is(child.code, 0, child.stderr);
  const { colour_rarity: _, ...trained } = JSON.parse(readFileSync(join(twin, 'metrics.json'), 'utf8')).splits.road.methods;
  assert.equal(JSON.parse(readFileSync(join(evalOut, 'metrics.json'), 'utf8')).splits.road.methods, trained, 'dicnet eval builds the same student from the checkpoints and gives the run\'s numbers');
});

test('dicnet eval of those networks on the anomaly sets alone gives the run\'s numbers', () => {
  const evalOut = tempDir('camvid-eval');
  const child = dicnet(['eval', '--anomalies', `pasted=${pasted}`, '--anomalies', `road=${road}`, '--checkpoints', join(out, 'checkpoints'), '--out', evalOut, '--batch', '2', '--panels', '0']);
  assert.is(child.code, 0, child.stderr);
  const run = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  const evaluated = JSON.parse(readFileSync(join(evalOut, 'metrics.json'), 'utf8'));
  for (const name of ['pasted', 'road']) {
    const { colour_rarity: _, ...trained } = run.splits[name].methods;
    assert.equal(evaluated.splits[name].methods, trained, `${name}: every method but colour rarity (no train split given)`);
  }
});

/** A copy of the run's networks whose stored domain check has every limit at `limit`. */
async function withDomainLimit(limit: number): Promise<string> {
  const dir = tempDir('domain-limit');
  cpSync(join(out, 'checkpoints'), dir, { recursive: true });
  const student = join(dir, 'student.safetensors');
  const { tensors, metadata } = await loadCheckpointFile(student);
  const changed = Object.fromEntries(Object.entries(metadata!).map(([k, v]) => [k, k.startsWith('domain_') && k !== 'domain_reference' ? String(limit) : v]));
  await saveCheckpoint(student, tensors, changed);
  return dir;
}

test('dicnet infer on a folder: every photo in it, the CamVid legend under the segmentation; warnings for an unusual photo and a tiny one', async () => {
  const photos = tempDir('infer-folder');
  const street = renderScene(7, 240, 180, 'test');
  writePng(join(photos, 'street.png'), { width: 240, height: 180, data: street.image });
  writeFileSync(join(photos, 'tiny.jpg'), jpegBytes(renderScene(8, 20, 12, null).image, 20, 12));
  writeFileSync(join(photos, 'notes.txt'), 'not a photo, and not read: a folder gives its photos');
  const results = tempDir('infer-out');
  const quiet = dicnet(['infer', photos, '--checkpoints', await withDomainLimit(1e9), '--out', results]);
  assert.is(quiet.code, 0, quiet.stderr);
  assert.match(quiet.stdout, 'trained on CamVid (11 classes)');
  assert.match(quiet.stdout, `[1/2] ${join(photos, 'street.png')}: 240x180`);
  assert.match(quiet.stdout, `[2/2] ${join(photos, 'tiny.jpg')}: 20x12`);
  assert.match(quiet.stdout, /tiny\.jpg: 20x12[^\n]*\n +warning: 20x12 is far below the networks' 48x32 input/);
  assert.not.match(quiet.stdout, 'looks unlike', 'no domain warning under a limit no photo reaches');
  const segmentation = decodeImage(readFileSync(join(results, 'street.segmentation.png')), 'segmentation');
  const below = new Set<string>();
  for (let p = 240 * 180; p < segmentation.width * segmentation.height; p++) below.add(Array.from(segmentation.data.subarray(3 * p, 3 * p + 3)).join());
  assert.ok(CAMVID_CLASSES.colours.every((c) => below.has(c.join())), 'a swatch of every CamVid class under the picture');

  const loud = dicnet(['infer', join(photos, 'street.png'), '--checkpoints', await withDomainLimit(-1), '--out', tempDir('infer-out')]);
  assert.is(loud.code, 0, loud.stderr);
  assert.match(loud.stdout, /warning: looks unlike the CamVid training data \(mean DiCNet \(KL\) score [-\d.e+]+ above the p99 -1\.00 of CamVid validation images\)/);
  const empty = tempDir('no-photos');
  const none = dicnet(['infer', empty]);
  assert.is(none.code, 2);
  assert.match(none.stderr, `${empty} is a folder with no .png, .jpg, .jpeg or .webp file in it`);
});

test('without --checkpoints: a run\'s results/checkpoints where they exist, else the CamVid networks shipped with the package, named', () => {
  const photo = tempDir('default-networks');
  writePng(join(photo, 'street.png'), { width: 64, height: 48, data: renderScene(9, 64, 48, null).image });
  const shipped = dicnet(['infer', join(photo, 'street.png'), '--out', join(photo, 'out')], photo);
  assert.is(shipped.code, 0, shipped.stderr);
  assert.match(shipped.stdout, `networks: ${resolve('weights', 'camvid-tiny')} (shipped with the package; no --checkpoints given and no results/checkpoints here): tiny, 160x120 input, trained on CamVid (11 classes)`);
  cpSync(join(out, 'checkpoints'), join(photo, 'results', 'checkpoints'), { recursive: true });
  const run = dicnet(['infer', join(photo, 'street.png'), '--out', join(photo, 'out')], photo);
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, "networks: results/checkpoints (the main job's, found in results/checkpoints): tiny, 48x32 input");
});

test('dicnet eval: a missing path, a file, a folder of no layout: one line each, exit 2, before the GPU starts', () => {
  const dir = tempDir('eval-paths');
  const file = join(dir, 'file');
  writeFileSync(file, 'x');
  const child = dicnet(['eval', '--data', join(dir, 'missing'), '--anomalies', dir, '--checkpoints', join(out, 'checkpoints'), '--out', tempDir('eval-bad')]);
  assert.is(child.code, 2);
  assert.is(child.stderr.trim(), [`--data ${join(dir, 'missing')} does not exist`, `--anomalies ${dir} is not an anomaly set: it needs images/ + labels_masks/, or frames/`].join('\n'));
  assert.not.match(child.stdout + child.stderr, 'adapter');
  const onFile = dicnet(['eval', '--data', file, '--checkpoints', join(out, 'checkpoints'), '--out', tempDir('eval-bad')]);
  assert.is(onFile.code, 2);
  assert.is(onFile.stderr.trim(), `--data ${file} is not a folder`);
  const onCamvid = dicnet(['eval', '--data', data, '--checkpoints', join(out, 'checkpoints'), '--out', tempDir('eval-camvid'), '--panels', '0']);
  assert.is(onCamvid.code, 0, onCamvid.stderr);
  assert.match(onCamvid.stdout, /mIoU \(%\)\s+\d/);
});

test.run();
