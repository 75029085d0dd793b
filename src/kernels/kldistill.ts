// Per-pixel T^2 * KL(p_teacher || p_student) over channels (shaders/kldistill.wgsl),
// and its gradients to student and teacher, each launched only when needed.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { f32, shader } from '../gpu/shader';
import source from '../../shaders/kldistill.wgsl';
import { pixelCount, pixelParams, type Nchw } from './channelshapes';
import { grid1d } from './grid';

const kldistill = shader('kldistill', source);
const WG = 64;

/** Throws unless the temperature is a positive finite number. */
export function checkTemperature(op: string, temperature: number): void {
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new RangeError(`${op}: temperature must be positive and finite, got ${temperature}`);
}

function launch(rt: GpuRuntime, entry: string, reads: GpuBuffer[], shape: Nchw, temperature: number, out: GpuBuffer): GpuBuffer {
  const pixels = pixelCount(shape);
  const params = [...pixelParams(shape), f32(1 / temperature), f32(temperature)];
  rt.dispatch(kldistill, entry, { reads, writes: [out], params, workgroups: grid1d(pixels, WG), constants: { WG } });
  return out;
}

/** student, teacher [N, C, H, W] -> [N, 1, H, W]. */
export function klDistanceForward(rt: GpuRuntime, student: GpuBuffer, teacher: GpuBuffer, shape: Nchw, temperature: number): GpuBuffer {
  return launch(rt, 'forward', [student, teacher], shape, temperature, rt.pool.acquire(pixelCount(shape) * 4, 'a KL distance map'));
}

/** The gradient to the student or the teacher, given g [N, 1, H, W]. */
export function klDistanceBackward(rt: GpuRuntime, to: 'student' | 'teacher', student: GpuBuffer, teacher: GpuBuffer, g: GpuBuffer, shape: Nchw, temperature: number): GpuBuffer {
  const grad = rt.pool.acquire(pixelCount(shape) * shape[1] * 4, `a KL distance gradient to the ${to}`);
  return launch(rt, to === 'student' ? 'backwardStudent' : 'backwardTeacher', [student, teacher, g], shape, temperature, grad);
}
