import { reluBackward, reluForward } from '../../kernels/relu';
import { record } from '../tape';
import { Tensor } from '../tensor';

export function relu(x: Tensor): Tensor {
  const y = new Tensor(x.rt, x.shape, reluForward(x.rt, x.buffer, x.size));
  return record('relu', [x], y, (dy) => [new Tensor(x.rt, x.shape, reluBackward(x.rt, x.buffer, dy.buffer, x.size))]);
}
