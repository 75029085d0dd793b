// sum and mean of all elements, to shape [1].

import { broadcastRows, sumRows } from '../../kernels/reduce';
import { record } from '../tape';
import { Tensor } from '../tensor';

function scaledSum(op: string, x: Tensor, alpha: number): Tensor {
  const y = new Tensor(x.rt, [1], sumRows(x.rt, x.buffer, 1, x.size, alpha));
  return record(op, [x], y, (g) => [new Tensor(x.rt, x.shape, broadcastRows(x.rt, g.buffer, 1, x.size, alpha))]);
}

export const sum = (x: Tensor): Tensor => scaledSum('sum', x, 1);

/** The mean of an empty tensor is 0 (not NaN), with no gradient to spread. */
export const mean = (x: Tensor): Tensor => scaledSum('mean', x, x.size === 0 ? 0 : 1 / x.size);
