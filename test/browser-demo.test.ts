// The demo page in headless Chromium (WebGPU on lavapipe through ANGLE, the
// compatibility feature level). Without checkpoints it says, prominently, that
// its weights are untrained and how to get trained ones. With a checkpoint from
// the demo server it refuses a file that is not an image and a checkpoint that
// does not fit with a readable message, resizes a picture of another size,
// scores an embedded scene with heatmaps equal to the Node engine's for the same
// scene and checkpoint, shows the class colours and each heatmap's colour scale,
// outlines the pixels above the checkpoint's FPR95 thresholds on request, and
// lowers the distillation loss with its training button while counting the
// steps, keeping the user's picture and saying the weights are now trained in the page.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { thresholdKeys, type OutlinedScore } from '../examples/browser/models';
import { OUTLINE_COLOUR, testSceneSeeds, trainSceneSeeds } from '../examples/browser/pictures';
import { Random } from '../src/base/random';
import { decodeSafetensors, encodeSafetensors, type TensorToSave } from '../src/checkpoint/safetensors';
import { modelInput } from '../src/data/image-input';
import { encodePng } from '../src/data/png';
import { domainMetadata } from '../src/eval/domain';
import { jpegBytes } from './support/camvid';
import { INFERNO_LUT } from '../src/eval/colour-map';
import { STREETHAZARDS_CLASSES } from '../src/data/class-tables';
import { renderScene } from '../src/data/synthetic/scene';
import type { GpuRuntime } from '../src/gpu';
import { SGD } from '../src/graph/optim';
import { tiny } from '../src/model/config';
import { Student, Teacher } from '../src/model/networks';
import { scoreBatch, withBaselines, type CompleteBatchScores } from '../src/model/scores';
import { readState, writeState } from '../src/model/state';
import { teacherStep } from '../src/model/steps';
import { launchChromium, startDemoServer, type DemoServer } from './support/browser';
import { testRuntime } from './support/runtime';

const test = suite('browser demo');
const screenshot = 'test-artifacts/browser-demo.png';
const untrainedScreenshot = 'test-artifacts/browser-demo-untrained.png';
const outlineScreenshot = 'test-artifacts/browser-demo-outline.png';
const trainSteps = 4;
const tolerance = 1e-4;
const [h, w] = [tiny.inputHeight, tiny.inputWidth];

interface PageResult {
  picture: string;
  milliseconds: number;
  width: number;
  height: number;
  dicnetScore: string;
  dicnet: number[];
  msp: number[];
  prediction: number[];
}

type Checkpoint = Record<'teacher' | 'student', Map<string, TensorToSave>>;

/** A teacher trained for two steps (so its batch-norm statistics are not the initial ones) and an untrained student. */
async function makeCheckpoint(rt: GpuRuntime): Promise<Checkpoint> {
  const rng = new Random(7);
  const teacher = new Teacher(rt, rng, tiny);
  const student = new Student(rt, rng, tiny);
  const optimizer = new SGD(teacher.namedParameters().map(([name, param]) => ({ name, param })), 0.02, 0.9, 1e-4);
  for (let step = 0; step < 2; step++) {
    const scenes = trainSceneSeeds.slice(step * 2, step * 2 + 2).map((seed) => renderScene(seed, w, h, null));
    const images = new Float32Array(scenes.length * 3 * h * w);
    const labels = new Int32Array(scenes.length * h * w);
    scenes.forEach((scene, i) => {
      images.set(modelInput({ width: w, height: h, data: scene.image }, h, w).images, i * 3 * h * w);
      labels.set(scene.classes, i * h * w);
    });
    await teacherStep(teacher, optimizer, { images, labels, size: scenes.length, height: h, width: w }, step);
  }
  return { teacher: await readState(teacher), student: await readState(student) };
}

/** The Node engine's scores for one embedded test scene, from the checkpoint files' bytes. */
async function nodeScores(rt: GpuRuntime, files: Record<'teacher' | 'student', Uint8Array>, seed: number): Promise<CompleteBatchScores> {
  const rng = new Random(99);
  const teacher = new Teacher(rt, rng, tiny);
  const student = new Student(rt, rng, tiny);
  writeState(teacher, decodeSafetensors(files.teacher, 'teacher').tensors, 'teacher');
  writeState(student, decodeSafetensors(files.student, 'student').tensors, 'student');
  teacher.eval();
  student.eval();
  const scene = renderScene(seed, w, h, 'test');
  return withBaselines(await scoreBatch(teacher, student, modelInput({ width: w, height: h, data: scene.image }, h, w), 1));
}

function compare(name: string, page: readonly number[], node: Float32Array): { maxAbs: number; relative: number } {
  assert.is(page.length, node.length, `${name}: ${page.length} values from the page, ${node.length} from Node`);
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < node.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(page[i]! - node[i]!));
    scale = Math.max(scale, Math.abs(node[i]!));
  }
  return { maxAbs, relative: maxAbs / scale };
}

/** Pixels scoring >= threshold with a 4-neighbour inside the picture that scores below it: what the outline should paint. */
function boundaryPixels(scores: readonly number[], threshold: number): number {
  const below = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && scores[y * w + x]! < threshold;
  let count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) if (scores[y * w + x]! >= threshold && (below(x - 1, y) || below(x + 1, y) || below(x, y - 1) || below(x, y + 1))) count++;
  }
  return count;
}

function median(values: Float32Array): number {
  return Float64Array.from(values).sort()[values.length >> 1]!;
}

/** Pixels of a panel canvas in exactly a colour. */
function countColour(page: Page, canvas: string, colour: readonly number[]): Promise<number> {
  return page.evaluate(
    ([id, [r, g, b]]) => {
      const c = document.getElementById(id) as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] === r && data[i + 1] === g && data[i + 2] === b) n++;
      return n;
    },
    [canvas, colour] as const,
  );
}

/** The image panel's pixels, to tell whether the picture on screen changed. */
const imagePanel = (page: Page) => page.evaluate(() => {
  const c = document.getElementById('panel-image') as HTMLCanvasElement;
  return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
});

const pageResult = (page: Page): Promise<PageResult> =>
  page.evaluate(() => {
    const r = window.dicnetDemo.result!;
    return { ...r, dicnet: Array.from(r.dicnet), msp: Array.from(r.msp), prediction: Array.from(r.prediction) };
  });

async function whenIdle(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => window.dicnetDemo !== undefined && !window.dicnetDemo.busy, null, { timeout });
}

const pageError = (page: Page) => page.evaluate(() => window.dicnetDemo.error);

let browser: Browser | null = null;
let server: DemoServer | null = null;
let folder = '';

test.after(async () => {
  await browser?.close();
  server?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

test('the demo page: untrained notice, checkpoints from the server, heatmaps as Node computes them, legend, scales, outlines, training in the page', async () => {
  const started = performance.now();
  const rt = await testRuntime();
  const checkpoint = await makeCheckpoint(rt);
  const files = { teacher: encodeSafetensors(checkpoint.teacher, { config: 'tiny' }), student: encodeSafetensors(checkpoint.student, { config: 'tiny' }) };
  folder = mkdtempSync(join(tmpdir(), 'dicnet-demo-'));
  server = await startDemoServer(folder);
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const console_: string[] = [];
  page.on('console', (m) => console_.push(m.text()));
  page.on('pageerror', (e) => console_.push(`page error: ${e.message}`));
  mkdirSync('test-artifacts', { recursive: true });

  // No checkpoint folder contents yet: random weights, and the page says so.
  await page.goto(`${server.url}?featureLevel=compatibility&trainSteps=${trainSteps}`);
  await whenIdle(page);
  const bare = await page.evaluate(() => ({ ...window.dicnetDemo, result: null }));
  assert.is(bare.error, null, `the page failed to start: ${bare.error}\n${console_.join('\n')}`);
  assert.equal(bare.untrained, ['teacher', 'student']);
  assert.ok(await page.isVisible('#untrained'), 'no untrained-weights notice without checkpoints');
  const notice = (await page.textContent('#untrained')) ?? '';
  assert.ok(/teacher and the student are\s+random/.test(notice) && notice.includes('node bench/run.js') && notice.includes('drop those two files'), notice);
  assert.ok(await page.isDisabled('#outline'), 'the outline toggle is usable without thresholds');
  assert.match((await page.textContent('#threshold-note')) ?? '', 'no stored FPR95 thresholds');
  await page.screenshot({ path: untrainedScreenshot, fullPage: true });
  console.log(`  page adapter: ${bare.adapter} (${bare.featureLevel}); ready in ${((performance.now() - started) / 1000).toFixed(1)} s; untrained notice shown`);

  // The checkpoint, its student carrying thresholds at the median of each score on scene 2.
  const sceneIndex = 1;
  const node = await nodeScores(rt, files, testSceneSeeds[sceneIndex]!);
  const thresholds = Object.fromEntries((Object.keys(thresholdKeys) as OutlinedScore[]).map((score) => [score, median(node.scores[score])])) as Record<OutlinedScore, number>;
  // Its domain check has every limit below any score: each picture is called unusual.
  const unusualEverywhere = domainMetadata({ split: 'CamVid validation', images: 101, values: { dicnetKl: { p95: -1, p99: -1, max: -1 } } });
  const metadata = { config: 'tiny', fpr95_threshold_split: 'validation', ...Object.fromEntries(Object.entries(thresholdKeys).map(([score, key]) => [key, String(thresholds[score as OutlinedScore])])), ...unusualEverywhere };
  writeFileSync(join(folder, 'teacher.safetensors'), files.teacher);
  writeFileSync(join(folder, 'student.safetensors'), encodeSafetensors(checkpoint.student, metadata));
  await page.reload();
  await whenIdle(page);
  const start = await page.evaluate(() => ({ ...window.dicnetDemo, result: null }));
  assert.is(start.error, null, `the page failed to start: ${start.error}\n${console_.join('\n')}`);
  assert.equal(start.sources, { teacher: 'server teacher.safetensors', student: 'server student.safetensors' });
  assert.equal(start.untrained, []);
  assert.not.ok(await page.isVisible('#untrained'), 'the untrained notice stays with trained weights');

  await page.setInputFiles('#files', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
  await whenIdle(page);
  const notImage = (await pageError(page)) ?? '';
  assert.ok(notImage.includes('"notes.txt" is not an image this browser can decode'), notImage);
  assert.ok(await page.isVisible('#message'), 'the message box is hidden');

  await page.setInputFiles('#files', { name: 'teacher.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(files.student) });
  await whenIdle(page);
  const refusal = (await pageError(page)) ?? '';
  assert.ok(/^The checkpoint teacher\.safetensors cannot be used with this model \(tiny\):\n {2}- tensor "encoder\.conv1\.weight": shape/.test(refusal), refusal);

  const odd = { width: 37, height: 23, data: new Uint8Array(37 * 23 * 3).map((_, i) => (i * 7) % 256) };
  await page.setInputFiles('#files', { name: 'odd.png', mimeType: 'image/png', buffer: Buffer.from(encodePng(odd)) });
  await whenIdle(page);
  assert.is(await pageError(page), null);
  assert.equal(await page.evaluate(() => [window.dicnetDemo.result!.picture, window.dicnetDemo.result!.width, window.dicnetDemo.result!.height]), ['odd.png', w, h]);

  await page.click(`button[data-scene="scene ${sceneIndex + 1}"]`);
  await whenIdle(page);
  assert.is(await pageError(page), null);
  const result = await pageResult(page);
  assert.is(result.picture, `scene ${sceneIndex + 1}`);
  assert.is(result.dicnetScore, 'dicnetKl', 'the DiCNet panel shows the KL score by default');
  await page.selectOption('#dicnet-score', 'dicnetMse');
  const featureDistance = await pageResult(page);
  assert.is(featureDistance.dicnetScore, 'dicnetMse');
  await page.selectOption('#dicnet-score', 'dicnetKl');
  const kl = compare('DiCNet (KL) heatmap', result.dicnet, node.scores.dicnetKl);
  const dicnet = compare('DiCNet (feature distance) heatmap', featureDistance.dicnet, node.scores.dicnetMse);
  const msp = compare('MSP map', result.msp, node.scores.msp);
  const agreeing = result.prediction.filter((c, i) => c === node.prediction[i]).length / result.prediction.length;
  console.log(
    `  scene ${sceneIndex + 1} (${w}x${h}): page inference ${result.milliseconds.toFixed(0)} ms; max |page - node| relative: DiCNet KL ${kl.relative.toExponential(2)}, ` +
      `feature distance ${dicnet.relative.toExponential(2)}, MSP ${msp.relative.toExponential(2)}; segmentation agrees on ${(100 * agreeing).toFixed(2)}% of pixels`,
  );
  for (const [name, c] of [['DiCNet KL', kl], ['DiCNet feature distance', dicnet], ['MSP', msp]] as const) assert.ok(c.relative <= tolerance, `${name} map differs: relative ${c.relative}`);

  // The keys: one legend entry per known class in its palette colour, a colour scale under each heatmap.
  const legend = await page.$$eval('#legend li', (items) => items.map((li) => [li.textContent, getComputedStyle(li.querySelector('.swatch')!).backgroundColor]));
  assert.is(legend.length, STREETHAZARDS_CLASSES.names.length);
  legend.forEach(([, colour], label) => assert.is(colour, `rgb(${STREETHAZARDS_CLASSES.colours[label]!.join(', ')})`, `legend colour of class ${label}`));
  assert.is(legend[7]![0], 'road');
  for (const [panel, scores] of [['dicnet', result.dicnet], ['msp', result.msp]] as const) {
    const scale = await page.evaluate((id) => {
      const element = document.getElementById(id)!;
      const canvas = element.querySelector('canvas')!;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, 1).data;
      return { low: element.querySelector('.low')!.textContent, high: element.querySelector('.high')!.textContent, threshold: element.querySelector<HTMLElement>('.threshold')!.textContent, first: [data[0], data[1], data[2]], last: [data.at(-4), data.at(-3), data.at(-2)] };
    }, `scale-${panel}`);
    assert.equal(scale.first, Array.from(INFERNO_LUT.slice(0, 3)), `${panel} scale does not start at the ramp's dark end`);
    assert.equal(scale.last, Array.from(INFERNO_LUT.slice(-3)), `${panel} scale does not end at the ramp's light end`);
    const [low, high] = [Math.min(...scores), Math.max(...scores)];
    assert.ok(Math.abs(Number(scale.low) - low) <= 0.01 * Math.abs(high - low) + 1e-6, `${panel} scale low end ${scale.low}, scores from ${low}`);
    assert.ok(Math.abs(Number(scale.high) - high) <= 0.01 * Math.abs(high - low) + 1e-6, `${panel} scale high end ${scale.high}, scores to ${high}`);
    assert.match(scale.threshold ?? '', 'FPR95 threshold');
  }

  // The outline: off, nothing in the outline colour; on, exactly the boundary of each map's pixels at or above its threshold.
  assert.is(await countColour(page, 'panel-dicnet', OUTLINE_COLOUR), 0);
  await page.check('#outline');
  const outlined = await page.evaluate(() => window.dicnetDemo.outline);
  assert.ok(outlined.on);
  const expected = { dicnet: boundaryPixels(result.dicnet, thresholds.dicnetKl), msp: boundaryPixels(result.msp, thresholds.msp) };
  assert.ok(expected.dicnet > 0 && expected.msp > 0);
  assert.equal(outlined.pixels, expected);
  assert.is(await countColour(page, 'panel-dicnet', OUTLINE_COLOUR), expected.dicnet);
  assert.is(await countColour(page, 'panel-msp', OUTLINE_COLOUR), expected.msp);
  await page.screenshot({ path: outlineScreenshot, fullPage: true });
  console.log(`  outline at the stored thresholds: ${expected.dicnet} DiCNet and ${expected.msp} MSP boundary pixels`);

  // Beside the outline: the share of pixels at or above each threshold, and the domain check's warning.
  const share = (map: ArrayLike<number>, t: number) => Array.from(map).filter((v) => v >= t).length / map.length;
  const shown = await page.evaluate(() => ({ flagged: window.dicnetDemo.flagged, warning: window.dicnetDemo.domainWarning }));
  assert.equal(shown.flagged, { dicnet: share(result.dicnet, thresholds.dicnetKl), msp: share(result.msp, thresholds.msp) });
  assert.match((await page.textContent('#flagged')) ?? '', `DiCNet ${(100 * shown.flagged.dicnet!).toFixed(1)}%, MSP ${(100 * shown.flagged.msp!).toFixed(1)}%`);
  assert.ok(await page.isVisible('#domain-warning'), 'the domain warning is hidden');
  assert.match((await page.textContent('#domain-warning')) ?? '', /^This picture looks unlike the StreetHazards training data \(mean DiCNet \(KL\) score [-\d.e+]+ above the p99 -1\.00 of CamVid validation images/);

  // A photo as a camera makes it: 1280x720 JPEG, made by the test.
  const photo = renderScene(2006, 1280, 720, 'test');
  await page.setInputFiles('#files', { name: 'street-photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(jpegBytes(photo.image, 1280, 720)) });
  await whenIdle(page);
  assert.is(await pageError(page), null);
  const onPhoto = await page.evaluate(() => ({ picture: window.dicnetDemo.result!.picture, flagged: window.dicnetDemo.flagged }));
  assert.is(onPhoto.picture, 'street-photo.jpg');
  assert.ok(onPhoto.flagged.dicnet !== null && onPhoto.flagged.dicnet >= 0 && onPhoto.flagged.dicnet <= 1);

  // The user's own picture stays on screen through training; the step counter runs; the weights line says what happened.
  const street = renderScene(2005, 200, 120, 'test');
  await page.setInputFiles('#files', { name: 'street.png', mimeType: 'image/png', buffer: Buffer.from(encodePng({ width: street.width, height: street.height, data: street.image })) });
  await whenIdle(page);
  assert.is(await pageError(page), null);
  const before = await imagePanel(page);
  const trainStart = performance.now();
  await page.click('#train');
  await page.waitForFunction(() => window.dicnetDemo.training?.step === 2, null, { timeout: 60_000 });
  const during = await page.evaluate(() => ({ status: document.getElementById('status')!.textContent, progress: document.getElementById('train-progress')!.textContent, losses: window.dicnetDemo.losses.length }));
  assert.match(during.status ?? '', `step 2 of ${trainSteps}`);
  assert.is(during.progress, `step 2 of ${trainSteps}`);
  assert.is(during.losses, 1, 'the first step\'s loss is not drawn while the second runs');
  await whenIdle(page, 120_000);
  assert.is(await pageError(page), null);
  const after = { ...(await page.evaluate(() => ({ ...window.dicnetDemo, result: null }))), result: await pageResult(page) };
  console.log(`  training in the page: ${trainSteps} steps in ${((performance.now() - trainStart) / 1000).toFixed(1)} s, losses ${after.losses.map((l) => l.toFixed(4)).join(', ')}`);
  assert.is(after.losses.length, trainSteps);
  assert.ok(after.losses.every(Number.isFinite), 'a loss is not finite');
  assert.ok(after.losses.at(-1)! < after.losses[0]!, `the loss did not fall: ${after.losses.join(', ')}`);
  assert.is(after.result.picture, 'street.png', 'training replaced the user\'s picture');
  assert.equal(await imagePanel(page), before, 'the image panel changed through training');
  assert.is(after.sources.student, `server student.safetensors, then distilled ${trainSteps} steps in this page`);
  assert.match((await page.textContent('#sources')) ?? '', `distilled ${trainSteps} steps in this page`);
  assert.equal(Object.keys(after.outline.thresholds ?? {}), ['msp'], 'the DiCNet thresholds of the loaded student still apply after training it');
  assert.equal(after.outline.pixels, { dicnet: 0, msp: boundaryPixels(after.result.msp, thresholds.msp) });

  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`  screenshots: ${untrainedScreenshot}, ${outlineScreenshot}, ${screenshot}; the whole test took ${((performance.now() - started) / 1000).toFixed(1)} s`);
});

test('a browser without WebGPU: the page says so, is not "ready" and throws nothing', async () => {
  browser ??= await launchChromium();
  server ??= await startDemoServer(mkdtempSync(join(tmpdir(), 'dicnet-demo-')));
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    delete (Navigator.prototype as { gpu?: unknown }).gpu;
  });
  await page.goto(server.url);
  await whenIdle(page);
  assert.equal(errors, []);
  const state = await page.evaluate(() => ({ webgpu: window.dicnetDemo.webgpu, error: window.dicnetDemo.error, status: document.getElementById('status')!.textContent }));
  assert.equal(state, { webgpu: false, error: null, status: 'no WebGPU in this browser' });
  assert.ok(await page.isVisible('#no-webgpu'));
  assert.match((await page.textContent('#no-webgpu')) ?? '', 'This browser offers no WebGPU');
  await page.close();
});

test.run();
