// Which algorithm computes a conv's forward, grad input and grad weight: the direct kernels
// (src/kernels/conv2d.ts) or Winograd F(2x2, 3x3) / F(4x4, 3x3) / F(6x6, 3x3)
// (src/kernels/conv2dwinograd.ts). Which is faster depends on the adapter and
// the shape (lavapipe is bound by loads, a real GPU by other things), so it is
// measured, not guessed: tuneConv2d times the candidates of each shape on this
// runtime and keeps the fastest in a table per runtime, keyed by direction and
// geometry and exported under the adapter's description. A shape nobody tuned
// runs direct, so results never depend on timing unless a caller asks for it.

import { Random } from '../base/random';
import type { GpuBuffer, GpuRuntime } from '../gpu';
import { conv2dForward, conv2dGradInput, conv2dGradWeight, conv2dOutputSize, type Conv2dGeometry, type ConvEpilogue } from './conv2d';
import { conv2dWinogradForward, conv2dWinogradGradInput, conv2dWinogradGradWeight, winogradApplies, winogradFits, type WinogradTile } from './conv2dwinograd';
import type { Tiling } from './rowblocking';

/** Each Winograd algorithm's outputs per tile and axis: F(2x2, 3x3), F(4x4, 3x3), F(6x6, 3x3). */
export const tileOf = { winograd2: 2, winograd4: 4, winograd6: 6 } as const satisfies Record<string, WinogradTile>;
export type WinogradAlgorithm = keyof typeof tileOf;
export type ConvAlgorithm = 'direct' | WinogradAlgorithm;
export const winogradAlgorithms = Object.keys(tileOf) as WinogradAlgorithm[];
export const convAlgorithms: readonly ConvAlgorithm[] = ['direct', ...winogradAlgorithms];
export type TunedDirection = 'forward' | 'gradInput' | 'gradWeight';
const tunedDirections: readonly TunedDirection[] = ['forward', 'gradInput', 'gradWeight'];

/** Per adapter description, per convChoiceKey: the algorithm measured fastest (the form a JSON cache file holds). */
export type ConvChoiceTable = Record<string, Record<string, ConvAlgorithm>>;

export function convChoiceKey(direction: TunedDirection, g: Conv2dGeometry): string {
  return `${direction} n${g.n} c${g.cIn}->${g.cOut} ${g.h}x${g.w} k${g.kh}x${g.kw} s${g.stride} p${g.padding} d${g.dilation}`;
}

const tables = new WeakMap<GpuRuntime, Map<string, ConvAlgorithm>>();

function tableOf(rt: GpuRuntime): Map<string, ConvAlgorithm> {
  let table = tables.get(rt);
  if (!table) tables.set(rt, (table = new Map()));
  return table;
}

/** Per runtime, while convGeometriesOf runs: the geometries asked about. */
const collecting = new WeakMap<GpuRuntime, Map<string, Conv2dGeometry>>();

/** The algorithm this runtime uses for a direction of `g`: the tuned choice, else direct (also wherever Winograd does not apply). */
export function convAlgorithm(rt: GpuRuntime, direction: TunedDirection, g: Conv2dGeometry): ConvAlgorithm {
  if (!winogradApplies(g)) return 'direct';
  collecting.get(rt)?.set(convChoiceKey('forward', g), g);
  return tableOf(rt).get(convChoiceKey(direction, g)) ?? 'direct';
}

/** The geometries of the convs `run` launches that Winograd could compute: what tuneConv2d needs for a whole network. */
export async function convGeometriesOf(rt: GpuRuntime, run: () => Promise<unknown>): Promise<Conv2dGeometry[]> {
  const seen = new Map<string, Conv2dGeometry>();
  collecting.set(rt, seen);
  try {
    await run();
  } finally {
    collecting.delete(rt);
  }
  return [...seen.values()];
}

/** Sets a choice by hand (a test, or a caller who measured elsewhere). */
export function setConvAlgorithm(rt: GpuRuntime, direction: TunedDirection, g: Conv2dGeometry, algorithm: ConvAlgorithm): void {
  tableOf(rt).set(convChoiceKey(direction, g), algorithm);
}

/** Drops every choice of this runtime: its convs run direct until tuned or given choices again. */
export function forgetConvChoices(rt: GpuRuntime): void {
  tables.delete(rt);
}

/** This runtime's choices merged into `table` under its adapter's description (other adapters' entries kept). */
export function exportConvChoices(rt: GpuRuntime, table: ConvChoiceTable = {}): ConvChoiceTable {
  const adapter = rt.describe();
  return { ...table, [adapter]: { ...table[adapter], ...Object.fromEntries(tableOf(rt)) } };
}

/** Takes the choices `table` holds for this runtime's adapter; entries that are not an algorithm are skipped. Returns how many it took. */
export function importConvChoices(rt: GpuRuntime, table: unknown): number {
  const mine = (table as Record<string, unknown> | null)?.[rt.describe()];
  if (!mine || typeof mine !== 'object') return 0;
  let taken = 0;
  for (const [key, algorithm] of Object.entries(mine)) {
    if (!convAlgorithms.includes(algorithm as ConvAlgorithm)) continue;
    tableOf(rt).set(key, algorithm as ConvAlgorithm);
    taken++;
  }
  return taken;
}

export interface ConvLaunchOptions {
  tiling?: Tiling;
  /** Overrides the tuned choice (tests force each path). */
  algorithm?: ConvAlgorithm;
}

/** conv2dForward through the algorithm chosen for `g`. */
export function convForward(rt: GpuRuntime, x: GpuBuffer, weight: GpuBuffer, bias: GpuBuffer | null, g: Conv2dGeometry, epilogue: ConvEpilogue | null, options: ConvLaunchOptions = {}): GpuBuffer {
  const algorithm = options.algorithm ?? convAlgorithm(rt, 'forward', g);
  if (algorithm === 'direct') return conv2dForward(rt, x, weight, bias, g, options.tiling, epilogue ?? undefined);
  return conv2dWinogradForward(rt, x, weight, bias, g, epilogue, tileOf[algorithm], options.tiling);
}

/** conv2dGradWeight through the algorithm chosen for `g`. */
export function convGradWeight(rt: GpuRuntime, x: GpuBuffer, dy: GpuBuffer, g: Conv2dGeometry, options: ConvLaunchOptions = {}): GpuBuffer {
  const algorithm = options.algorithm ?? convAlgorithm(rt, 'gradWeight', g);
  if (algorithm === 'direct') return conv2dGradWeight(rt, x, dy, g, options.tiling);
  return conv2dWinogradGradWeight(rt, x, dy, g, tileOf[algorithm], options.tiling);
}

/** conv2dGradInput through the algorithm chosen for `g`. */
export function convGradInput(rt: GpuRuntime, dy: GpuBuffer, weight: GpuBuffer, g: Conv2dGeometry, options: ConvLaunchOptions = {}): GpuBuffer {
  const algorithm = options.algorithm ?? convAlgorithm(rt, 'gradInput', g);
  if (algorithm === 'direct') return conv2dGradInput(rt, dy, weight, g, options.tiling);
  return conv2dWinogradGradInput(rt, dy, weight, g, tileOf[algorithm], options.tiling);
}

/** Milliseconds per launch of each candidate, best of the rounds. */
export type ConvTimings = Partial<Record<ConvAlgorithm, number>>;

/**
 * The candidate to keep: the fastest, but Winograd only where it beats direct
 * by `margin` (a choice that flips with the noise of a busy machine is worth
 * nothing), and never one whose result disagreed with direct's.
 */
export function pickConvAlgorithm(timings: ConvTimings, disagreeing: readonly ConvAlgorithm[] = [], margin = 0.05): ConvAlgorithm {
  let best: ConvAlgorithm = 'direct';
  let bestMs = (timings.direct ?? Infinity) * (1 - margin);
  for (const algorithm of convAlgorithms) {
    const ms = timings[algorithm];
    if (algorithm === 'direct' || ms === undefined || disagreeing.includes(algorithm)) continue;
    if (ms < bestMs) [best, bestMs] = [algorithm, ms];
  }
  return best;
}

export interface ConvTuning {
  direction: TunedDirection;
  g: Conv2dGeometry;
  timings: ConvTimings;
  /** Candidates whose result differed from direct's by more than 1e-4 of its scale: never chosen. */
  disagreeing: ConvAlgorithm[];
  chosen: ConvAlgorithm;
}

/** One line for a log: the key, the choice, each candidate's time (marked where its result disagreed). */
export function describeTuning(t: ConvTuning): string {
  const times = Object.entries(t.timings).map(([a, ms]) => `${a} ${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms${t.disagreeing.includes(a as ConvAlgorithm) ? ' (differs from direct)' : ''}`);
  return `${convChoiceKey(t.direction, t.g)}: ${t.chosen} (${times.join(', ')})`;
}

export interface TuneOptions {
  /** Timed rounds per candidate, interleaved so that a burst of other work hurts all alike. */
  rounds?: number;
  /** Launches per timed round. */
  launches?: number;
  /** Tune again shapes that already have a choice. */
  retune?: boolean;
  /**
   * Milliseconds by which a round is measured: the wall clock unless given. On a
   * software adapter, whose GPU work runs on the caller's CPU threads, the
   * process's CPU time is the steadier measure where other work shares the CPU.
   */
  clock?: () => number;
}

/**
 * Independent uniform values in [-1, 1), the same on every run. Inputs, weights and
 * gradients drawn from one sequence (an earlier version used sin(i) for all three)
 * correlate, so their sums cancel and rounding that is 1e-5 of a network's outputs
 * reaches 2e-4 of these, failing the agreement check for no fault of the algorithm.
 */
function sample(random: Random, length: number): Float32Array {
  return Float32Array.from({ length }, () => random.next() * 2 - 1);
}

function relativeDifference(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale > 0 ? diff / scale : 0;
}

/**
 * Measures direct and Winograd for the three directions of every geometry Winograd
 * applies to (skipping tuned ones unless `retune`, and a tile size whose
 * intermediates would not fit a storage binding), keeps each fastest, and
 * returns the measurements. Timings are per launch, each round ended by
 * waiting for the GPU, the best round kept.
 */
export async function tuneConv2d(rt: GpuRuntime, geometries: readonly Conv2dGeometry[], options: TuneOptions = {}): Promise<ConvTuning[]> {
  const rounds = options.rounds ?? 3;
  const launches = options.launches ?? 4;
  const clock = options.clock ?? (() => performance.now());
  const results: ConvTuning[] = [];
  for (const g of geometries) {
    if (!winogradApplies(g)) continue;
    const { ho, wo } = conv2dOutputSize(g);
    const random = new Random(1);
    const x = rt.upload(sample(random, g.n * g.cIn * g.h * g.w));
    const weights = sample(random, g.cOut * g.cIn * 9);
    const weight = rt.upload(weights);
    const dy = rt.upload(sample(random, g.n * g.cOut * ho * wo));
    // Rewritten before every timed launch, as a training step's weights are, so no launch reuses kernels transformed for an earlier one (src/gpu/derived.ts).
    const weightSource = rt.upload(weights);
    for (const direction of tunedDirections) {
      const table = tableOf(rt);
      const key = convChoiceKey(direction, g);
      if (table.has(key) && !options.retune) continue;
      const launch = (algorithm: ConvAlgorithm) =>
        direction === 'forward'
          ? convForward(rt, x, weight, null, g, null, { algorithm })
          : direction === 'gradInput'
            ? convGradInput(rt, dy, weight, g, { algorithm })
            : convGradWeight(rt, x, dy, g, { algorithm });
      const count = { forward: g.n * g.cOut * ho * wo, gradInput: g.n * g.cIn * g.h * g.w, gradWeight: g.cOut * g.cIn * 9 }[direction];
      const candidates = convAlgorithms.filter((a) => a === 'direct' || winogradFits(rt, direction, g, tileOf[a]));
      const reference = await readAndRelease(rt, launch('direct'), count);
      const disagreeing: ConvAlgorithm[] = [];
      for (const algorithm of candidates.filter((a) => a !== 'direct')) {
        if (relativeDifference(await readAndRelease(rt, launch(algorithm), count), reference) > 1e-4) disagreeing.push(algorithm);
      }
      const timings: ConvTimings = {};
      for (let round = 0; round < rounds; round++) {
        for (const algorithm of candidates) {
          await rt.sync();
          const start = clock();
          for (let i = 0; i < launches; i++) {
            rt.copy(weightSource, weight, weight.bytes);
            rt.pool.release(launch(algorithm));
          }
          await rt.sync();
          timings[algorithm] = Math.min(timings[algorithm] ?? Infinity, (clock() - start) / launches);
        }
      }
      const chosen = pickConvAlgorithm(timings, disagreeing);
      table.set(key, chosen);
      results.push({ direction, g, timings, disagreeing, chosen });
    }
    for (const b of [x, weight, weightSource, dy]) rt.pool.release(b);
  }
  return results;
}

async function readAndRelease(rt: GpuRuntime, buffer: GpuBuffer, count: number): Promise<Float32Array> {
  const values = await rt.readFloat32(buffer, count);
  rt.pool.release(buffer);
  return values;
}
