// The link between a dispatch and its shader, checked on every launch: the
// uniforms go by field name, the buffers by binding name, and the constants
// that size the workgroup are passed, never left to a default. A mismatch is a
// DispatchError naming the shader, the entry point and the field or binding.

import { DispatchError } from './errors';
import type { GpuBuffer } from './pool';
import type { Constants, Shader } from './shader';
import type { EntryPoint, ParamField } from './wgsl-interface';

/** Storage buffers by their WGSL names; key order is binding order. */
export type Buffers = Readonly<Record<string, GpuBuffer>>;
/** Uniforms by the names of the shader's `struct Params` fields; true and false are written as 1 and 0. */
export type Params = Readonly<Record<string, number | boolean>>;

export function entryPointOf(shader: Shader, name: string): EntryPoint {
  const entry = shader.declared.entryPoints.get(name);
  if (!entry) throw new DispatchError(shader.name, name, `no such entry point (the shader has ${[...shader.declared.entryPoints.keys()].join(', ')})`);
  return entry;
}

export function checkWorkgroupSize(shader: Shader, name: string, entry: EntryPoint, constants: Constants): void {
  for (const c of entry.workgroupSize) {
    if (constants[c] === undefined) throw new DispatchError(shader.name, name, `its workgroup size needs the constant ${c}; pass it in constants`);
  }
}

/**
 * Checks the buffers against the slots' declarations and returns the bind group
 * layout: `r` per read, `w` per write, from binding 1. Where the entry point uses
 * a slot, the buffer's name must be the one it uses; elsewhere, one declared there.
 */
export function checkBuffers(shader: Shader, name: string, entry: EntryPoint, reads: Buffers, writes: Buffers): string {
  const bound = [...Object.keys(reads).map((n) => [n, 'read'] as const), ...Object.keys(writes).map((n) => [n, 'read_write'] as const)];
  const fail = (detail: string) => new DispatchError(shader.name, name, detail);
  bound.forEach(([given, access], i) => {
    const slot = i + 1;
    const declared = shader.declared.bindings.filter((b) => b.slot === slot);
    if (declared.length === 0) throw fail(`buffer "${given}" is bound at ${slot}, where the shader declares no storage buffer`);
    const used = entry.bindings.filter((b) => b.slot === slot);
    const candidates = used.length > 0 ? used : declared;
    const match = candidates.find((b) => b.name === given);
    const names = candidates.map((b) => `"${b.name}" (${b.access})`).join(', ');
    if (!match) throw fail(`binding ${slot} is ${names}${used.length > 0 ? ' for this entry point' : ''}, not "${given}"`);
    if (match.access !== access) throw fail(`binding ${slot} "${given}" is ${match.access}: pass it in ${match.access === 'read' ? 'reads' : 'writes'}`);
  });
  const unbound = entry.bindings.find((b) => b.slot > bound.length);
  if (unbound) throw fail(`binding ${unbound.slot} "${unbound.name}" is used but not bound (the dispatch binds ${bound.length} buffer${bound.length === 1 ? '' : 's'})`);
  return bound.map(([, access]) => (access === 'read' ? 'r' : 'w')).join('');
}

/** Writes the Params fields (4 bytes each, in declaration order) at `offset`; fields not given are 0. */
export function writeParams(view: DataView, offset: number, shader: Shader, name: string, entry: EntryPoint, values: Params): void {
  const fields = shader.declared.params;
  for (const given of Object.keys(values)) {
    if (!fields.some((f) => f.name === given)) {
      throw new DispatchError(shader.name, name, `uniform "${given}" is not a field of struct Params (${fields.map((f) => f.name).join(', ')})`);
    }
  }
  fields.forEach((f, i) => {
    const value = values[f.name];
    if (value === undefined && entry.params.has(f.name)) throw new DispatchError(shader.name, name, `uniform field "${f.name}" is missing`);
    write(view, offset + 4 * i, f, Number(value ?? 0), shader.name, name);
  });
}

function write(view: DataView, at: number, f: ParamField, v: number, shader: string, entry: string): void {
  const fits = f.type === 'f32' || (Number.isInteger(v) && (f.type === 'u32' ? v >= 0 && v <= 0xffffffff : v >= -0x80000000 && v <= 0x7fffffff));
  if (!fits) throw new DispatchError(shader, entry, `uniform field "${f.name}" is ${f.type}, got ${v}`);
  if (f.type === 'f32') view.setFloat32(at, v, true);
  else if (f.type === 'i32') view.setInt32(at, v, true);
  else view.setUint32(at, v, true);
}
