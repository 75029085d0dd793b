// Max pool 2d launches (shaders/maxpool2d.wgsl): one invocation per output
// column forward, per output column of a class of windows backward, each
// walking the planes.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError, formatShape } from '../base/shape';
import { shader } from '../gpu/shader';
import source from '../../shaders/maxpool2d.wgsl';
import { fill } from './elementwise';
import { perPlaneRow } from './grid';
import { nchw } from './nchw';

const maxpool2d = shader('maxpool2d', source, {
  bindings: {
    forward: { reads: ['x'], writes: ['y'] },
    forwardArgmax: { reads: ['x'], writes: ['y', 'argmaxOut'] },
    backward: { reads: ['argmax', 'dy'], writes: ['dx'] },
  },
  types: { argmaxOut: 'array<u32>', argmax: 'array<u32>' },
});
const WG = 32;
/** Planes each invocation walks (lavapipe pays per workgroup). */
const planesEach = 8;

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
    ...perPlaneRow(rt, out[3], out[2], out[0] * out[1], WG, planesEach),
    specialise: true,
  });
  return { y, shape: out, argmax };
}

/** dx of the input `shape` from the forward's argmax and dy: zeroed, then each class of non-overlapping windows adds its gradients. */
export function maxPool2dBackward(rt: GpuRuntime, argmax: GpuBuffer, dy: GpuBuffer, shape: readonly number[], o: MaxPool2dOptions): GpuBuffer {
  const out = maxPool2dOutputShape(shape, o);
  const dx = fill(rt, shape.reduce((a, b) => a * b, 1), 0, rt.pool.acquire(shape.reduce((a, b) => a * b, 1) * 4, 'a max pool input gradient'));
  const classes = Math.ceil(o.kernel / o.stride);
  const [, , oh, ow] = out;
  for (let classY = 0; classY < Math.min(classes, oh); classY++) {
    for (let classX = 0; classX < Math.min(classes, ow); classX++) {
      rt.dispatch(maxpool2d, 'backward', {
        reads: { argmax, dy },
        writes: { dx },
        params: { ...params(shape, out, o), classes, classY, classX },
        ...perPlaneRow(rt, Math.ceil((ow - classX) / classes), Math.ceil((oh - classY) / classes), out[0] * out[1], WG, planesEach),
        specialise: true,
      });
    }
  }
  return dx;
}
