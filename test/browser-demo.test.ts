// The demo page in headless Chromium (WebGPU on lavapipe through ANGLE, the
// compatibility feature level): it loads a checkpoint from the demo server,
// refuses a file that is not an image and a checkpoint that does not fit with a
// readable message, resizes a picture of another size, scores an embedded
// scene with heatmaps equal to the Node engine's for the same scene and
// checkpoint, and lowers the distillation loss with its training button.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { testSceneSeeds, trainSceneSeeds } from '../examples/browser/pictures';
import { Random } from '../src/base/random';
import { decodeSafetensors, encodeSafetensors } from '../src/checkpoint/safetensors';
import { modelInput } from '../src/data/image-input';
import { encodePng } from '../src/data/png';
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
const trainSteps = 4;
const tolerance = 1e-4;
const [h, w] = [tiny.inputHeight, tiny.inputWidth];

interface PageResult {
  picture: string;
  milliseconds: number;
  width: number;
  height: number;
  dicnet: number[];
  msp: number[];
  prediction: number[];
}

/** A teacher trained for two steps (so its batch-norm statistics are not the initial ones) and an untrained student. */
async function makeCheckpoint(rt: GpuRuntime): Promise<{ teacher: Uint8Array; student: Uint8Array }> {
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
  return { teacher: encodeSafetensors(await readState(teacher), { config: 'tiny' }), student: encodeSafetensors(await readState(student), { config: 'tiny' }) };
}

/** The Node engine's scores for one embedded test scene, from the checkpoint files' bytes. */
async function nodeScores(rt: GpuRuntime, files: { teacher: Uint8Array; student: Uint8Array }, seed: number): Promise<CompleteBatchScores> {
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

test('the demo page scores an embedded scene as Node does and its training lowers the loss', async () => {
  const started = performance.now();
  const rt = await testRuntime();
  const files = await makeCheckpoint(rt);
  folder = mkdtempSync(join(tmpdir(), 'dicnet-demo-'));
  writeFileSync(join(folder, 'teacher.safetensors'), files.teacher);
  writeFileSync(join(folder, 'student.safetensors'), files.student);
  server = await startDemoServer(folder);
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const console_: string[] = [];
  page.on('console', (m) => console_.push(m.text()));
  page.on('pageerror', (e) => console_.push(`page error: ${e.message}`));
  await page.goto(`${server.url}?featureLevel=compatibility&trainSteps=${trainSteps}`);
  await whenIdle(page);
  const start = await page.evaluate(() => ({ ...window.dicnetDemo, result: null }));
  assert.is(start.error, null, `the page failed to start: ${start.error}\n${console_.join('\n')}`);
  assert.equal(start.sources, { teacher: 'server teacher.safetensors', student: 'server student.safetensors' });
  console.log(`  page adapter: ${start.adapter} (${start.featureLevel}); ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  await page.setInputFiles('#files', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
  await whenIdle(page);
  const notImage = (await pageError(page)) ?? '';
  assert.ok(notImage.includes('"notes.txt" is not an image this browser can decode'), notImage);
  assert.ok(await page.isVisible('#message'), 'the message box is hidden');

  await page.setInputFiles('#files', { name: 'teacher.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(files.student) });
  await whenIdle(page);
  const refusal = (await pageError(page)) ?? '';
  assert.ok(/^The checkpoint teacher\.safetensors does not fit this model \(tiny\):\n {2}- tensor "encoder\.conv1\.weight": shape/.test(refusal), refusal);

  const odd = { width: 37, height: 23, data: new Uint8Array(37 * 23 * 3).map((_, i) => (i * 7) % 256) };
  await page.setInputFiles('#files', { name: 'odd.png', mimeType: 'image/png', buffer: encodePng(odd) });
  await whenIdle(page);
  assert.is(await pageError(page), null);
  assert.equal(await page.evaluate(() => [window.dicnetDemo.result!.picture, window.dicnetDemo.result!.width, window.dicnetDemo.result!.height]), ['odd.png', w, h]);

  const sceneIndex = 1;
  await page.click(`button[data-scene="scene ${sceneIndex + 1}"]`);
  await whenIdle(page);
  assert.is(await pageError(page), null);
  const result: PageResult = await page.evaluate(() => {
    const r = window.dicnetDemo.result!;
    return { ...r, dicnet: Array.from(r.dicnet), msp: Array.from(r.msp), prediction: Array.from(r.prediction) };
  });
  assert.is(result.picture, `scene ${sceneIndex + 1}`);
  const node = await nodeScores(rt, files, testSceneSeeds[sceneIndex]!);
  const dicnet = compare('DiCNet heatmap', result.dicnet, node.scores.dicnetMse);
  const msp = compare('MSP map', result.msp, node.scores.msp);
  const agreeing = result.prediction.filter((c, i) => c === node.prediction[i]).length / result.prediction.length;
  console.log(
    `  scene ${sceneIndex + 1} (${w}x${h}): page inference ${result.milliseconds.toFixed(0)} ms; DiCNet heatmap max |page - node| ${dicnet.maxAbs.toExponential(2)} (relative ${dicnet.relative.toExponential(2)}), ` +
      `MSP ${msp.maxAbs.toExponential(2)} (relative ${msp.relative.toExponential(2)}), segmentation agrees on ${(100 * agreeing).toFixed(2)}% of pixels`,
  );
  assert.ok(dicnet.relative <= tolerance, `DiCNet heatmap differs: relative ${dicnet.relative}`);
  assert.ok(msp.relative <= tolerance, `MSP map differs: relative ${msp.relative}`);

  const trainStart = performance.now();
  await page.click('#train');
  await whenIdle(page, 120_000);
  assert.is(await pageError(page), null);
  const losses = await page.evaluate(() => window.dicnetDemo.losses);
  console.log(`  training in the page: ${trainSteps} steps in ${((performance.now() - trainStart) / 1000).toFixed(1)} s, losses ${losses.map((l) => l.toFixed(4)).join(', ')}`);
  assert.is(losses.length, trainSteps);
  assert.ok(losses.every(Number.isFinite), 'a loss is not finite');
  assert.ok(losses.at(-1)! < losses[0]!, `the loss did not fall: ${losses.join(', ')}`);

  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`  screenshot: ${screenshot}; the whole test took ${((performance.now() - started) / 1000).toFixed(1)} s`);
});

test.run();
