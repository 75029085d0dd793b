// Winograd launches of a 3x3 stride-1 conv (shaders/conv2dwinograd.wgsl):
// the forward and the grad input, each as weight and input transforms, the
// batched matrix product of src/kernels/matmul.ts, and the output transform;
// the grad weight as input and grad-output transforms, the product summing
// over tiles, and the transform back to 3x3.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError } from '../base/shape';
import { derived } from '../gpu/derived';
import { shader, type Shader } from '../gpu/shader';
import source from '../../shaders/conv2dwinograd.wgsl';
import { checkConvGeometry, checkConvSize, conv2dOutputSize, type Conv2dGeometry, type ConvEpilogue } from './conv2d';
import { perElement } from './grid';
import { matmul } from './matmul';
import { defaultTiling, type Tiling } from './rowblocking';

/** Outputs per tile and axis: F(2x2, 3x3), F(4x4, 3x3) or F(6x6, 3x3). */
export type WinogradTile = 2 | 4 | 6;

/** The matrices of F(m, 3) with the interpolation points 0, 1, -1 (and 2, -2 for m = 4; 2, -2, 1/2, -1/2 for m = 6), from Lavin and Gray. */
const matrices: Record<WinogradTile, { inputT: number[][]; weight: number[][]; outputT: number[][] }> = {
  2: {
    inputT: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
    weight: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
    outputT: [[1, 1, 1, 0], [0, 1, -1, -1]],
  },
  4: {
    inputT: [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
    weight: [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
    outputT: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
  },
  6: {
    inputT: [
      [1, 0, -21 / 4, 0, 21 / 4, 0, -1, 0],
      [0, 1, 1, -17 / 4, -17 / 4, 1, 1, 0],
      [0, -1, 1, 17 / 4, -17 / 4, -1, 1, 0],
      [0, 1 / 2, 1 / 4, -5 / 2, -5 / 4, 2, 1, 0],
      [0, -1 / 2, 1 / 4, 5 / 2, -5 / 4, -2, 1, 0],
      [0, 2, 4, -5 / 2, -5, 1 / 2, 1, 0],
      [0, -2, 4, 5 / 2, -5, -1 / 2, 1, 0],
      [0, -1, 0, 21 / 4, 0, -21 / 4, 0, 1],
    ],
    weight: [[1, 0, 0], [-2 / 9, -2 / 9, -2 / 9], [-2 / 9, 2 / 9, -2 / 9], [1 / 90, 1 / 45, 2 / 45], [1 / 90, -1 / 45, 2 / 45], [32 / 45, 16 / 45, 8 / 45], [32 / 45, -16 / 45, 8 / 45], [0, 0, 1]],
    outputT: [
      [1, 1, 1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 1 / 2, -1 / 2, 0],
      [0, 1, 1, 4, 4, 1 / 4, 1 / 4, 0],
      [0, 1, -1, 8, -8, 1 / 8, -1 / 8, 0],
      [0, 1, 1, 16, 16, 1 / 16, 1 / 16, 0],
      [0, 1, -1, 32, -32, 1 / 32, -1 / 32, 1],
    ],
  },
};

/** WGSL of `fn name(d: array<f32, columns>) -> array<f32, rows>` multiplying by `matrix`, its zero terms left out. */
function linearMap(name: string, matrix: number[][]): string {
  const term = (c: number, j: number) => (c === 1 ? ` + d[${j}]` : c === -1 ? ` - d[${j}]` : ` ${c < 0 ? '-' : '+'} ${Math.abs(c)} * d[${j}]`);
  const rows = matrix.map((row) => row.map((c, j) => (c === 0 ? '' : term(c, j))).join('').replace(/^ \+ /, '').replace(/^ - /, '-'));
  return `fn ${name}(d: array<f32, ${matrix[0]!.length}>) -> array<f32, ${matrix.length}> {\n  return array<f32, ${matrix.length}>(${rows.join(', ')});\n}\n`;
}

function transpose(matrix: number[][]): number[][] {
  return matrix[0]!.map((_, j) => matrix.map((row) => row[j]!));
}

const mLine = /^const M = \d+u;$/m;
const shaders = new Map<WinogradTile, Shader>();

function shaderFor(m: WinogradTile): Shader {
  let s = shaders.get(m);
  if (!s) {
    if (!mLine.test(source)) throw new Error('shaders/conv2dwinograd.wgsl needs a "const M = <m>u;" line');
    const { inputT, weight, outputT } = matrices[m];
    const transforms = [
      linearMap('transformInput1d', inputT),
      linearMap('transformWeight1d', weight),
      linearMap('transformOutput1d', outputT),
      linearMap('transformGradOutput1d', transpose(outputT)),
      linearMap('transformWeightGrad1d', transpose(weight)),
    ].join('\n');
    s = shader(`conv2dwinograd-f${m}`, `${source.replace(mLine, `const M = ${m}u;`)}\n${transforms}`, {
      bindings: {
        weightTransform: { reads: ['weight'], writes: ['u'] },
        inputTransform: { reads: ['x'], writes: ['v'] },
        outputTransform: { reads: ['products', 'bias', 'residual'], writes: ['y'] },
        gradOutputTransform: { reads: ['dy'], writes: ['dyt'] },
        weightGradTransform: { reads: ['sums'], writes: ['dw'] },
      },
    });
    shaders.set(m, s);
  }
  return s;
}

/** Invocations per workgroup of the transforms (one per channel and tile), as in the other per-element kernels. */
const workgroup = 64;

/**
 * Whether the Winograd path computes this conv: a 3x3 kernel at stride 1, and
 * padding at most twice the dilation (the grad input's conv pads by
 * 2 * dilation - padding).
 */
export function winogradApplies(g: Conv2dGeometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.stride === 1 && g.padding <= 2 * g.dilation;
}

function checkApplies(op: string, g: Conv2dGeometry): void {
  if (!winogradApplies(g)) throw new ShapeError(op, `the Winograd path takes 3x3 stride-1 convs padded by at most twice the dilation, not ${JSON.stringify(g)}`);
}

/** The grad input of `g` as the conv Winograd computes: dy convolved with the flipped kernels, channels swapped. */
function gradInputConv(g: Conv2dGeometry): Conv2dGeometry {
  const { ho, wo } = conv2dOutputSize(g);
  return { ...g, cIn: g.cOut, cOut: g.cIn, h: ho, w: wo, padding: 2 * g.dilation - g.padding };
}

/** The tiles of F(m x m) over the output of `g`: per axis, those of each residue mod dilation. */
function winogradTiles(g: Conv2dGeometry, m: WinogradTile): { tilesY: number; tilesX: number; tiles: number; points: number } {
  const { ho, wo } = conv2dOutputSize(g);
  const tilesAlong = (size: number) => g.dilation * Math.ceil(Math.ceil(size / g.dilation) / m);
  const [tilesY, tilesX] = [tilesAlong(ho), tilesAlong(wo)];
  return { tilesY, tilesX, tiles: g.n * tilesY * tilesX, points: (m + 2) ** 2 };
}

/**
 * Whether the transformed input and the products of F(m x m) for this direction
 * of `g` fit one storage binding of the adapter: they hold (m + 2)^2 / m^2
 * times the input and the output (more with the tiles' padding).
 */
export function winogradFits(rt: GpuRuntime, direction: 'forward' | 'gradInput' | 'gradWeight', g: Conv2dGeometry, m: WinogradTile): boolean {
  // The grad weight transforms x and dy over the forward's tiles; the grad input is a conv of its own.
  const conv = direction === 'gradInput' ? gradInputConv(g) : g;
  const { tiles, points } = winogradTiles(conv, m);
  return points * Math.max(conv.cIn, conv.cOut) * tiles * 4 <= rt.limits.maxStorageBufferBindingSize;
}

/** The shader, uniforms and tile counts of F(m x m) over the output of `g`. */
function winogradLaunch(op: string, g: Conv2dGeometry, m: WinogradTile) {
  const { ho, wo } = checkConvGeometry(op, g);
  const { tilesY, tilesX, tiles, points } = winogradTiles(g, m);
  const params = { n: g.n, cIn: g.cIn, h: g.h, w: g.w, cOut: g.cOut, padding: g.padding, dilation: g.dilation, ho, wo, tilesY, tilesX };
  return { s: shaderFor(m), params, ho, wo, tiles, points };
}

/** v: B^T d B of every input patch, [point, channel, tile] (the forward's second operand) or tile-major [point, tile, channel] (the grad weight's). */
function transformInput(rt: GpuRuntime, x: GpuBuffer, g: Conv2dGeometry, m: WinogradTile, tileMajor: boolean): GpuBuffer {
  const { s, params, tiles, points } = winogradLaunch('conv2d winograd', g, m);
  const v = rt.pool.acquire(points * g.cIn * tiles * 4, 'winograd input transform');
  rt.dispatch(s, 'inputTransform', { reads: { x }, writes: { v }, params, ...perElement(g.cIn * tiles, workgroup), constants: { WG: workgroup, TILE_MAJOR: tileMajor ? 1 : 0 }, specialise: true });
  return v;
}

/** y [n, cOut, ho, wo] of the conv `g` with the kernel `weight`, flipped and transposed when `flip` (the grad input). */
function winogradConv(rt: GpuRuntime, x: GpuBuffer, weight: GpuBuffer, bias: GpuBuffer | null, g: Conv2dGeometry, flip: boolean, epilogue: ConvEpilogue | null, m: WinogradTile, tiling: Tiling): GpuBuffer {
  const { s, params, ho, wo, tiles, points } = winogradLaunch('conv2d winograd', g, m);
  const transformed = derived(rt, `winograd kernels f${m}${flip ? ' flipped' : ''} ${weight.id} ${g.cOut}x${g.cIn}`, [weight], () => {
    const u = rt.pool.acquire(points * g.cOut * g.cIn * 4, 'winograd weight transform');
    rt.dispatch(s, 'weightTransform', { reads: { weight }, writes: { u }, params, ...perElement(g.cOut * g.cIn, workgroup), constants: { WG: workgroup, FLIP: flip ? 1 : 0 }, specialise: true });
    return [u];
  });
  const [u] = transformed.buffers as [GpuBuffer];
  const v = transformInput(rt, x, g, m, false);
  const products = matmul(rt, u, v, g.cOut, g.cIn, tiles, tiling, points);
  if (!transformed.kept) rt.pool.release(u);
  rt.pool.release(v);
  const y = rt.pool.acquire(g.n * g.cOut * ho * wo * 4, 'winograd conv output');
  const residual = epilogue?.residual ?? null;
  rt.dispatch(s, 'outputTransform', {
    reads: { products, bias: bias ?? products, residual: residual ?? products },
    writes: { y },
    params,
    ...perElement(g.cOut * tiles, workgroup),
    constants: { WG: workgroup, HAS_BIAS: bias ? 1 : 0, RESIDUAL: residual ? 1 : 0, RELU: epilogue?.relu ? 1 : 0 },
    specialise: true,
  });
  rt.pool.release(products);
  return y;
}

/** The forward of a 3x3 stride-1 conv: y = conv(x, weight) + bias, then the epilogue. */
export function conv2dWinogradForward(
  rt: GpuRuntime,
  x: GpuBuffer,
  weight: GpuBuffer,
  bias: GpuBuffer | null,
  g: Conv2dGeometry,
  epilogue: ConvEpilogue | null = null,
  m: WinogradTile = 2,
  tiling: Tiling = defaultTiling(rt),
): GpuBuffer {
  checkApplies('conv2d winograd', g);
  const { ho, wo } = checkConvGeometry('conv2d winograd', g);
  checkConvSize('conv2d winograd', 'input', x, [g.n, g.cIn, g.h, g.w]);
  checkConvSize('conv2d winograd', 'weight', weight, [g.cOut, g.cIn, 3, 3]);
  if (bias) checkConvSize('conv2d winograd', 'bias', bias, [g.cOut]);
  if (epilogue?.residual) checkConvSize('conv2d winograd', 'residual', epilogue.residual, [g.n, g.cOut, ho, wo]);
  return winogradConv(rt, x, weight, bias, g, false, epilogue, m, tiling);
}

/** dx [n, cIn, h, w] from dy [n, cOut, ho, wo]: the conv of dy with the flipped, transposed kernel, padded by 2 * dilation - padding. */
export function conv2dWinogradGradInput(rt: GpuRuntime, dy: GpuBuffer, weight: GpuBuffer, g: Conv2dGeometry, m: WinogradTile = 2, tiling: Tiling = defaultTiling(rt)): GpuBuffer {
  checkApplies('conv2d winograd grad input', g);
  const { ho, wo } = checkConvGeometry('conv2d winograd grad input', g);
  checkConvSize('conv2d winograd grad input', 'dy', dy, [g.n, g.cOut, ho, wo]);
  checkConvSize('conv2d winograd grad input', 'weight', weight, [g.cOut, g.cIn, 3, 3]);
  return winogradConv(rt, dy, weight, null, gradInputConv(g), true, null, m, tiling);
}

/**
 * dw [cOut, cIn, 3, 3] of the conv `g` from its input x and dy: per point of
 * the transform, the product of the transformed dy and input summed over every
 * tile of every image, then turned back into 3x3 kernels.
 */
export function conv2dWinogradGradWeight(rt: GpuRuntime, x: GpuBuffer, dy: GpuBuffer, g: Conv2dGeometry, m: WinogradTile = 2, tiling: Tiling = defaultTiling(rt)): GpuBuffer {
  checkApplies('conv2d winograd grad weight', g);
  const { s, params, ho, wo, tiles, points } = winogradLaunch('conv2d winograd grad weight', g, m);
  checkConvSize('conv2d winograd grad weight', 'input', x, [g.n, g.cIn, g.h, g.w]);
  checkConvSize('conv2d winograd grad weight', 'dy', dy, [g.n, g.cOut, ho, wo]);
  const v = transformInput(rt, x, g, m, true);
  const dyt = rt.pool.acquire(points * g.cOut * tiles * 4, 'winograd grad-output transform');
  rt.dispatch(s, 'gradOutputTransform', { reads: { dy }, writes: { dyt }, params, ...perElement(g.cOut * tiles, workgroup), specialise: true });
  const sums = matmul(rt, dyt, v, g.cOut, tiles, g.cIn, tiling, points);
  rt.pool.release(dyt);
  rt.pool.release(v);
  const dw = rt.pool.acquire(g.cOut * g.cIn * 9 * 4, 'winograd grad weight');
  rt.dispatch(s, 'weightGradTransform', { reads: { sums }, writes: { dw }, params, ...perElement(g.cOut * g.cIn, workgroup), specialise: true });
  rt.pool.release(sums);
  return dw;
}
