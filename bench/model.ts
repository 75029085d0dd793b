// Whole-model benchmark: the `tiny` configuration at batch 8, at the main job's
// two sizes (the synthetic scenes' and CamVid's): the teacher's training step, the student's distillation step and
// inference (scoreBatch), images/s each, on our engine; the same network and
// steps in PyTorch on the CPU (bench/peers/model_torch.py, where
// /usr/bin/python3 has torch); inference in TF.js's WebGPU backend on the same
// Dawn instance (bench/peers/tfjs-model.ts). Ratios in the same run; the table
// goes to bench/RESULTS.md (and its archive).
// `node bench/model.js --help` lists the options.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readCommandLine, UsageError } from '../src/cli/flags';
import { optionLines, parseWithTable, type OptionRow } from '../src/cli/option-table';
import { cpuClock } from '../src/cli/conv-tuning';
import { createNodeRuntime } from '../src/gpu/node';
import { convGeometriesOf, describeTuning, pickConvAlgorithm, setConvAlgorithm, tuneConv2d, winogradAlgorithms, type ConvAlgorithm, type ConvTuning, type WinogradAlgorithm } from '../src/kernels/conv2dalgorithm';
import type { ProfileMode, ProfileResult } from '../src/gpu/profiler';
import type { Module } from '../src/graph/module';
import { Tensor } from '../src/graph/tensor';
import { scoreBatch, withBaselines, type CompleteBatchScores } from '../src/model/scores';
import { OUTLIER_WEIGHT } from '../src/model/steps';
import { benchSizes, caseLabel, caseNames, describeSize, jobSettings, ourCases, randomBatch, type BenchSize, type CaseName, type OurCases } from './model-cases';
import { fmt } from './op-report';
import { recordResults } from './results-file';
import { tfjsInference, type TfjsScores, type Weights } from './peers/tfjs-model';
import { fastestOf, renderFamilies, renderSlowest, summarise, type StepProfile } from './profile-report';
import { median } from './timing';

interface ModelBenchOptions {
  profile: boolean;
  profileMode: ProfileMode | undefined;
  /** Timed runs per case; null: 8, or 3 with --quick. */
  runs: number | null;
  quick: boolean;
  noPeers: boolean;
  directConvs: boolean;
  /** With the tuned choices and with this algorithm left out of them, in alternate runs. */
  compareWithout: ConvAlgorithm | undefined;
  json: string | undefined;
}

const optionRows: readonly OptionRow<ModelBenchOptions>[] = [
  { flag: '--profile', help: 'also time every kernel of each case and print where the step goes', read: () => ({ profile: true }) },
  {
    flag: '--profile-mode',
    value: 'timestamps|synchronised',
    help: 'timestamps (where the adapter has them) or synchronised replay',
    read: (v) => {
      if (v !== 'timestamps' && v !== 'synchronised') throw new UsageError(`--profile-mode is timestamps or synchronised, got ${v}`);
      return { profileMode: v };
    },
  },
  {
    flag: '--runs',
    value: 'N',
    help: 'timed runs per case',
    default: 8,
    read: (v) => {
      const runs = Number(v);
      if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs takes a positive integer, got ${v}`);
      return { runs };
    },
  },
  { flag: '--quick', help: '3 runs, no peers, RESULTS.md untouched', read: () => ({ quick: true }) },
  { flag: '--no-peers', help: 'ours only', read: () => ({ noPeers: true }) },
  {
    flag: '--direct-convs',
    help: 'no Winograd (as training with --conv-choices direct); by default, as training does, each 3x3 stride-1 conv the cases run is first timed direct against Winograd (CPU time on a software adapter) and keeps the faster (src/kernels/conv2dalgorithm.ts)',
    read: () => ({ directConvs: true }),
  },
  {
    flag: '--compare-without',
    value: 'ALGORITHM',
    help: `after the usual runs, times each case of ours again in alternate runs with the tuned conv choices and with ALGORITHM (${winogradAlgorithms.join(', ')}) left out of them (each shape's next best of the same tuning), wall clock and CPU time: what one algorithm adds to the whole step`,
    read: (v) => {
      if (!winogradAlgorithms.includes(v as WinogradAlgorithm)) throw new UsageError(`--compare-without takes one of ${winogradAlgorithms.join(', ')}, got ${v}`);
      return { compareWithout: v as WinogradAlgorithm };
    },
  },
  { flag: '--json', value: 'FILE', help: 'also write everything measured to FILE', read: (v) => ({ json: v }) },
];

const usage = `usage: node bench/model.js [options]
  the tiny configuration's teacher step, student step and inference at batch 8 at both sizes, images/s each,
  against PyTorch CPU and TF.js WebGPU in the same run; puts the table in bench/RESULTS.md
${optionLines(optionRows)}`;
const options = readCommandLine(
  process.argv.slice(2),
  (argv) => {
    const parsed = parseWithTable(argv, optionRows, { profile: false, profileMode: undefined, runs: null, quick: false, noPeers: false, directConvs: false, compareWithout: undefined, json: undefined }).options;
    if (parsed.directConvs && parsed.compareWithout) throw new UsageError('--compare-without compares tuned conv choices; --direct-convs tunes none');
    return parsed;
  },
  usage,
  'node bench/model.js',
);
if (typeof options === 'number') process.exit(options);
const { quick, profileMode } = options;
const runs = options.runs ?? (quick ? 3 : 8);
const warmup = 2;
/** Profiled runs per case, each dispatch's fastest counted: one profiled step alone is at the mercy of other work on the machine. */
const profiledRuns = quick ? 1 : 3;
const peers = !quick && !options.noPeers;
const batchSize = 8;
const sizesText = benchSizes.map(describeSize).join('; ');
const python = '/usr/bin/python3';
const torchScript = fileURLToPath(new URL('../../bench/peers/model_torch.py', import.meta.url));

const load = () => `${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs`;
const loadAtStart = load();
const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const rt = await createNodeRuntime();
const device = rt.describe();
console.log(`adapter: ${device}`);
console.log(`date: ${date}; load average ${loadAtStart}`);
console.log(`tiny configuration, batch ${batchSize}, ${sizesText}; ${warmup} warm-up runs, then the median of ${runs}\n`);

interface Timing {
  medianMs: number;
  bestMs: number;
  runs: number;
}

async function time(run: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times), bestMs: Math.min(...times), runs };
}

const imagesPerSecond = (t: Timing | undefined): number | null => (t ? (1000 * batchSize) / t.medianMs : null);

/**
 * Each case in alternate runs with the tuned choices and with `left` left out
 * of them (each shape's next best candidate of the same timings), so that a
 * burst of other work on the machine hurts both alike: medians of wall clock
 * and of this process's CPU time (on a software adapter the GPU's work runs on
 * its threads).
 */
async function compareWithout(size: BenchSize, ours: OurCases, tunings: readonly ConvTuning[], left: ConvAlgorithm): Promise<void> {
  const apply = (without: boolean) => {
    for (const t of tunings) {
      const timings = without ? Object.fromEntries(Object.entries(t.timings).filter(([a]) => a !== left)) : t.timings;
      setConvAlgorithm(rt, t.direction, t.g, pickConvAlgorithm(timings, t.disagreeing));
    }
  };
  const uses = tunings.filter((t) => t.chosen === left).length;
  for (const name of caseNames) {
    const wall: [number[], number[]] = [[], []];
    const cpu: [number[], number[]] = [[], []];
    for (let i = 0; i < warmup + runs; i++) {
      for (const without of [false, true]) {
        apply(without);
        const [wall0, cpu0] = [performance.now(), cpuClock()];
        await ours.run[name]();
        if (i < warmup) continue;
        wall[+without]!.push(performance.now() - wall0);
        cpu[+without]!.push(cpuClock() - cpu0);
      }
    }
    const [w, wo] = wall.map(median) as [number, number];
    const [c, co] = cpu.map(median) as [number, number];
    console.log(`compare ${size.name} ${caseLabel(name, size)}: with ${left} (${uses} of ${tunings.length} tuned choices) ${fmt(w)} ms, CPU ${fmt(c)} ms; without ${fmt(wo)} ms, CPU ${fmt(co)} ms; without / with: wall ${fmt(wo / w)}x, CPU ${fmt(co / c)}x`);
  }
  apply(false);
}

// ---- ours, every size before any peer ----
interface SizeRun {
  size: BenchSize;
  ours: OurCases;
  batch: ReturnType<typeof randomBatch>;
  times: Record<CaseName, Timing>;
  profiles: Record<CaseName, StepProfile>;
  tfjs?: { inference: Timing; agreement: string };
  torch?: Record<CaseName, Timing>;
}
const sizeRuns: SizeRun[] = [];
for (const size of benchSizes) {
  const batch = randomBatch(size.config, batchSize, 7);
  const ours = ourCases(rt, size, batch);
  let tunings: ConvTuning[] = [];
  if (!options.directConvs) {
    const shapes = await convGeometriesOf(rt, async () => {
      for (const name of caseNames) await ours.run[name]();
    });
    tunings = await tuneConv2d(rt, shapes, rt.adapter.software ? { clock: cpuClock } : {});
    for (const t of tunings) console.log(`tuned ${size.name} ${describeTuning(t)}`);
  }
  const times = {} as Record<CaseName, Timing>;
  const profiles = {} as Record<CaseName, StepProfile>;
  for (const name of caseNames) {
    const t = await time(ours.run[name]);
    times[name] = t;
    // Profiled runs: the conv FLOPs the step runs and the conv kernels' share of it (and, with --profile, the tables).
    const runs: ProfileResult[] = [];
    for (let i = 0; i < profiledRuns; i++) {
      rt.beginProfile(profileMode);
      await ours.run[name]();
      runs.push(await rt.endProfile());
    }
    profiles[name] = { ...fastestOf(runs), stepMs: t.medianMs, runs: profiledRuns };
    const s = summarise(profiles[name]);
    console.log(`ours   ${size.name} ${caseLabel(name, size)}: ${fmt(t.medianMs)} ms (best ${fmt(t.bestMs)}), ${fmt(imagesPerSecond(t)!)} images/s; conv ${fmt(s.convFlop / 1e9)} GFLOP, kernels ${fmt(s.kernelMs)} ms of which conv ${fmt(s.convMs)} ms`);
  }
  if (options.compareWithout) await compareWithout(size, ours, tunings, options.compareWithout);
  sizeRuns.push({ size, ours, batch, times, profiles });
}

// ---- TF.js: inference with our weights, checked against our scores ----
async function weightsOf(m: Module): Promise<Weights> {
  const out = new Map<string, { data: Float32Array; shape: readonly number[] }>();
  for (const [name, entry] of m.stateDict()) if (entry instanceof Tensor) out.set(name, { data: await entry.read(), shape: entry.shape });
  return out;
}

function agreement(mine: CompleteBatchScores, theirs: TfjsScores): string {
  const worst: string[] = [];
  for (const key of ['dicnetKl', 'dicnetMse', 'msp', 'maxLogit', 'entropy'] as const) {
    const a = mine.scores[key];
    const b = theirs[key];
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < b.length; i++) {
      diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
      scale = Math.max(scale, Math.abs(b[i]!));
    }
    worst.push(`${key} ${(diff / scale).toExponential(1)}`);
  }
  const same = mine.prediction.reduce((n, v, i) => n + (v === theirs.argmax[i] ? 1 : 0), 0);
  return `largest difference relative to TF.js's largest value: ${worst.join(', ')}; argmax agrees on ${((100 * same) / mine.prediction.length).toFixed(2)}% of pixels`;
}

let tfjsSystem: string | null = null;
if (peers) {
  for (const run of sizeRuns) {
    const { ours, batch, size } = run;
    ours.teacher.eval();
    ours.student.eval();
    const peer = await tfjsInference(rt.owner as GPU, size.config, await weightsOf(ours.teacher), await weightsOf(ours.student), jobSettings.temperature);
    const check = agreement(withBaselines(await scoreBatch(ours.teacher, ours.student, batch, jobSettings.temperature)), await peer.score(batch.images, batchSize));
    const t = await time(() => peer.score(batch.images, batchSize));
    tfjsSystem = `TF.js on ${peer.describe()}, same Dawn instance`;
    run.tfjs = { inference: t, agreement: check };
    console.log(`TF.js  ${size.name} ${caseLabel('inference', size)}: ${fmt(t.medianMs)} ms, ${fmt(imagesPerSecond(t)!)} images/s; ${check}`);
    peer.dispose();
  }
}

// ---- PyTorch, in its own process once our work is done ----
interface TorchResult {
  system: string;
  cases: Record<CaseName, Timing>;
}
let torchNote = 'skipped (--quick or --no-peers)';
if (peers) {
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    torchNote = `skipped: ${python} has no torch (bash bench/peers/setup-torch.sh installs it)`;
  } else {
    for (const run of sizeRuns) {
      const { config } = run.size;
      console.log(`PyTorch ${run.size.name}: running ${torchScript} ...`);
      const shape = ['--height', String(config.inputHeight), '--width', String(config.inputWidth), '--classes', String(config.numClasses)];
      const steps = ['--student-start', config.studentStart, '--outliers', run.size.studentOutliers, '--outlier-weight', String(OUTLIER_WEIGHT), '--teacher-lr', String(jobSettings.teacherLr), '--student-lr', String(run.size.studentLr), '--temperature', String(jobSettings.temperature)];
      const result = spawnSync(python, [torchScript, '--batch', String(batchSize), ...shape, ...steps, '--threads', String(availableParallelism()), '--warmup', String(warmup), '--runs', String(runs)], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`the PyTorch peer failed (exit ${result.status}): ${result.stderr}`);
      const torch = JSON.parse(result.stdout.trim().split('\n').pop()!) as TorchResult;
      torchNote = torch.system;
      run.torch = torch.cases;
      for (const name of caseNames) console.log(`PyTorch ${run.size.name} ${caseLabel(name, run.size)}: ${fmt(torch.cases[name].medianMs)} ms, ${fmt(imagesPerSecond(torch.cases[name])!)} images/s`);
    }
  }
}
if (!sizeRuns.some((r) => r.torch)) console.log(`PyTorch: ${torchNote}`);

// ---- report ----
const ratio = (a: number | null, b: number | null): string => (a != null && b != null ? `${fmt(a / b)}x` : '-');
const rows = sizeRuns.flatMap((run) =>
  caseNames.map((name) => {
    const mine = imagesPerSecond(run.times[name]);
    const theirs = imagesPerSecond(run.torch?.[name]);
    const peer = name === 'inference' ? imagesPerSecond(run.tfjs?.inference) : null;
    const s = summarise(run.profiles[name]);
    const stepMs = run.times[name].medianMs;
    const stepRate = s.convFlop / stepMs / 1e6;
    const kernelRate = s.convFlop / s.convMs / 1e6;
    return `| ${describeSize(run.size)} | ${caseLabel(name, run.size)} | ${fmt(stepMs)} | ${fmt(mine!)} | ${theirs ? fmt(theirs) : '-'} | ${ratio(mine, theirs)} | ${peer ? fmt(peer) : '-'} | ${ratio(mine, peer)} | ${fmt(stepRate)} | ${fmt(kernelRate)} | ${((100 * s.convMs) / stepMs).toFixed(0)}% |`;
  }),
);
const table = [
  '| size | case | ours ms per batch | ours images/s | PyTorch CPU images/s | ours / PyTorch | TF.js WebGPU images/s | ours / TF.js | step conv GFLOP/s | our conv kernels GFLOP/s (same shapes) | conv kernels % of step |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows,
].join('\n');
const loads = `load average ${loadAtStart} at the start, ${load()} at the end`;
const notes = [
  `PyTorch: ${torchNote}`,
  tfjsSystem ? `TF.js: ${tfjsSystem}; its scores against ours: ${sizeRuns.map((r) => `${r.size.name}: ${r.tfjs!.agreement}`).join('; ')}` : 'TF.js: skipped (--quick or --no-peers)',
  `conv GFLOP/s count 2 FLOP per multiply-add of the conv directions a step runs; "our conv kernels" is the same FLOP over the conv kernels' own GPU time (each dispatch's fastest of ${profiledRuns} profiled steps)`,
];
const profileText = options.profile
  ? sizeRuns
      .flatMap((run) => caseNames.map((name) => `### ${describeSize(run.size)}: ${caseLabel(name, run.size)}\n\n${renderFamilies(run.profiles[name])}\n\nThe slowest dispatches:\n\n${renderSlowest(run.profiles[name], 15)}`))
      .join('\n\n')
  : null;
console.log(`\n${table}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n${profileText ? `\n${profileText}\n` : ''}\n${loads}`);

if (!quick) {
  const section = `## Model benchmark ${date}\n\n\`node bench/model.js${options.profile ? ' --profile' : ''}${options.directConvs ? ' --direct-convs' : ''}\`, tiny configuration, batch ${batchSize}, ${sizesText}; median of ${runs} runs after ${warmup} warm-up runs. adapter: ${device}; ${loads}\n\n${table}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n${profileText ? `\n${profileText}\n` : ''}`;
  recordResults('Model benchmark', section);
  console.log('wrote the section in bench/RESULTS.md and appended it to bench/RESULTS-archive.md');
}
if (options.json) {
  const measured = sizeRuns.map((r) => ({ size: r.size.name, config: r.size.config, ours: r.times, profiles: r.profiles, tfjs: r.tfjs ?? null, torch: r.torch ?? null }));
  writeFileSync(options.json, JSON.stringify({ date, device, loads, batchSize, runs, sizes: measured }, null, 2));
  console.log(`wrote ${options.json}`);
}
rt.destroy();
