import { adaptiveAvgPool2dBackward, adaptiveAvgPool2dForward, adaptiveAvgPool2dOutputShape } from '../../kernels/adaptiveavgpool2d';
import { record } from '../tape';
import { Tensor } from '../tensor';

/** Adaptive average pool 2d to outH x outW (NCHW, PyTorch's bin boundaries). */
export function adaptiveAvgPool2d(x: Tensor, outH: number, outW: number): Tensor {
  const shape = adaptiveAvgPool2dOutputShape(x.shape, outH, outW);
  const y = new Tensor(x.rt, shape, adaptiveAvgPool2dForward(x.rt, x.buffer, x.shape, outH, outW));
  return record('adaptiveAvgPool2d', [x], y, (dy) => [new Tensor(x.rt, x.shape, adaptiveAvgPool2dBackward(x.rt, dy.buffer, x.shape, outH, outW))]);
}
