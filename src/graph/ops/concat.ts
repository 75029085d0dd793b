import { concatChannelsForward, concatChannelsShape, sliceChannels } from '../../kernels/concat';
import { record } from '../tape';
import { Tensor } from '../tensor';

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
