// A shader: an op's WGSL behind the shared prelude (shaders/prelude.wgsl), and
// what its text declares, which every dispatch is checked against:
//   struct Params { ... }                                     the uniforms, written by name
//   @group(0) @binding(i) var<storage, read|read_write> name  the buffers; a slot may hold
//                                                             other names for other entry points
//   @workgroup_size(WG)                                       constants every dispatch passes

import prelude from '../../shaders/prelude.wgsl';
import { readInterface, type ShaderInterface } from './wgsl-interface';

export interface Shader {
  readonly name: string;
  /** The op's own WGSL: compile errors give line numbers in it. */
  readonly source: string;
  /** What the device compiles: the `enable` directives, the prelude, then the source. */
  readonly code: string;
  /** Lines of code before the source's first line. */
  readonly headerLines: number;
  readonly declared: ShaderInterface;
}

/** `enable` lists WGSL extensions the source needs (directives must precede the prelude). */
export function shader(name: string, source: string, enable: readonly string[] = []): Shader {
  const header = enable.map((e) => `enable ${e};\n`).join('') + prelude + (prelude.endsWith('\n') ? '' : '\n');
  const code = header + source;
  return { name, source, code, headerLines: header.split('\n').length - 1, declared: readInterface(name, code) };
}

/** Pipeline specialisation: WGSL `override` constants. */
export type Constants = Record<string, number>;
