// Channel concatenation launches (shaders/concat.wgsl): one dispatch per input,
// forward and backward.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError, formatShape } from '../base/shape';
import { shader } from '../gpu/shader';
import source from '../../shaders/concat.wgsl';
import { perElement } from './grid';
import { nchw } from './nchw';

const concat = shader('concat', source, {
  bindings: { place: { reads: ['part'], writes: ['whole'] }, slice: { reads: ['dWhole'], writes: ['dPart'] } },
});
const WG = 64;

/** [n, sum of c, h, w]; throws ShapeError unless all inputs are NCHW with the same n, h, w. */
export function concatChannelsShape(shapes: readonly (readonly number[])[]): [number, number, number, number] {
  if (shapes.length === 0) throw new ShapeError('concatChannels', 'needs at least one input');
  const first = nchw('concatChannels', shapes[0]!);
  let channels = 0;
  for (const shape of shapes) {
    const s = nchw('concatChannels', shape);
    if (s.n !== first.n || s.h !== first.h || s.w !== first.w) {
      throw new ShapeError('concatChannels', `inputs differ in batch or spatial size: ${formatShape(shapes[0]!)} and ${formatShape(shape)}`);
    }
    channels += s.c;
  }
  return [first.n, channels, first.h, first.w];
}

/** Launch arguments of one input's channel range [offset, offset + channels) of the whole. */
function channelRange(wholeShape: readonly number[], offset: number, channels: number) {
  const { n, c, h, w } = nchw('concatChannels', wholeShape);
  if (!(offset >= 0 && channels >= 1 && offset + channels <= c)) {
    throw new ShapeError('concatChannels', `channels [${offset}, ${offset + channels}) are not within ${formatShape(wholeShape)}`);
  }
  const count = n * channels * h * w;
  return { count, args: { params: { count, block: channels * h * w, outBlock: c * h * w, offset: offset * h * w }, ...perElement(count, WG), specialise: true } };
}

export function concatChannelsForward(rt: GpuRuntime, xs: readonly GpuBuffer[], shapes: readonly (readonly number[])[]): GpuBuffer {
  if (xs.length !== shapes.length) throw new ShapeError('concatChannels', `${xs.length} buffers for ${shapes.length} shapes`);
  const wholeShape = concatChannelsShape(shapes);
  const y = rt.pool.acquire(wholeShape.reduce((a, b) => a * b, 1) * 4, 'a channel concatenation');
  let offset = 0;
  xs.forEach((x, i) => {
    const channels = shapes[i]![1]!;
    rt.dispatch(concat, 'place', { reads: { part: x }, writes: { whole: y }, ...channelRange(wholeShape, offset, channels).args });
    offset += channels;
  });
  return y;
}

/** Channels [offset, offset + channels) of an NCHW tensor of `wholeShape`, as a new buffer. */
export function sliceChannels(rt: GpuRuntime, whole: GpuBuffer, wholeShape: readonly number[], offset: number, channels: number): GpuBuffer {
  const { count, args } = channelRange(wholeShape, offset, channels);
  const part = rt.pool.acquire(count * 4, 'a channel slice');
  rt.dispatch(concat, 'slice', { reads: { dWhole: whole }, writes: { dPart: part }, ...args });
  return part;
}
