// Op benchmark: our conv2d (forward, grad input, grad weight) and matmul
// kernels against TF.js's WebGPU backend, on the same Dawn instance and
// adapter, in the same run. Prints progress, a table and the targets; puts
// the table in bench/RESULTS.md (and its archive). Options: --quick (reference shape and matmul,
// fewer samples, RESULTS.md untouched), --winograd (direct against Winograd on
// the 3x3 stride-1 shapes, no peer, RESULTS.md untouched), --json <file>.

import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { readCommandLine } from '../src/cli/flags';
import { optionLines, parseWithTable, type OptionRow } from '../src/cli/option-table';
import { createNodeRuntime } from '../src/gpu/node';
import { convFlop, convInputs, convShapes, directions, winogradShapes, matmulInputs, matmulSize, referenceShape, type ConvShape, type Direction, type PreparedOp, type System } from './op-cases';
import { arithmeticPeak } from './peak';
import { oursSystem } from './ours';
import { tfjsPeer } from './peers/tfjs';
import { fmt, renderAgreement, renderRows, renderTargets, type Measurement, type RowResult } from './op-report';
import { recordResults } from './results-file';
import { fullPlan, gflops, quickPlan, time } from './timing';
import { measureWinograd, renderWinograd } from './winograd-rows';

interface OpsBenchOptions {
  quick: boolean;
  winograd: boolean;
  json: string | null;
}

const optionRows: readonly OptionRow<OpsBenchOptions>[] = [
  { flag: '--quick', help: 'the reference shape and the matmul only, fewer samples; RESULTS.md untouched', read: () => ({ quick: true }) },
  { flag: '--winograd', help: 'direct against Winograd F(2x2, 3x3), F(4x4, 3x3) and F(6x6, 3x3), forward and grad input, on the 3x3 stride-1 shapes; RESULTS.md untouched', read: () => ({ winograd: true }) },
  { flag: '--json', value: 'FILE', help: 'also write the measurements to FILE', read: (v) => ({ json: v }) },
];

const usage = `usage: node bench/ops.js [options]
  benchmarks our conv2d and matmul kernels against TF.js's WebGPU backend on the same device,
  prints a table and puts it in bench/RESULTS.md (the earlier runs: bench/RESULTS-archive.md)
${optionLines(optionRows)}`;
const options = readCommandLine(process.argv.slice(2), (argv) => parseWithTable(argv, optionRows, { quick: false, winograd: false, json: null }).options, usage, 'node bench/ops.js');
if (typeof options === 'number') process.exit(options);
const quick = options.quick;
const plan = quick ? quickPlan : fullPlan;
  '# Benchmark results\n\nSections appended by `node bench/ops.js` (op benchmark) and `node bench/model.js` (whole model), newest last.\n\nOp benchmark: GFLOP/s count 2 FLOP per multiply-add; each gradient direction counts what the forward does. Times are medians of samples ended by waiting for the GPU, on one Dawn instance shared by both systems; TF.js runs NHWC (its native layout), ours NCHW. Rows: the reference shape (a 3x3 conv, N8 C64->64 at 64x64); the conv shapes of the `tiny` configuration (96x160 input, batch 8); those of the `paper` configuration at a reduced size (batch 1, 16x16 feature maps, as from a 128x128 image at output stride 8); a 1024^3 matmul, the yardstick of the last column. The arithmetic peak: bench/peak.wgsl.\n';

// Other work on the machine slows both systems: the load average says how much.
const load = () => `${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs`;
const loadAtStart = load();
const rt = await createNodeRuntime();
const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const device = rt.describe();
console.log(`adapter: ${device}`);
console.log(`date: ${date}${quick ? ' (--quick)' : ''}; load average ${loadAtStart}`);
if (options.winograd) {
  console.log('direct against Winograd, GFLOP/s counting the direct conv\'s FLOPs, best of 5 rounds of 4 launches taken in turn\n');
  const winogradRows = [];
  for (const [i, shape] of winogradShapes.entries()) {
    console.log(`[${i + 1}/${winogradShapes.length}] ${shape.label}`);
    winogradRows.push(...(await measureWinograd(rt, [shape], 5, 4)));
  }
  console.log(`\n${renderWinograd(winogradRows)}\n\nload average ${loadAtStart} at the start, ${load()} at the end`);
  if (options.json) writeFileSync(options.json, JSON.stringify({ date, device, loads: [loadAtStart, load()], winograd: winogradRows }, null, 2));
  rt.destroy();
  process.exit(0);
}
const ours = oursSystem(rt);
const tfjs = await tfjsPeer(rt.owner as GPU);
console.log(`peer: TF.js on ${tfjs.describe()}, same Dawn instance`);
console.log(`timing: warm-up run (also read back to check both agree), then median of ${plan.minSamples}-${plan.maxSamples} samples of >= ${plan.minSampleMs} ms, each ended by waiting for the GPU\n`);

const started = performance.now();
const peak = await arithmeticPeak(rt);
console.log(`arithmetic peak of the adapter (independent FMA chains, no memory): ${fmt(peak.gflops)} GFLOP/s (${peak.chains} f32 chains per invocation)\n`);
const rows: RowResult[] = [];

/** Warm-up run (read back for the agreement check), then the timed samples. */
async function measure(system: System, op: PreparedOp, direction: Direction, flop: number): Promise<{ measurement: Measurement; values: Float32Array } | null> {
  const launch = op.launch[direction];
  if (!launch) return null;
  const first = launch();
  await system.sync();
  const values = await first.read();
  first.release();
  const t = await time(() => launch().release(), () => system.sync(), plan);
  return { measurement: { ms: t.medianMs, bestMs: t.bestMs, gflops: gflops(flop, t.medianMs), samples: t.samples, iterationsPerSample: t.iterationsPerSample }, values };
}

/** Largest difference relative to the largest magnitude of TF.js's result; Infinity when that is all zeros, which checks nothing. */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale > 0 ? diff / scale : Infinity;
}

async function measureRow(label: string, group: RowResult['group'], flop: number, prepare: (system: System) => PreparedOp): Promise<RowResult> {
  const row: RowResult = { label, group, flop, directions: {} };
  const opOurs = prepare(ours);
  const opPeer = prepare(tfjs);
  for (const direction of directions) {
    const mine = await measure(ours, opOurs, direction, flop);
    if (!mine) continue;
    const peer = await measure(tfjs, opPeer, direction, flop);
    const difference = peer ? relativeDifference(mine.values, peer.values) : null;
    row.directions[direction] = { ours: mine.measurement, tfjs: peer?.measurement ?? null, difference };
    const peerText = peer ? `TF.js ${fmt(peer.measurement.ms)} ms ${fmt(peer.measurement.gflops)} GFLOP/s, ${fmt(mine.measurement.gflops / peer.measurement.gflops)}x` : 'TF.js n/a (TF.js cannot)';
    const check = difference === null ? '' : difference <= 1e-3 ? `, agree (rel diff ${difference.toExponential(1)})` : `, DISAGREE (rel diff ${difference.toExponential(1)})`;
    console.log(`    ${direction.padEnd(10)} ours ${fmt(mine.measurement.ms)} ms ${fmt(mine.measurement.gflops)} GFLOP/s | ${peerText}${check}`);
  }
  opOurs.dispose();
  opPeer.dispose();
  await Promise.all([ours.sync(), tfjs.sync()]);
  return row;
}

const shapes: readonly ConvShape[] = quick ? [referenceShape] : convShapes;
const total = shapes.length + 1;
console.log(`[1/${total}] matmul ${matmulSize}^3`);
const mm = matmulInputs(matmulSize, matmulSize, matmulSize);
rows.push(await measureRow(`matmul ${matmulSize}^3`, 'matmul', 2 * matmulSize ** 3, (s) => s.matmul(mm)));
for (const [i, shape] of shapes.entries()) {
  console.log(`[${i + 2}/${total}] ${shape.group} conv ${shape.label} (${fmt(convFlop(shape.g) / 1e9)} GFLOP per direction)  t=${((performance.now() - started) / 1000).toFixed(0)} s`);
  const inputs = convInputs(shape.g);
  rows.push(await measureRow(shape.label, shape.group, convFlop(shape.g), (s) => s.conv(shape.g, inputs)));
}

const table = renderRows(rows);
const targets = [...renderTargets(rows, peak.gflops), renderAgreement(rows)];
const pool = rt.stats();
const loads = `load average ${loadAtStart} at the start, ${load()} at the end`;
console.log(`\n${table}\n\n${targets.join('\n')}`);
console.log(`\npool: ${(pool.bytesInUse / 2 ** 20).toFixed(1)} MiB in use, ${(pool.bytesAllocated / 2 ** 20).toFixed(0)} MiB allocated; total ${((performance.now() - started) / 1000).toFixed(0)} s; ${loads}`);

if (!quick) {
  recordResults('Op benchmark', `## Op benchmark ${date}\n\nadapter: ${device}; peer: TF.js on ${tfjs.describe()}; ${loads}; arithmetic peak ${fmt(peak.gflops)} GFLOP/s\n\n${table}\n\n${targets.map((t) => `- ${t}`).join('\n')}\n`);
  console.log('wrote the section in bench/RESULTS.md and appended it to bench/RESULTS-archive.md');
}
if (options.json) {
  writeFileSync(options.json, JSON.stringify({ date, device, peer: tfjs.describe(), quick, loads, peak, rows }, null, 2));
  console.log(`wrote ${options.json}`);
}
tfjs.dispose();
rt.destroy();
