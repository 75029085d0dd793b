// Per-pixel T^2 * KL(p_teacher || p_student) over channels (shaders/kldistill.wgsl),
// and its gradients to student and teacher, each launched only when needed.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import type { Buffers } from '../gpu/link';
import { shader } from '../gpu/shader';
import source from '../../shaders/kldistill.wgsl';
import { pixelCount, pixelParams, type Nchw } from './channelshapes';
import { perElement } from './grid';

const kldistill = shader('kldistill', source, {
  bindings: {
    forward: { reads: ['student', 'teacher'], writes: ['distance'] },
    backwardStudent: { reads: ['student', 'teacher', 'g'], writes: ['grad'] },
    backwardTeacher: { reads: ['student', 'teacher', 'g'], writes: ['grad'] },
  },
});
const WG = 64;

/** Throws unless the temperature is a positive finite number. */
export function checkTemperature(op: string, temperature: number): void {
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new RangeError(`${op}: temperature must be positive and finite, got ${temperature}`);
}

function launch(rt: GpuRuntime, entry: string, reads: Buffers, shape: Nchw, temperature: number, writes: Buffers): void {
  const params = { ...pixelParams(shape), invT: 1 / temperature, t: temperature };
  rt.dispatch(kldistill, entry, { reads, writes, params, ...perElement(pixelCount(shape), WG) });
}

/** student, teacher [N, C, H, W] -> [N, 1, H, W]. */
export function klDistanceForward(rt: GpuRuntime, student: GpuBuffer, teacher: GpuBuffer, shape: Nchw, temperature: number): GpuBuffer {
  const distance = rt.pool.acquire(pixelCount(shape) * 4, 'a KL distance map');
  launch(rt, 'forward', { student, teacher }, shape, temperature, { distance });
  return distance;
}

/** The gradient to the student or the teacher, given g [N, 1, H, W]. */
export function klDistanceBackward(rt: GpuRuntime, to: 'student' | 'teacher', student: GpuBuffer, teacher: GpuBuffer, g: GpuBuffer, shape: Nchw, temperature: number): GpuBuffer {
  const grad = rt.pool.acquire(pixelCount(shape) * shape[1] * 4, `a KL distance gradient to the ${to}`);
  launch(rt, to === 'student' ? 'backwardStudent' : 'backwardTeacher', { student, teacher, g }, shape, temperature, { grad });
  return grad;
}
