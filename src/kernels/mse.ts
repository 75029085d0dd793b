// Mean squared error (shaders/mse.wgsl): squared differences, then the row reduction.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { shader } from '../gpu/shader';
import source from '../../shaders/mse.wgsl';
import { perElement } from './grid';
import { sumRows } from './reduce';

const mse = shader('mse', source, {
  bindings: {
    squaredDifference: { reads: ['a', 'b'], writes: ['squares'] },
    backward: { reads: ['a', 'b', 'g'], writes: ['da'] },
  },
});
const WG = 64;

const params = (n: number) => ({ n, twoOverN: n === 0 ? 0 : 2 / n });

/** mean over n elements of (a - b)^2 -> [1] (0 when n is 0). */
export function mseForward(rt: GpuRuntime, a: GpuBuffer, b: GpuBuffer, n: number): GpuBuffer {
  const squares = rt.pool.acquire(n * 4, 'squared differences');
  rt.dispatch(mse, 'squaredDifference', { reads: { a, b }, writes: { squares }, params: params(n), ...perElement(n, WG) });
  const loss = sumRows(rt, squares, 1, n, n === 0 ? 0 : 1 / n);
  rt.pool.release(squares);
  return loss;
}

/** d loss / d a given g = d out / d loss ([1]); d loss / d b is its negative. */
export function mseBackward(rt: GpuRuntime, a: GpuBuffer, b: GpuBuffer, g: GpuBuffer, n: number): GpuBuffer {
  const da = rt.pool.acquire(n * 4, 'a squared-error gradient');
  rt.dispatch(mse, 'backward', { reads: { a, b, g }, writes: { da }, params: params(n), ...perElement(n, WG) });
  return da;
}
