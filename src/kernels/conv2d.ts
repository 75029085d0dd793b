// 2D convolution launches: implicit GEMM for forward, grad input and grad
// weight, each in the tiling that suits the adapter (shaders/conv2d.wgsl).

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError } from '../base/shape';
import type { Constants, Shader } from '../gpu/shader';
import source from '../../shaders/conv2d.wgsl';
import { perElement } from './grid';
import { blockedShaders, defaultTiling, rowGroupsFor, rowSharing, type Tiling } from './rowblocking';
import { tiledEntryPoints } from './tiled-entry-points';

const forward = { reads: ['weight', 'x', 'bias', 'residual'], writes: ['y'] };
const gradInput = { reads: ['weight', 'dy'], writes: ['dx'] };
const gradWeight = { reads: ['dyAt1', 'x'], writes: ['partials'] };
const shaders = blockedShaders('conv2d', source, {
  bindings: {
    forwardTiled: forward,
    forwardBlocked: forward,
    forwardStatsBlocked: { reads: forward.reads, writes: ['y', 'statPartials'] },
    gradInputTiled: gradInput,
    gradInputBlocked: gradInput,
    gradInputPhaseBlocked: gradInput,
    gradWeightTiled: gradWeight,
    gradWeightBlocked: gradWeight,
    gradWeightReduce: { reads: ['partialsIn'], writes: ['dw'] },
    gradBias: { reads: ['dyAt1'], writes: ['dbias'] },
  },
}, tiledEntryPoints({
  forwardTiled: { depth: 'p.cIn * taps()', readA: 'forwardWeightAt(', readB: 'forwardInputAt(', write: 'storeForwardAt(' },
  gradInputTiled: { depth: 'p.cOut * taps()', readA: 'gradInputWeightAt(', readB: 'gradInputDyAt(', write: 'storeGradInputAt(' },
  gradWeightTiled: { depth: 'p.chunkRows * p.wo', readA: 'gradWeightDyAt(group.z, ', readB: 'gradWeightInputAt(group.z, ', write: 'storePartial(group.z, ' },
}));

export interface Conv2dGeometry {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  stride: number;
  padding: number;
  dilation: number;
}

/** Pixels (or grad weight columns) per invocation of the blocked kernels. */
const blockCols = 4;
const blockWorkgroup = 128;
/**
 * Grad weight's blocked kernel runs over (cIn, tap) columns, often few:
 * smaller workgroups waste less. One subgroup of 8 on lavapipe took 0.5-0.9x
 * the CPU time of 16 on six of the tiny network's shapes (2026-12-07, one
 * run), even where both leave no column idle; see matmul.ts for whole steps.
 */
const gradWeightBlockWorkgroup = 8;
const tile = 16;
const reduceWorkgroup = 256;
/** Grad weight: split the reduction until about this many workgroups run. */
const gradWeightWorkgroups = 64;

export function conv2dOutputSize(g: Conv2dGeometry): { ho: number; wo: number } {
  const size = (x: number, k: number) => Math.floor((x + 2 * g.padding - g.dilation * (k - 1) - 1) / g.stride) + 1;
  return { ho: size(g.h, g.kh), wo: size(g.w, g.kw) };
}

export function checkConvGeometry(op: string, g: Conv2dGeometry): { ho: number; wo: number } {
  const dims = [g.n, g.cIn, g.h, g.w, g.cOut, g.kh, g.kw, g.stride, g.dilation];
  if (dims.some((d) => !Number.isInteger(d) || d < 1) || !Number.isInteger(g.padding) || g.padding < 0) {
    throw new ShapeError(op, `bad geometry ${JSON.stringify(g)}`);
  }
  const out = conv2dOutputSize(g);
  if (out.ho < 1 || out.wo < 1) {
    throw new ShapeError(op, `input [${g.n}, ${g.cIn}, ${g.h}, ${g.w}] is smaller than the dilated kernel [${g.cOut}, ${g.cIn}, ${g.kh}, ${g.kw}] (padding ${g.padding}, dilation ${g.dilation})`);
  }
  return out;
}

export function checkConvSize(op: string, what: string, buffer: GpuBuffer, shape: readonly number[]): void {
  const need = shape.reduce((a, b) => a * b, 1) * 4;
  if (buffer.bytes < need) throw new ShapeError(op, `${what} holds ${buffer.bytes / 4} values, shape [${shape.join(', ')}] needs ${need / 4}`);
}

function params(g: Conv2dGeometry, ho: number, wo: number) {
  const { n, cIn, h, w, cOut, kh, kw, stride, padding, dilation } = g;
  return { n, cIn, h, w, cOut, kh, kw, stride, padding, dilation, ho, wo };
}

interface Launch {
  shader: Shader;
  /** The entry point's suffix: `Blocked` or `Tiled`. */
  variant: string;
  workgroups: [number, number];
  constants: Constants;
}

/** How to launch a kernel whose output is `rows` x `columns` (channels x pixels, or grad weight's cOut x (cIn, tap)). */
function launch(rt: GpuRuntime, tiling: Tiling, rows: number, columns: number, workgroupSize = blockWorkgroup): Launch {
  if (tiling === 'tiled') {
    return { shader: shaders.portable, variant: 'Tiled', workgroups: [Math.ceil(columns / tile), Math.ceil(rows / tile)], constants: { TILE: tile } };
  }
  const sharing = rowSharing(rt, tiling);
  const rowGroups = rowGroupsFor(sharing, rows);
  return {
    shader: shaders.blocked(sharing, rowGroups),
    variant: 'Blocked',
    workgroups: [Math.ceil(columns / (workgroupSize * blockCols)), Math.ceil(rows / (8 * rowGroups))],
    constants: { WG: workgroupSize },
  };
}

/** What the forward does to its output before storing it: add a residual (shaped as the output), then ReLU. */
export interface ConvEpilogue {
  residual: GpuBuffer | null;
  relu: boolean;
}

const noEpilogue: ConvEpilogue = { residual: null, relu: false };

/** The forward's checks, output and launch; with `statistics`, the blocked entry point that also writes y's moments. */
function launchForward(rt: GpuRuntime, x: GpuBuffer, weight: GpuBuffer, bias: GpuBuffer | null, g: Conv2dGeometry, tiling: Tiling, epilogue: ConvEpilogue, statistics = false) {
  const { ho, wo } = checkConvGeometry('conv2d', g);
  checkConvSize('conv2d', 'input', x, [g.n, g.cIn, g.h, g.w]);
  checkConvSize('conv2d', 'weight', weight, [g.cOut, g.cIn, g.kh, g.kw]);
  if (bias) checkConvSize('conv2d', 'bias', bias, [g.cOut]);
  if (epilogue.residual) checkConvSize('conv2d', 'residual', epilogue.residual, [g.n, g.cOut, ho, wo]);
  const y = rt.pool.acquire(g.n * g.cOut * ho * wo * 4, 'conv2d output');
  const l = launch(rt, tiling, g.cOut, g.n * ho * wo);
  const partials = statistics ? rt.pool.acquire(g.cOut * l.workgroups[0] * 2 * 4, 'conv2d output moments') : null;
  rt.dispatch(l.shader, partials ? 'forwardStatsBlocked' : `forward${l.variant}`, {
    reads: { weight, x, bias: bias ?? weight, residual: epilogue.residual ?? x },
    writes: partials ? { y, statPartials: partials } : { y },
    params: params(g, ho, wo),
    workgroups: l.workgroups,
    constants: { ...l.constants, HAS_BIAS: bias ? 1 : 0, RESIDUAL: epilogue.residual ? 1 : 0, RELU: epilogue.relu ? 1 : 0 },
  });
  return { y, partials };
}

/** y = conv(x, weight) + bias, then the epilogue; y is [n, cOut, ho, wo]. */
export function conv2dForward(
  rt: GpuRuntime,
  x: GpuBuffer,
  weight: GpuBuffer,
  bias: GpuBuffer | null,
  g: Conv2dGeometry,
  tiling = defaultTiling(rt),
  epilogue: ConvEpilogue = noEpilogue,
): GpuBuffer {
  return launchForward(rt, x, weight, bias, g, tiling, epilogue).y;
}

/** The output of conv2dForwardStatistics: y and its per-channel moments by chunks of pixels. */
export interface ConvStatistics {
  y: GpuBuffer;
  /** (mean, M2) of each output channel's chunks, channel-major: [cOut, chunks, 2]. */
  partials: GpuBuffer;
  /** Output pixels (over n, ho, wo) per chunk; the last chunk holds the rest. */
  chunkPixels: number;
}

/**
 * y = conv(x, weight) + bias (no residual, no ReLU), and in the same launch the
 * moments of y per channel and chunk of pixels, which a training batch norm
 * merges (src/kernels/conv2dbatchnorm.ts). The blocked tilings only.
 */
export function conv2dForwardStatistics(rt: GpuRuntime, x: GpuBuffer, weight: GpuBuffer, bias: GpuBuffer | null, g: Conv2dGeometry, tiling: Exclude<Tiling, 'tiled'>): ConvStatistics {
  const { y, partials } = launchForward(rt, x, weight, bias, g, tiling, noEpilogue, true);
  return { y, partials: partials!, chunkPixels: blockWorkgroup * blockCols };
}

/**
 * dx [n, cIn, h, w] from dy [n, cOut, ho, wo]. A strided conv (dilation 1) on
 * the blocked tiling runs one launch per phase of the input pixels, each with
 * only the taps that reach it.
 */
export function conv2dGradInput(rt: GpuRuntime, dy: GpuBuffer, weight: GpuBuffer, g: Conv2dGeometry, tiling = defaultTiling(rt)): GpuBuffer {
  const { ho, wo } = checkConvGeometry('conv2d grad input', g);
  checkConvSize('conv2d grad input', 'dy', dy, [g.n, g.cOut, ho, wo]);
  checkConvSize('conv2d grad input', 'weight', weight, [g.cOut, g.cIn, g.kh, g.kw]);
  const dx = rt.pool.acquire(g.n * g.cIn * g.h * g.w * 4, 'conv2d grad input');
  const p = params(g, ho, wo);
  if (tiling !== 'tiled' && g.stride > 1 && g.dilation === 1) {
    for (let phaseY = 0; phaseY < Math.min(g.stride, g.h); phaseY++) {
      for (let phaseX = 0; phaseX < Math.min(g.stride, g.w); phaseX++) {
        const phaseRows = Math.ceil((g.h - phaseY) / g.stride);
        const phaseCols = Math.ceil((g.w - phaseX) / g.stride);
        const l = launch(rt, tiling, g.cIn, g.n * phaseRows * phaseCols);
        rt.dispatch(l.shader, 'gradInputPhaseBlocked', { reads: { weight, dy }, writes: { dx }, params: { ...p, phaseY, phaseX, phaseRows, phaseCols }, workgroups: l.workgroups, constants: l.constants });
      }
    }
    return dx;
  }
  const l = launch(rt, tiling, g.cIn, g.n * g.h * g.w);
  rt.dispatch(l.shader, `gradInput${l.variant}`, { reads: { weight, dy }, writes: { dx }, params: p, workgroups: l.workgroups, constants: l.constants });
  return dx;
}

/** dw [cOut, cIn, kh, kw]: chunked partial sums over the output rows, then their sum in chunk order. */
export function conv2dGradWeight(rt: GpuRuntime, x: GpuBuffer, dy: GpuBuffer, g: Conv2dGeometry, tiling = defaultTiling(rt)): GpuBuffer {
  const { ho, wo } = checkConvGeometry('conv2d grad weight', g);
  checkConvSize('conv2d grad weight', 'input', x, [g.n, g.cIn, g.h, g.w]);
  checkConvSize('conv2d grad weight', 'dy', dy, [g.n, g.cOut, ho, wo]);
  const outRows = g.n * ho;
  const l = launch(rt, tiling, g.cOut, g.cIn * g.kh * g.kw, gradWeightBlockWorkgroup);
  const chunkRows = Math.ceil(outRows / Math.min(outRows, Math.ceil(gradWeightWorkgroups / (l.workgroups[0] * l.workgroups[1]))));
  const chunks = Math.ceil(outRows / chunkRows);
  const size = g.cOut * g.cIn * g.kh * g.kw;
  const partials = rt.pool.acquire(chunks * size * 4, 'conv2d grad weight partial sums');
  const p = { ...params(g, ho, wo), chunkRows, chunks };
  rt.dispatch(l.shader, `gradWeight${l.variant}`, { reads: { dyAt1: dy, x }, writes: { partials }, params: p, workgroups: [...l.workgroups, chunks], constants: l.constants });
  const dw = rt.pool.acquire(size * 4, 'conv2d grad weight');
  rt.dispatch(shaders.portable, 'gradWeightReduce', { reads: { partialsIn: partials }, writes: { dw }, params: p, ...perElement(size, blockWorkgroup) });
  rt.pool.release(partials);
  return dw;
}

/** db [cOut] = sum of dy over n, ho, wo (a tree reduction per channel). */
export function conv2dGradBias(rt: GpuRuntime, dy: GpuBuffer, g: Conv2dGeometry): GpuBuffer {
  const { ho, wo } = checkConvGeometry('conv2d grad bias', g);
  checkConvSize('conv2d grad bias', 'dy', dy, [g.n, g.cOut, ho, wo]);
  const db = rt.pool.acquire(g.cOut * 4, 'conv2d grad bias');
  rt.dispatch(shaders.portable, 'gradBias', { reads: { dyAt1: dy }, writes: { dbias: db }, params: params(g, ho, wo), workgroups: [g.cOut], constants: { REDUCE_WG: reduceWorkgroup } });
  return db;
}
