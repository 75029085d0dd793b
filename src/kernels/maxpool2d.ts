// Max pool 2d launches (shaders/maxpool2d.wgsl): one invocation per output
// element forward, one per input element backward.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError, formatShape } from '../gpu/errors';
import { shader } from '../gpu/shader';
import source from '../../shaders/maxpool2d.wgsl';
import { perElement } from './grid';
import { nchw } from './nchw';

const maxpool2d = shader('maxpool2d', source, {
  bindings: {
    forward: { reads: ['x'], writes: ['y'] },
    forwardArgmax: { reads: ['x'], writes: ['y', 'argmaxOut'] },
    backward: { reads: ['argmax', 'dy'], writes: ['dx'] },
  },
  types: { argmaxOut: 'array<u32>', argmax: 'array<u32>' },
});
const WG = 64;

export interface MaxPool2dOptions {
  kernel: number;
  stride: number;
  padding: number;
}

/** [n, c, oh, ow] in PyTorch's floor mode; throws ShapeError for shapes PyTorch refuses. */
export function maxPool2dOutputShape(shape: readonly number[], o: MaxPool2dOptions): [number, number, number, number] {
  const { n, c, h, w } = nchw('maxPool2d', shape);
  const { kernel, stride, padding } = o;
  const options = `kernel ${kernel}, stride ${stride}, padding ${padding}`;
  if (![kernel, stride, padding].every(Number.isInteger) || kernel < 1 || stride < 1 || padding < 0 || padding > kernel / 2) {
    throw new ShapeError('maxPool2d', `bad options (${options}) for input ${formatShape(shape)}: padding must be at most half the kernel`);
  }
  const oh = Math.floor((h + 2 * padding - kernel) / stride) + 1;
  const ow = Math.floor((w + 2 * padding - kernel) / stride) + 1;
  if (oh < 1 || ow < 1) throw new ShapeError('maxPool2d', `input ${formatShape(shape)} is smaller than the window (${options}): output ${formatShape([n, c, oh, ow])}`);
  return [n, c, oh, ow];
}

function params(shape: readonly number[], out: readonly number[], o: MaxPool2dOptions) {
  const [n, c, h, w] = shape as [number, number, number, number];
  return { planes: n * c, h, w, oh: out[2]!, ow: out[3]!, kernel: o.kernel, stride: o.stride, padding: o.padding };
}

export interface MaxPool2dResult {
  y: GpuBuffer;
  shape: [number, number, number, number];
  /** Per output element, the flat index in its input plane of the maximum (u32); null unless asked for. */
  argmax: GpuBuffer | null;
}

export function maxPool2dForward(rt: GpuRuntime, x: GpuBuffer, shape: readonly number[], o: MaxPool2dOptions, keepArgmax: boolean): MaxPool2dResult {
  const out = maxPool2dOutputShape(shape, o);
  const count = out.reduce((a, b) => a * b, 1);
  const y = rt.pool.acquire(count * 4, 'a max pool output');
  const argmax = keepArgmax ? rt.pool.acquire(count * 4, 'max pool argmax indices') : null;
  rt.dispatch(maxpool2d, argmax ? 'forwardArgmax' : 'forward', {
    reads: { x },
    writes: argmax ? { y, argmaxOut: argmax } : { y },
    params: params(shape, out, o),
    ...perElement(count, WG),
  });
  return { y, shape: out, argmax };
}

/** dx of the input `shape` from the forward's argmax and dy. */
export function maxPool2dBackward(rt: GpuRuntime, argmax: GpuBuffer, dy: GpuBuffer, shape: readonly number[], o: MaxPool2dOptions): GpuBuffer {
  const out = maxPool2dOutputShape(shape, o);
  const count = shape.reduce((a, b) => a * b, 1);
  const dx = rt.pool.acquire(count * 4, 'a max pool input gradient');
  rt.dispatch(maxpool2d, 'backward', { reads: { argmax, dy }, writes: { dx }, params: params(shape, out, o), ...perElement(count, WG) });
  return dx;
}
