// Memory soak: N training steps of the tiny teacher through the checkpointing
// training loop (a training-state checkpoint every epoch), reporting the GPU
// pool's bytes in use and the process's RSS along the way. A long run must
// reach a steady state: pool bytes as at step 10, RSS within 1% of a fifth
// of the way in (after the caches fill).
// `node bench/soak.js --help` lists the options.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { checkSamples } from '../src/data/sample-check';
import { Random } from '../src/base/random';
import { readCommandLine, wholeNumber } from '../src/cli/flags';
import { optionLines, parseWithTable, type OptionRow } from '../src/cli/option-table';
import { defaults, resolveOptions } from '../src/cli/options';
import { teacherPhase } from '../src/cli/training';
import { indexStreetHazards } from '../src/data/streethazards';
import { ensureSyntheticDataset } from '../src/data/synthetic';
import { createNodeRuntime } from '../src/gpu/node';
import { tiny } from '../src/model/config';
import { Teacher } from '../src/model/networks';
import { newControl, runPhase } from '../src/training/trainer';

export interface SoakSample {
  step: number;
  poolBytesInUse: number;
  poolBytesAllocated: number;
  rssBytes: number;
  heapUsedBytes: number;
}

interface SoakOptions {
  steps: number;
  batch: number;
  every: number;
  checkpointEvery: number;
  json: boolean;
}

const optionRows: readonly OptionRow<SoakOptions>[] = [
  { flag: '--steps', value: 'N', help: 'training steps', default: 1000, read: (v, f) => ({ steps: wholeNumber(f, v, 1) }) },
  { flag: '--batch', value: 'N', help: 'batch size', default: 2, read: (v, f) => ({ batch: wholeNumber(f, v, 1) }) },
  { flag: '--every', value: 'N', help: 'steps between samples of the memory', default: 100, read: (v, f) => ({ every: wholeNumber(f, v, 1) }) },
  { flag: '--checkpoint-every', value: 'N', help: 'steps between training-state checkpoints (default: one per epoch)', read: (v, f) => ({ checkpointEvery: wholeNumber(f, v, 0) }) },
  { flag: '--json', help: 'print the result as one JSON line', read: () => ({ json: true }) },
];

const usage = `usage: node bench/soak.js [options]
  trains the tiny teacher through the checkpointing loop and reports the GPU pool's bytes
  and the process's RSS along the way
${optionLines(optionRows)}`;
const read = readCommandLine(
  process.argv.slice(2),
  (argv) => parseWithTable(argv, optionRows, { steps: 1000, batch: 2, every: 100, checkpointEvery: 0, json: false }).options,
  usage,
  'node bench/soak.js',
);
if (typeof read === 'number') process.exit(read);

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const { steps, batch: batchSize, every } = read;
const trainImages = 20;
const rt = await createNodeRuntime();
const out = mkdtempSync(join(tmpdir(), 'dicnet-soak-'));
const root = ensureSyntheticDataset({ seed: 1, counts: { train: trainImages, validation: 1, test: 1 }, progress: false });
const index = indexStreetHazards(root, { splits: ['train'] });
const options = resolveOptions({ ...defaults, batchSize, teacherEpochs: Math.ceil(steps / Math.floor(trainImages / batchSize)), checkpointEvery: read.checkpointEvery, out }, index.layout);
const rng = new Random(options.seed);
const teacher = new Teacher(rt, rng, tiny);
const trainClassPixels = (await checkSamples(index, 'fail')).train!.slice(0, tiny.numClasses);
const spec = teacherPhase(teacher, { index, options, config: tiny, rng, path: join(out, 'training-state.safetensors'), trainClassPixels });

const samples: SoakSample[] = [];
const marks = new Set([10, steps, ...Array.from({ length: Math.floor(steps / every) }, (_, i) => (i + 1) * every)]);
const control = newControl(steps);
control.hooks.afterStep = async ({ step }) => {
  if (!marks.has(step + 1)) return;
  await rt.sync();
  collectGarbage();
  const pool = rt.pool.stats();
  const memory = process.memoryUsage();
  samples.push({ step: step + 1, poolBytesInUse: pool.bytesInUse, poolBytesAllocated: pool.bytesAllocated, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed });
};
const started = performance.now();
await runPhase(spec, control);
const seconds = (performance.now() - started) / 1000;
rt.destroy();
rmSync(out, { recursive: true, force: true });

const first = samples[0]!;
const last = samples[samples.length - 1]!;
// V8 grows its young generation (8 to 32 MiB) and tiers up code over the first
// ~100-200 steps; the fifth of the run is the baseline after that warm-up.
const warm = samples.find((s) => s.step >= steps / 5) ?? first;
const change = (from: SoakSample, key: keyof SoakSample): number => (last[key] - from[key]) / from[key];
const result = {
  adapter: rt.describe(),
  steps,
  batchSize,
  checkpointEvery: spec.checkpointEvery,
  seconds: Number(seconds.toFixed(1)),
  samples,
  poolInUseChange: change(first, 'poolBytesInUse'),
  poolAllocatedChange: change(first, 'poolBytesAllocated'),
  rssChange: change(first, 'rssBytes'),
  warmStep: warm.step,
  rssChangeAfterWarmUp: change(warm, 'rssBytes'),
};
if (read.json) {
  console.log(JSON.stringify(result));
} else {
  const mib = (b: number): string => (b / 2 ** 20).toFixed(2).padStart(9);
  console.log(`${rt.describe()}\n${steps} teacher steps of tiny at batch ${batchSize} in ${seconds.toFixed(0)} s (checkpoint every ${spec.checkpointEvery} steps)`);
  console.log(' step  pool in use MiB  pool allocated MiB   RSS MiB  heap MiB');
  for (const s of samples) console.log(`${String(s.step).padStart(5)}  ${mib(s.poolBytesInUse)}        ${mib(s.poolBytesAllocated)}         ${mib(s.rssBytes)} ${mib(s.heapUsedBytes)}`);
  const percent = (x: number): string => `${(100 * x).toFixed(2)}%`;
  console.log(`step ${last.step} vs step ${first.step}: pool in use ${percent(result.poolInUseChange)}, pool allocated ${percent(result.poolAllocatedChange)}, RSS ${percent(result.rssChange)}`);
  console.log(`step ${last.step} vs step ${warm.step} (after warm-up): RSS ${percent(result.rssChangeAfterWarmUp)}`);
}
