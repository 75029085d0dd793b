// Element-wise kernels written over `Value`, in two widths: one f32 per Value
// (shaders/value-scalar.wgsl), or four consecutive elements as a vec4f
// (shaders/value-vec4.wgsl) where every run of elements the kernel walks is a
// multiple of 4 long. The vec4 variant declares the listed buffers as
// array<vec4f>.

import { shader, type Shader, type ShaderOptions } from '../gpu/shader';
import scalarValues from '../../shaders/value-scalar.wgsl';
import vectorValues from '../../shaders/value-vec4.wgsl';

export interface ValueShaders {
  /** The variant for runs of `length` elements: vec4 where 4 divides it. */
  forRuns(length: number): { shader: Shader; lanes: 1 | 4 };
}

export function valueShaders(name: string, source: string, options: ShaderOptions, valueBuffers: readonly string[]): ValueShaders {
  const scalar = shader(name, `${source}\n${scalarValues}`, options);
  const types = { ...options.types, ...Object.fromEntries(valueBuffers.map((b) => [b, 'array<vec4f>'])) };
  const vector = shader(`${name}-vec4`, `${source}\n${vectorValues}`, { ...options, types });
  return { forRuns: (length) => (length % 4 === 0 ? { shader: vector, lanes: 4 } : { shader: scalar, lanes: 1 }) };
}
