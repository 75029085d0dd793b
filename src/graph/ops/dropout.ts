import type { Random } from '../../base/random';
import { dropoutApply } from '../../kernels/dropout';
import { record } from '../tape';
import { Tensor } from '../tensor';

/**
 * Zeroes each element with probability p in training (scaling the rest by 1/(1-p));
 * identity otherwise. `perChannel` drops whole channels of an NCHW tensor (Dropout2d).
 */
export function dropout(x: Tensor, p: number, training: boolean, rng: Random, perChannel = false): Tensor {
  if (p < 0 || p >= 1) throw new RangeError(`dropout: probability ${p} is outside [0, 1)`);
  if (!training || p === 0) return x;
  const keep = 1 - p;
  const seed = rng.nextUint32();
  const group = perChannel ? x.shape.slice(2).reduce((a, b) => a * b, 1) : 1;
  const apply = (t: Tensor): Tensor => new Tensor(x.rt, x.shape, dropoutApply(x.rt, t.buffer, x.size, keep, seed, group));
  return record('dropout', [x], apply(x), (dy) => [apply(dy)]);
}
