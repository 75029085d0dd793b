// Batch norm in training after a conv, at conv-BN shapes of the tiny teacher
// (batch 8), the launches that differ: the conv and then a statistics pass over
// its output against the conv with the statistics epilogue and their merge
// (conv2dBatchNorm), and batch norm's backward as two launches (sums, then dx)
// against one (gradWholeInput, where a channel is one chunk). The variants
// alternate, sample by sample; the measure is the CPU time of the process
// (lavapipe's threads run the kernels in it), which other work on the shared
// machine disturbs far less than the wall clock; the ratios (old / fused) are
// of the best samples. `node bench/convbn.js [rounds]`.

import { availableParallelism, loadavg } from 'node:os';
import { createNodeRuntime } from '../src/gpu/node';
import type { GpuBuffer, GpuRuntime } from '../src/gpu';
import * as bnKernels from '../src/kernels/batchnorm2d';
import { conv2dForward, conv2dOutputSize, type Conv2dGeometry } from '../src/kernels/conv2d';
import { conv2dBatchStatistics } from '../src/kernels/conv2dbatchnorm';
import { fmt } from './op-report';
import { median } from './timing';

const rounds = Number(process.argv[2] ?? 5);
const geometry = (cIn: number, h: number, w: number, cOut: number, k: number, dilation = 1): Conv2dGeometry =>
  ({ n: 8, cIn, h, w, cOut, kh: k, kw: k, stride: 1, padding: k === 1 ? 0 : dilation, dilation });
const shapes: Conv2dGeometry[] = [
  geometry(16, 48, 80, 16, 3),
  geometry(32, 24, 40, 32, 3),
  geometry(64, 12, 20, 64, 3, 2),
  geometry(96, 12, 20, 96, 3, 4),
  geometry(64, 12, 20, 96, 1),
];

const random = (n: number, seed: number): Float32Array => {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = s / 2147483648 - 0.5;
  }
  return a;
};

type Variant = () => void;

function forwardVariants(rt: GpuRuntime, g: Conv2dGeometry): Record<string, Variant> {
  const { ho, wo } = conv2dOutputSize(g);
  const x = rt.upload(random(g.n * g.cIn * g.h * g.w, 1));
  const weight = rt.upload(random(g.cOut * g.cIn * g.kh * g.kw, 2));
  const runningMean = rt.upload(new Float32Array(g.cOut));
  const runningVar = rt.upload(new Float32Array(g.cOut).fill(1));
  const release = (...buffers: GpuBuffer[]) => buffers.forEach((b) => rt.pool.release(b));
  return {
    'conv alone': () => release(conv2dForward(rt, x, weight, null, g)),
    'conv, statistics pass': () => {
      const y = conv2dForward(rt, x, weight, null, g);
      release(y, bnKernels.batchStatistics(rt, y, [g.n, g.cOut, ho, wo], runningMean, runningVar, 0.1, 1e-5));
    },
    'conv with statistics epilogue': () => {
      const { y, stats } = conv2dBatchStatistics(rt, x, weight, null, g, { runningMean, runningVar, momentum: 0.1, eps: 1e-5 });
      release(y, stats);
    },
  };
}

function bnBackwardVariants(rt: GpuRuntime, g: Conv2dGeometry): Record<string, Variant> {
  const { ho, wo } = conv2dOutputSize(g);
  const shape = [g.n, g.cOut, ho, wo];
  const size = g.n * g.cOut * ho * wo;
  const [x, dy, y] = [1, 2, 3].map((seed) => rt.upload(random(size, seed)));
  const stats = rt.upload(new Float32Array(2 * g.cOut).fill(1));
  const weight = rt.upload(new Float32Array(g.cOut).fill(1));
  const fused = { relu: true, residual: false };
  const release = (...buffers: GpuBuffer[]) => buffers.forEach((b) => rt.pool.release(b));
  return {
    'sums, then dx': () => {
      const sums = bnKernels.batchNormGradSums(rt, x, dy, y, shape, stats, true);
      const g2 = bnKernels.batchNormGradInput(rt, x, dy, y, shape, stats, weight, sums, fused);
      release(sums.sumDy, sums.sumDyXhat, g2.dx);
    },
    'one launch': () => {
      const all = bnKernels.batchNormTrainingGrad(rt, x, dy, y, shape, stats, weight, fused);
      release(all.sumDy, all.sumDyXhat, all.dx);
    },
  };
}

interface Sample {
  /** Wall-clock and CPU (all of the process's threads, lavapipe's included) milliseconds per iteration. */
  wall: number;
  cpu: number;
}

async function sample(rt: GpuRuntime, run: Variant, iterations: number): Promise<Sample> {
  await rt.sync();
  const wall = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < iterations; i++) run();
  await rt.sync();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - wall) / iterations, cpu: (used.user + used.system) / 1000 / iterations };
}

/** Best and median per variant over rounds of alternating samples. */
async function compare(rt: GpuRuntime, variants: Record<string, Variant>): Promise<Record<string, { wall: number; cpu: number; cpuMedian: number }>> {
  const names = Object.keys(variants);
  const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
  const probe = await sample(rt, variants[names[0]!]!, 1);
  const iterations = Math.max(1, Math.ceil(30 / probe.wall));
  for (let r = 0; r < rounds; r++) {
    for (const n of names) samples.get(n)!.push(await sample(rt, variants[n]!, iterations));
  }
  return Object.fromEntries(
    names.map((n) => {
      const s = samples.get(n)!;
      return [n, { wall: Math.min(...s.map((x) => x.wall)), cpu: Math.min(...s.map((x) => x.cpu)), cpuMedian: median(s.map((x) => x.cpu)) }];
    }),
  );
}

const rt = await createNodeRuntime();
const load = () => `${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs`;
console.log(`adapter: ${rt.describe()}; load average ${load()}; ${rounds} rounds\n`);
const describe = (g: Conv2dGeometry) => `N${g.n} C${g.cIn}->${g.cOut} ${g.h}x${g.w} ${g.kh}x${g.kw}${g.dilation > 1 ? ` d${g.dilation}` : ''}`;
const totals = new Map<string, number>();
for (const [title, make] of [['conv and batch statistics (forward)', forwardVariants], ['BN backward (ReLU fused)', bnBackwardVariants]] as const) {
  console.log(`${title}: CPU ms per call, best (median), and best wall-clock ms, of ${rounds} alternating samples`);
  for (const g of shapes) {
    for (const v of Object.values(make(rt, g))) v();
    const result = Object.entries(await compare(rt, make(rt, g)));
    for (const [name, t] of result) totals.set(`${title}: ${name}`, (totals.get(`${title}: ${name}`) ?? 0) + t.cpu);
    // The last two variants are the old way and the fused one.
    const [old, fused] = result.slice(-2).map(([, t]) => t.cpu) as [number, number];
    console.log(`  ${describe(g)}: ${result.map(([name, t]) => `${name} ${fmt(t.cpu)} (${fmt(t.cpuMedian)}), wall ${fmt(t.wall)}`).join('; ')}; CPU ratio ${fmt(old / fused)}x`);
  }
}
for (const [name, ms] of totals) console.log(`total ${name}: ${fmt(ms)} CPU ms`);
console.log(`\nload average at the end ${load()}`);
rt.destroy();
