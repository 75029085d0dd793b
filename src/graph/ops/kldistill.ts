// Distribution distillation: per pixel, softmax over channels of feature / T for
// student and teacher, distance T^2 * KL(p_teacher || p_student). klDistance is
// the per-pixel map (an anomaly score), klDistill its mean over pixels (the loss).

import { checkSameNchw } from '../../kernels/channelshapes';
import { checkTemperature, klDistanceBackward, klDistanceForward } from '../../kernels/kldistill';
import { record } from '../tape';
import { Tensor } from '../tensor';
import { mean } from './reduce';

/** student, teacher [N, C, H, W] -> [N, 1, H, W]. */
export function klDistance(student: Tensor, teacher: Tensor, temperature: number): Tensor {
  return klDistanceNamed('klDistance', student, teacher, temperature);
}

/** T^2 * mean over the N * H * W pixels of KL(p_teacher || p_student) -> [1]. */
export function klDistill(student: Tensor, teacher: Tensor, temperature: number): Tensor {
  return mean(klDistanceNamed('klDistill', student, teacher, temperature));
}

function klDistanceNamed(op: string, student: Tensor, teacher: Tensor, temperature: number): Tensor {
  const shape = checkSameNchw(op, student.shape, teacher.shape);
  checkTemperature(op, temperature);
  const rt = student.rt;
  const [n, , h, w] = shape;
  const out = new Tensor(rt, [n, 1, h, w], klDistanceForward(rt, student.buffer, teacher.buffer, shape, temperature));
  const gradTo = (to: 'student' | 'teacher', g: Tensor): Tensor =>
    new Tensor(rt, shape, klDistanceBackward(rt, to, student.buffer, teacher.buffer, g.buffer, shape, temperature));
  return record(op, [student, teacher], out, (g) => [
    student.requiresGrad ? gradTo('student', g) : null,
    teacher.requiresGrad ? gradTo('teacher', g) : null,
  ]);
}
