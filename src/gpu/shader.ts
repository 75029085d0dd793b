// A shader: an op's WGSL behind a generated header, and what the whole declares,
// which every dispatch is checked against (src/gpu/link.ts). The header holds
//   enable directives          the WGSL extensions the source needs
//   shaders/prelude.wgsl       WG, the uniforms `p: Params`, index() and the shared helpers
//   storage declarations       `@group(0) @binding(i) var<storage, read|read_write> name: array<f32>`,
//                              one per buffer named in the bindings the kernels module gives
// and the op's own file declares `struct Params { ... }` (the uniforms, written
// by name) and its entry points. Compile errors count lines of the op's file.

import prelude from '../../shaders/prelude.wgsl';
import { GpuError } from './errors';
import { readInterface, type Access, type ShaderInterface } from './wgsl-interface';

/** The buffers one entry point's dispatches bind, in binding order: reads at 1, 2, ..., then writes. */
export interface EntryBindings {
  readonly reads?: readonly string[];
  readonly writes?: readonly string[];
}

export interface ShaderOptions {
  /** Per entry point. A name is one binding: the same slot and access in every entry point that lists it. */
  readonly bindings?: Readonly<Record<string, EntryBindings>>;
  /** WGSL types of the buffers that are not `array<f32>` (`array<u32>`, `atomic<u32>`, ...). */
  readonly types?: Readonly<Record<string, string>>;
  /** WGSL extensions the source needs (`enable` directives precede the prelude). */
  readonly enable?: readonly string[];
}

export interface Shader {
  readonly name: string;
  /** The op's own WGSL: compile errors give line numbers in it. */
  readonly source: string;
  /** What the device compiles: the header, then the source. */
  readonly code: string;
  /** Lines of code before the source's first line. */
  readonly headerLines: number;
  readonly declared: ShaderInterface;
}

interface Declaration {
  readonly slot: number;
  readonly access: Access;
  readonly entry: string;
}

function storageDeclarations(name: string, options: ShaderOptions): Map<string, Declaration> {
  const declared = new Map<string, Declaration>();
  for (const [entry, { reads = [], writes = [] }] of Object.entries(options.bindings ?? {})) {
    const bound = [...reads.map((b) => [b, 'read'] as const), ...writes.map((b) => [b, 'read_write'] as const)];
    bound.forEach(([buffer, access], i) => {
      const first = declared.get(buffer);
      if (!first) declared.set(buffer, { slot: i + 1, access, entry });
      else if (first.slot !== i + 1 || first.access !== access) {
        throw new GpuError(`shader ${name}: "${buffer}" is ${first.access} at binding ${first.slot} for ${first.entry} but ${access} at ${i + 1} for ${entry}; give one of them another name`);
      }
    });
  }
  for (const buffer of Object.keys(options.types ?? {})) {
    if (!declared.has(buffer)) throw new GpuError(`shader ${name}: types names "${buffer}", which no entry point's bindings list`);
  }
  return declared;
}

/** The entry points must use only the buffers their bindings list, and declare none in the WGSL. */
function checkUses(name: string, declared: ShaderInterface, generated: Map<string, Declaration>, options: ShaderOptions): void {
  const own = declared.bindings.find((b) => !generated.has(b.name));
  if (own) throw new GpuError(`shader ${name}: its WGSL declares the storage buffer "${own.name}"; list it in the bindings given to shader() instead`);
  for (const [entry, uses] of declared.entryPoints) {
    const { reads = [], writes = [] } = options.bindings?.[entry] ?? {};
    const unlisted = uses.bindings.filter((b) => !reads.includes(b.name) && !writes.includes(b.name));
    if (unlisted.length > 0) throw new GpuError(`shader ${name}: entry point ${entry} uses ${unlisted.map((b) => `"${b.name}"`).join(', ')}, which its bindings do not list`);
  }
}

export function shader(name: string, source: string, options: ShaderOptions = {}): Shader {
  const generated = storageDeclarations(name, options);
  const storage = [...generated]
    .sort(([, a], [, b]) => a.slot - b.slot)
    .map(([buffer, d]) => `@group(0) @binding(${d.slot}) var<storage, ${d.access}> ${buffer}: ${options.types?.[buffer] ?? 'array<f32>'};\n`);
  const enable = (options.enable ?? []).map((e) => `enable ${e};\n`);
  const header = enable.join('') + prelude + (prelude.endsWith('\n') ? '' : '\n') + storage.join('');
  const code = header + source;
  const declared = readInterface(name, code);
  checkUses(name, declared, generated, options);
  return { name, source, code, headerLines: header.split('\n').length - 1, declared };
}

/** Pipeline specialisation: WGSL `override` constants. */
export type Constants = Record<string, number>;
