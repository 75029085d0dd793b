import { upsampleBilinearBackward, upsampleBilinearForward, upsampleBilinearOutputShape } from '../../kernels/upsamplebilinear';
import { record } from '../tape';
import { Tensor } from '../tensor';

/** Bilinear resampling to outH x outW, as PyTorch's F.interpolate(mode='bilinear', align_corners). */
export function upsampleBilinear(x: Tensor, outH: number, outW: number, options: { alignCorners: boolean }): Tensor {
  const { alignCorners } = options;
  const shape = upsampleBilinearOutputShape(x.shape, outH, outW);
  const y = new Tensor(x.rt, shape, upsampleBilinearForward(x.rt, x.buffer, x.shape, outH, outW, alignCorners));
  return record('upsampleBilinear', [x], y, (dy) => [
    new Tensor(x.rt, x.shape, upsampleBilinearBackward(x.rt, dy.buffer, x.shape, outH, outW, alignCorners)),
  ]);
}
