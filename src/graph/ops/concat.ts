// Concatenation of NCHW tensors along channels, and along the batch. An
// [n, c, h, w] tensor has the bytes of a [1, n * c, h, w] one, so a range of
// samples is a range of channels of that view and the channel kernels serve both.

import { ShapeError, formatShape } from '../../base/shape';
import { concatChannelsForward, concatChannelsShape, sliceChannels } from '../../kernels/concat';
import { record } from '../tape';
import { Tensor, type Shape } from '../tensor';
import { full } from './arithmetic';

/** Concatenation of NCHW tensors along channels (same n, h, w); the gradient is sliced back. */
export function concatChannels(xs: readonly Tensor[]): Tensor {
  const shapes = xs.map((x) => x.shape);
  const shape = concatChannelsShape(shapes);
  const rt = xs[0]!.rt;
  const y = new Tensor(rt, shape, concatChannelsForward(rt, xs.map((x) => x.buffer), shapes));
  return record('concatChannels', xs, y, (dy) => {
    let offset = 0;
    return xs.map((x) => {
      const channels = x.shape[1]!;
      const start = offset;
      offset += channels;
      return x.requiresGrad ? new Tensor(rt, x.shape, sliceChannels(rt, dy.buffer, shape, start, channels)) : null;
    });
  });
}

/** The same bytes as one sample: [1, n * c, h, w]. */
function asOneSample(shape: Shape): [number, number, number, number] {
  return [1, shape[0]! * shape[1]!, shape[2]!, shape[3]!];
}

function checkNchw(op: string, x: Tensor): void {
  if (x.shape.length !== 4) throw new ShapeError(op, `needs NCHW tensors, got ${formatShape(x.shape)}`);
}

/** NCHW tensors of the same c, h, w, one after another along the batch; the gradient is sliced back. */
export function concatBatch(xs: readonly Tensor[]): Tensor {
  if (xs.length === 0) throw new ShapeError('concatBatch', 'needs at least one input');
  const [first] = xs as [Tensor];
  for (const x of xs) {
    checkNchw('concatBatch', x);
    if (x.shape.slice(1).some((d, i) => d !== first.shape[i + 1])) {
      throw new ShapeError('concatBatch', `inputs differ in channels or spatial size: ${formatShape(first.shape)} and ${formatShape(x.shape)}`);
    }
  }
  const [, c, h, w] = first.shape as [number, number, number, number];
  const shape = [xs.reduce((n, x) => n + x.shape[0]!, 0), c, h, w];
  const rt = first.rt;
  const y = new Tensor(rt, shape, concatChannelsForward(rt, xs.map((x) => x.buffer), xs.map((x) => asOneSample(x.shape))));
  return record('concatBatch', xs, y, (dy) => {
    let start = 0;
    return xs.map((x) => {
      const offset = start;
      start += x.shape[0]!;
      return x.requiresGrad ? new Tensor(rt, x.shape, sliceChannels(rt, dy.buffer, asOneSample(shape), offset * c, x.shape[0]! * c)) : null;
    });
  });
}

/** Samples [start, start + count) of an NCHW tensor; the gradient is zero at the other samples. */
export function sliceBatch(x: Tensor, start: number, count: number): Tensor {
  checkNchw('sliceBatch', x);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (!(Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 1 && start + count <= n)) {
    throw new ShapeError('sliceBatch', `samples [${start}, ${start + count}) are not within ${formatShape(x.shape)}`);
  }
  const rt = x.rt;
  const y = new Tensor(rt, [count, c, h, w], sliceChannels(rt, x.buffer, asOneSample(x.shape), start * c, count * c));
  return record('sliceBatch', [x], y, (dy) => {
    const zeros = (samples: number) => (samples > 0 ? [full({ rt, shape: [samples, c, h, w] }, 0)] : []);
    return [concatBatch([...zeros(start), dy, ...zeros(n - start - count)])];
  });
}
