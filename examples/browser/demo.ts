// The demo page: DiCNet's teacher and student on the browser's GPU. Load a
// checkpoint, drop or pick an image (or take an embedded scene), see the
// anomaly heatmaps; distil the student for a few steps and watch the loss.

import { CheckpointError, GpuError } from '../../src/index.browser';
import { drawLossChart } from './loss-chart';
import { DemoModels, type Inference, type Role } from './models';
import { decodePicture, drawPicture, resultPanels, scenePicture, testSceneSeeds, testScenes, trainSceneSeeds, type EmbeddedScene } from './pictures';

const query = new URLSearchParams(location.search);
/** ?trainSteps=N: how many steps the training button runs (the browser test asks for fewer). */
const trainSteps = Math.min(100, Math.max(1, Math.round(Number(query.get('trainSteps'))) || 8));
const trainBatch = 2;
const panelNames = ['image', 'dicnet', 'segmentation', 'msp'] as const;

/** What the page shows, for scripts (the browser test) as much as for people. */
export interface DemoState {
  busy: boolean;
  adapter: string;
  featureLevel: string;
  sources: Record<Role, string>;
  /** The last inference: what it ran on, its time, and its score maps at the model's input size. */
  result: { picture: string; milliseconds: number; width: number; height: number; dicnet: Float32Array; msp: Float32Array; prediction: Int32Array } | null;
  losses: number[];
  error: string | null;
}

declare global {
  interface Window {
    dicnetDemo: DemoState;
  }
}

const state: DemoState = { busy: true, adapter: '', featureLevel: '', sources: { teacher: '', student: '' }, result: null, losses: [], error: null };
window.dicnetDemo = state;

const element = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
let models: DemoModels;
let scenes: EmbeddedScene[] = [];
let work: Promise<void> = Promise.resolve();

/** Runs page actions one at a time; an error becomes the page's message. */
function enqueue(what: string, action: () => Promise<void>): Promise<void> {
  work = work.then(async () => {
    setBusy(true, what);
    try {
      await action();
      showError(null);
    } catch (error) {
      showError(describe(error));
    } finally {
      setBusy(false, '');
    }
  });
  return work;
}

function setBusy(busy: boolean, what: string): void {
  state.busy = busy;
  document.body.dataset.busy = String(busy);
  for (const control of document.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input')) control.disabled = busy;
  element('status').textContent = busy ? `${what}...` : 'ready';
}

function showError(message: string | null): void {
  state.error = message;
  const box = element('message');
  box.hidden = message === null;
  box.textContent = message ?? '';
}

function describe(error: unknown): string {
  if (error instanceof CheckpointError) {
    const shown = error.problems.slice(0, 6).map((p) => `  - ${p}`);
    const more = error.problems.length > shown.length ? [`  ... and ${error.problems.length - shown.length} more`] : [];
    return [`The checkpoint ${error.source} does not fit this model (${models.config.name}):`, ...shown, ...more].join('\n');
  }
  return error instanceof Error ? error.message : String(error);
}

function showSources(): void {
  state.sources = { ...models.sources };
  element('sources').textContent = `teacher: ${models.sources.teacher}; student: ${models.sources.student}`;
}

async function runOn(name: string, picture: Parameters<DemoModels['infer']>[0]): Promise<void> {
  const result = await models.infer(picture);
  showResult(name, result);
}

function showResult(name: string, result: Inference): void {
  const panels = resultPanels(result);
  for (const panel of panelNames) drawPicture(element(`panel-${panel}`), panels[panel]);
  const { width, height } = result.input;
  state.result = { picture: name, milliseconds: result.milliseconds, width, height, dicnet: result.scores.scores.dicnetMse, msp: result.scores.scores.msp, prediction: result.scores.prediction };
  element('timing').textContent = `${name}: teacher + student + scores in ${result.milliseconds.toFixed(0)} ms (model input ${width}x${height})`;
}

async function loadCheckpointFiles(files: readonly { name: string; bytes: () => Promise<ArrayBuffer> }[]): Promise<void> {
  for (const file of files) models.load(new Uint8Array(await file.bytes()), file.name);
  showSources();
}

async function loadDefaultCheckpoints(): Promise<void> {
  const responses = await Promise.all(['teacher', 'student'].map((role) => fetch(`checkpoints/${role}.safetensors`)));
  if (!responses.every((r) => r.ok)) {
    element('sources').textContent += ' (the server has no checkpoint folder: pick the two .safetensors files that `node bench/run.js` writes)';
    return;
  }
  await loadCheckpointFiles(responses.map((r, i) => ({ name: `server ${['teacher', 'student'][i]}.safetensors`, bytes: () => r.arrayBuffer() })));
}

function takeFiles(files: readonly File[]): Promise<void> {
  const checkpoints = files.filter((f) => f.name.endsWith('.safetensors'));
  const pictures = files.filter((f) => !f.name.endsWith('.safetensors'));
  return enqueue('loading', async () => {
    if (checkpoints.length) await loadCheckpointFiles(checkpoints.map((f) => ({ name: f.name, bytes: () => f.arrayBuffer() })));
    const picture = pictures[0];
    if (picture) await runOn(picture.name, await decodePicture(picture, picture.name));
    else if (state.result) await rerun();
  });
}

async function rerun(): Promise<void> {
  const last = scenes.find((s) => s.name === state.result?.picture);
  await runOn(last?.name ?? scenes[0]!.name, (last ?? scenes[0]!).picture);
}

async function train(): Promise<void> {
  const pictures = trainSceneSeeds.map((seed) => scenePicture(models.config, seed, false));
  const chart = element<HTMLCanvasElement>('loss-chart');
  for (let step = 0; step < trainSteps; step++) {
    const batch = Array.from({ length: trainBatch }, (_, k) => pictures[(step * trainBatch + k) % pictures.length]!);
    state.losses.push(await models.distill(batch));
    drawLossChart(chart, state.losses);
    element('losses').textContent = `KL distillation loss, ${state.losses.length} steps: ${state.losses.map((l) => l.toFixed(4)).join(', ')}`;
  }
  await rerun();
}

function wireControls(): void {
  const sceneBar = element('scenes');
  for (const scene of scenes) {
    const button = document.createElement('button');
    button.textContent = scene.name;
    button.dataset.scene = scene.name;
    button.addEventListener('click', () => enqueue(`running on ${scene.name}`, () => runOn(scene.name, scene.picture)));
    sceneBar.append(button);
  }
  const picker = element<HTMLInputElement>('files');
  picker.addEventListener('change', () => {
    void takeFiles([...(picker.files ?? [])]);
    picker.value = '';
  });
  const drop = element('drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    void takeFiles([...(event.dataTransfer?.files ?? [])]);
  });
  element('train').addEventListener('click', () => enqueue(`distilling ${trainSteps} steps`, train));
  element('train').textContent = `Distil the student: ${trainSteps} steps on the embedded scenes`;
}

async function start(): Promise<void> {
  const featureLevel = query.get('featureLevel') === 'compatibility' ? 'compatibility' : 'core';
  try {
    models = await DemoModels.create(featureLevel);
    state.featureLevel = featureLevel;
  } catch (error) {
    if (!(error instanceof GpuError) || featureLevel === 'compatibility') throw error;
    models = await DemoModels.create('compatibility');
    state.featureLevel = 'compatibility';
  }
  state.adapter = models.rt.describe() || 'an adapter that does not name itself';
  element('adapter').textContent = `${state.adapter} (${state.featureLevel} feature level)`;
  showSources();
  scenes = testScenes(models.config, testSceneSeeds);
  wireControls();
  await loadDefaultCheckpoints();
  await runOn(scenes[0]!.name, scenes[0]!.picture);
}

void enqueue('starting WebGPU', start);
