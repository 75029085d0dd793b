// The per-pixel feature distance between two branches (DiCNet's anomaly score).

import { checkSameNchw } from '../../kernels/channelshapes';
import { featureDistanceBackward, featureDistanceForward } from '../../kernels/featuredistance';
import { record } from '../tape';
import { Tensor } from '../tensor';
import { scale } from './arithmetic';

/** a, b [N, C, H, W] -> [N, 1, H, W]: mean over channels of (a - b)^2. */
export function featureDistance(a: Tensor, b: Tensor): Tensor {
  const shape = checkSameNchw('featureDistance', a.shape, b.shape);
  const rt = a.rt;
  const [n, , h, w] = shape;
  const out = new Tensor(rt, [n, 1, h, w], featureDistanceForward(rt, a.buffer, b.buffer, shape));
  return record('featureDistance', [a, b], out, (g) => {
    const da = new Tensor(rt, shape, featureDistanceBackward(rt, a.buffer, b.buffer, g.buffer, shape));
    return [da, b.requiresGrad ? scale(da, -1) : null];
  });
}
