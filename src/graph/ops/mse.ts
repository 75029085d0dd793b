// Mean squared error between two tensors of one shape.

import { mseBackward, mseForward } from '../../kernels/mse';
import { record } from '../tape';
import { Tensor } from '../tensor';
import { sameShape, scale } from './arithmetic';

/** mean over all elements of (a - b)^2 -> [1]. */
export function mse(a: Tensor, b: Tensor): Tensor {
  sameShape('mse', a, b);
  const rt = a.rt;
  const out = new Tensor(rt, [1], mseForward(rt, a.buffer, b.buffer, a.size));
  return record('mse', [a, b], out, (g) => {
    const da = new Tensor(rt, a.shape, mseBackward(rt, a.buffer, b.buffer, g.buffer, a.size));
    return [da, b.requiresGrad ? scale(da, -1) : null];
  });
}
