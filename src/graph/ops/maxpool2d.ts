import { maxPool2dBackward, maxPool2dForward, type MaxPool2dOptions } from '../../kernels/maxpool2d';
import { isGradEnabled, record } from '../tape';
import { Tensor } from '../tensor';

/** Max pool 2d (NCHW, PyTorch semantics: padding is -inf, floor mode, first max on ties). */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  const keepArgmax = isGradEnabled() && x.requiresGrad;
  const { y, shape, argmax } = maxPool2dForward(x.rt, x.buffer, x.shape, options, keepArgmax);
  const out = new Tensor(x.rt, shape, y);
  if (!argmax) return out;
  // u32 indices, not floats: a Tensor only so that the scope returns the buffer to the pool.
  const indices = new Tensor(x.rt, shape, argmax);
  return record('maxPool2d', [x], out, (dy) => [new Tensor(x.rt, x.shape, maxPool2dBackward(x.rt, indices.buffer, dy.buffer, x.shape, options))]);
}
