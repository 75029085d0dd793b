// The demo page: DiCNet's teacher and student on the browser's GPU. Load a
// checkpoint, drop or pick an image (or take an embedded scene), see the
// anomaly heatmaps with their colour scales, the segmentation with its class
// colours, and (where the checkpoint stores them) the pixels above the FPR95
// thresholds outlined; distil the student for a few steps and watch the loss fall.

import { CheckpointError, domainWarning, GpuError, imageMeans, type RgbPixels } from '../../src/index.browser';
import { drawScale, fillLegend } from './legend';
import { drawLossChart } from './loss-chart';
import { DemoModels, type Inference, type Role } from './models';
import { decodePicture, drawPicture, resultPanels, scenePicture, testSceneSeeds, testScenes, trainSceneSeeds, type DicnetScore, type EmbeddedScene } from './pictures';

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
  /** Which branches have random weights (the page then says so, prominently). */
  untrained: Role[];
  /** The last inference: what it ran on, its time, and its score maps at the model's input size (`dicnet` is the score `dicnetScore` names). */
  result: { picture: string; milliseconds: number; width: number; height: number; dicnetScore: DicnetScore; dicnet: Float32Array; msp: Float32Array; prediction: Int32Array } | null;
  /** The thresholds the outline uses (null: the student checkpoint has none), whether it is on, and how many pixels each heatmap has outlined. */
  outline: { thresholds: Partial<Record<'dicnetKl' | 'dicnetMse' | 'msp', number>> | null; on: boolean; pixels: { dicnet: number; msp: number } };
  /** The training run in progress: the step running now (1-based) and how many there are. */
  training: { step: number; of: number } | null;
  losses: number[];
  /** Share of the picture's pixels at or above the FPR95 threshold, per heatmap; null without a threshold. */
  flagged: { dicnet: number | null; msp: number | null };
  /** The domain check's warning for the picture on screen; null where it looks like the training data or the student has no check. */
  domainWarning: string | null;
  /** False where the browser offers no WebGPU: the page says so and does nothing else. */
  webgpu: boolean;
  error: string | null;
}

declare global {
  interface Window {
    dicnetDemo: DemoState;
  }
}

const state: DemoState = {
  busy: true,
  adapter: '',
  featureLevel: '',
  sources: { teacher: '', student: '' },
  untrained: [],
  result: null,
  outline: { thresholds: null, on: false, pixels: { dicnet: 0, msp: 0 } },
  training: null,
  losses: [],
  flagged: { dicnet: null, msp: null },
  domainWarning: null,
  webgpu: true,
  error: null,
};
window.dicnetDemo = state;

const element = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
let models: DemoModels;
let scenes: EmbeddedScene[] = [];
let work: Promise<void> = Promise.resolve();
/** The picture on screen (an embedded scene or the user's own) and its last inference, re-drawn when a display option changes. */
let shown: { name: string; picture: RgbPixels; inference: Inference } | null = null;

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
  for (const control of document.querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement>('button, input, select')) control.disabled = busy;
  element('status').textContent = busy ? `${what}...` : state.webgpu ? 'ready' : 'no WebGPU in this browser';
  if (!busy && state.webgpu) showThresholds();
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
    return [`The checkpoint ${error.source} cannot be used with this model (${models.config.name}):`, ...shown, ...more].join('\n');
  }
  return error instanceof Error ? error.message : String(error);
}

function showSources(): void {
  state.sources = { ...models.sources };
  element('sources').textContent = `teacher: ${models.sources.teacher}; student: ${models.sources.student}`;
  state.untrained = (['teacher', 'student'] as const).filter((role) => models.isRandom(role));
  element('untrained').hidden = state.untrained.length === 0;
  element('untrained-what').textContent = state.untrained.length === 2 ? 'the teacher and the student are' : `the ${state.untrained[0]} is`;
  showThresholds();
}

/**
 * The outline toggle is usable only with thresholds: the student checkpoint's.
 * The DiCNet ones describe that student as loaded, so they are dropped once the
 * page has trained it; MSP's depends on the teacher alone and stays.
 */
function showThresholds(): void {
  const stored = models.thresholds;
  const trained = models.stepsInPage > 0;
  const usable = stored ? Object.fromEntries(Object.entries(stored.values).filter(([score]) => score === 'msp' || !trained)) : null;
  state.outline.thresholds = usable && Object.keys(usable).length ? usable : null;
  const toggle = element<HTMLInputElement>('outline');
  toggle.disabled = state.busy || state.outline.thresholds === null;
  if (toggle.disabled && !state.busy) toggle.checked = false;
  state.outline.on = toggle.checked;
  const dicnet = element<HTMLSelectElement>('dicnet-score').value as DicnetScore;
  element('threshold-note').textContent = !stored
    ? `(${models.isRandom('student') ? 'random weights have' : `the student checkpoint (${models.sources.student}) has`} no stored FPR95 thresholds; node bench/run.js stores them)`
    : trained
      ? `(thresholds from ${stored.source}: the DiCNet ones were for the student before this page trained it, so only MSP is outlined)`
      : `(thresholds from ${stored.source}${stored.split ? `, pooled over its ${stored.split} split` : ''}${stored.values[dicnet] === undefined ? `; none for this DiCNet score` : ''})`;
}

async function runOn(name: string, picture: RgbPixels): Promise<void> {
  shown = { name, picture, inference: await models.infer(picture) };
  showResult();
}

function showResult(): void {
  if (!shown) return;
  const { name, inference } = shown;
  const dicnetScore = element<HTMLSelectElement>('dicnet-score').value as DicnetScore;
  const thresholds = state.outline.thresholds;
  const panels = resultPanels(inference, { dicnet: dicnetScore, outline: state.outline.on ? thresholds : null, colours: models.classes.colours });
  for (const panel of panelNames) drawPicture(element(`panel-${panel}`), panels.pictures[panel]);
  drawScale(element('scale-dicnet'), panels.ranges.dicnet, thresholds?.[dicnetScore]);
  drawScale(element('scale-msp'), panels.ranges.msp, thresholds?.msp);
  element('caption-dicnet').textContent = `DiCNet anomaly heatmap (teacher-student ${dicnetScore === 'dicnetKl' ? 'KL divergence' : 'feature distance'})`;
  state.outline.pixels = panels.outlined;
  const { width, height } = inference.input;
  const scores = inference.scores.scores;
  const share = (map: Float32Array, threshold: number | undefined) => (threshold === undefined ? null : map.filter((v) => v >= threshold).length / map.length);
  state.flagged = { dicnet: share(scores[dicnetScore], thresholds?.[dicnetScore]), msp: share(scores.msp, thresholds?.msp) };
  const percent = (f: number | null) => (f === null ? 'no threshold' : `${(100 * f).toFixed(1)}%`);
  element('flagged').textContent = thresholds
    ? `Pixels at or above the FPR95 threshold: DiCNet ${percent(state.flagged.dicnet)}, MSP ${percent(state.flagged.msp)}.`
    : 'No FPR95 thresholds with these weights: nothing is called anomalous.';
  state.domainWarning = domainWarning(models.domain, imageMeans({ dicnetKl: scores.dicnetKl }), models.classes.dataset);
  element('domain-warning').hidden = state.domainWarning === null;
  element('domain-warning').textContent = state.domainWarning === null ? '' : `This picture ${state.domainWarning}.`;
  state.result = { picture: name, milliseconds: inference.milliseconds, width, height, dicnetScore, dicnet: scores[dicnetScore], msp: scores.msp, prediction: inference.scores.prediction };
  element('timing').textContent = `${name}: teacher + student + scores in ${inference.milliseconds.toFixed(0)} ms (model input ${width}x${height})`;
}

async function loadCheckpointFiles(files: readonly { name: string; bytes: () => Promise<ArrayBuffer> }[]): Promise<void> {
  for (const file of files) models.load(new Uint8Array(await file.bytes()), file.name);
  fillLegend(element('legend'), models.classes);
  showSources();
}

async function loadDefaultCheckpoints(): Promise<void> {
  const responses = await Promise.all(['teacher', 'student'].map((role) => fetch(`checkpoints/${role}.safetensors`)));
  // Without them the untrained-weights notice says how to get trained ones.
  if (!responses.every((r) => r.ok)) return;
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

/** The picture on screen again, with the weights as they are now. */
async function rerun(): Promise<void> {
  await runOn(shown?.name ?? scenes[0]!.name, shown?.picture ?? scenes[0]!.picture);
}

/** Distillation steps with a step counter and the loss drawn after each; then the picture on screen is scored again. */
async function train(): Promise<void> {
  const pictures = trainSceneSeeds.map((seed) => scenePicture(models.config, seed, false));
  const chart = element<HTMLCanvasElement>('loss-chart');
  const started = performance.now();
  try {
    for (let step = 0; step < trainSteps; step++) {
      state.training = { step: step + 1, of: trainSteps };
      const perStep = step ? (performance.now() - started) / 1000 / step : null;
      const pace = perStep === null ? '' : ` (${perStep.toFixed(1)} s a step, about ${Math.ceil(perStep * (trainSteps - step))} s left)`;
      element('status').textContent = `distilling the student: step ${step + 1} of ${trainSteps}${pace}...`;
      element('train-progress').textContent = `step ${step + 1} of ${trainSteps}`;
      const batch = Array.from({ length: trainBatch }, (_, k) => pictures[(step * trainBatch + k) % pictures.length]!);
      state.losses.push(await models.distill(batch));
      drawLossChart(chart, state.losses);
      showSources();
      element('losses').textContent = `KL distillation loss after ${state.losses.length} step${state.losses.length === 1 ? '' : 's'}: ${state.losses.map((l) => l.toFixed(4)).join(', ')}`;
    }
    element('train-progress').textContent = `done: ${trainSteps} steps in ${((performance.now() - started) / 1000).toFixed(0)} s`;
  } finally {
    state.training = null;
  }
  element('status').textContent = `scoring ${shown?.name ?? scenes[0]!.name} with the trained student...`;
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
  for (const id of ['dicnet-score', 'outline']) {
    element(id).addEventListener('change', () => {
      showThresholds();
      showResult();
    });
  }
}

async function start(): Promise<void> {
  if (!('gpu' in navigator)) {
    state.webgpu = false;
    element('adapter').textContent = 'none';
    element('no-webgpu').hidden = false;
    return;
  }
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
  fillLegend(element('legend'), models.classes);
  drawLossChart(element('loss-chart'), state.losses);
  scenes = testScenes(models.config, testSceneSeeds);
  wireControls();
  await loadDefaultCheckpoints();
  await runOn(scenes[0]!.name, scenes[0]!.picture);
}

void enqueue('starting WebGPU', start);
