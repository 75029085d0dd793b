import { dropoutApply } from '../../kernels/dropout';
import type { Random } from '../random';
import { record } from '../tape';
import { Tensor } from '../tensor';

/** Zeroes each element with probability p in training (scaling the rest by 1/(1-p)); identity otherwise. */
export function dropout(x: Tensor, p: number, training: boolean, rng: Random): Tensor {
  if (p < 0 || p >= 1) throw new RangeError(`dropout: probability ${p} is outside [0, 1)`);
  if (!training || p === 0) return x;
  const keep = 1 - p;
  const seed = rng.nextUint32();
  const y = new Tensor(x.rt, x.shape, dropoutApply(x.rt, x.buffer, x.size, keep, seed));
  return record('dropout', [x], y, (dy) => [new Tensor(x.rt, x.shape, dropoutApply(x.rt, dy.buffer, x.size, keep, seed))]);
}
