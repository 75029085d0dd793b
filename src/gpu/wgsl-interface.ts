// What a dispatch has to agree with, read once from a shader's WGSL: the fields
// of `struct Params`, the storage bindings, and for each entry point the fields
// and bindings it uses (in its own body or in the functions it calls) and the
// override constants that size its workgroup. A light reading of the text, not
// a WGSL parser: it relies on the conventions of shaders/ (one `p: Params`,
// bindings in group 0, storage variables not shadowed by locals of the same name).

import { GpuError } from './errors';

export type ScalarType = 'u32' | 'i32' | 'f32';
export type Access = 'read' | 'read_write';

export interface ParamField {
  readonly name: string;
  readonly type: ScalarType;
}

export interface StorageBinding {
  readonly slot: number;
  readonly name: string;
  readonly access: Access;
}

export interface EntryPoint {
  /** The Params fields it reads. */
  readonly params: ReadonlySet<string>;
  /** The storage bindings it uses. */
  readonly bindings: readonly StorageBinding[];
  /** The override constants in its @workgroup_size. */
  readonly workgroupSize: readonly string[];
}

export interface ShaderInterface {
  /** In declaration order: field i is the 4 bytes at offset 4 * i. */
  readonly params: readonly ParamField[];
  readonly bindings: readonly StorageBinding[];
  readonly entryPoints: ReadonlyMap<string, EntryPoint>;
}

const scalarTypes: readonly string[] = ['u32', 'i32', 'f32'];
/** A name, but not a member (`gid.x`), an attribute (`@binding`) or a literal's suffix (`0u`). */
const identifier = /(?<![\w.@])[A-Za-z_]\w*/g;

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
}

function readParams(shader: string, code: string): ParamField[] {
  const body = /\bstruct\s+Params\s*\{([^}]*)\}/.exec(code)?.[1];
  if (body === undefined) return [];
  return body
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map((f) => {
      const [, name, type] = /^(\w+)\s*:\s*(\w+)$/.exec(f) ?? [];
      if (!name || !type || !scalarTypes.includes(type)) throw new GpuError(`shader ${shader}: Params field "${f}" is not a u32, i32 or f32 scalar`);
      return { name, type: type as ScalarType };
    });
}

function readBindings(code: string): StorageBinding[] {
  const pattern = /@group\(\s*0\s*\)\s*@binding\(\s*(\d+)\s*\)\s*var\s*<\s*storage\s*,\s*(read|read_write)\s*>\s*(\w+)/g;
  return [...code.matchAll(pattern)].map(([, slot, access, name]) => ({ slot: Number(slot), name: name!, access: access as Access }));
}

interface Fn {
  attributes: string;
  /** Parameters and body. */
  text: string;
}

function readFunctions(code: string): Map<string, Fn> {
  const fns = new Map<string, Fn>();
  for (const m of code.matchAll(/((?:@\w+(?:\([^)]*\))?\s*)*)\bfn\s+(\w+)\s*\(/g)) {
    const start = m.index + m[0].length;
    let depth = 0;
    let at = code.indexOf('{', start);
    for (; at < code.length; at++) {
      if (code[at] === '{') depth++;
      else if (code[at] === '}' && --depth === 0) break;
    }
    fns.set(m[2]!, { attributes: m[1]!, text: code.slice(start, at + 1) });
  }
  return fns;
}

/** Every name an entry point's code mentions, through the functions it calls. */
function namesReached(entry: string, fns: Map<string, Fn>): Set<string> {
  const names = new Set<string>();
  const pending = [entry];
  const seen = new Set(pending);
  while (pending.length) {
    for (const [name] of fns.get(pending.pop()!)!.text.matchAll(identifier)) {
      names.add(name);
      if (fns.has(name) && !seen.has(name)) {
        seen.add(name);
        pending.push(name);
      }
    }
  }
  return names;
}

/** The Params fields read by `p.field` (or all of them, where `p` is used whole) in the functions named. */
function fieldsRead(functions: readonly string[], fns: Map<string, Fn>, params: readonly ParamField[]): Set<string> {
  const read = new Set<string>();
  for (const name of functions) {
    const text = fns.get(name)!.text;
    for (const [, field] of text.matchAll(/(?<![\w.])p\s*\.\s*(\w+)/g)) read.add(field!);
    if (/(?<![\w.])p\b(?!\s*\.)/.test(text)) params.forEach((f) => read.add(f.name));
  }
  return read;
}

export function readInterface(shader: string, wgsl: string): ShaderInterface {
  const code = stripComments(wgsl);
  const params = readParams(shader, code);
  const bindings = readBindings(code);
  const overrides = new Set([...code.matchAll(/\boverride\s+(\w+)/g)].map((m) => m[1]!));
  const fns = readFunctions(code);
  const entryPoints = new Map<string, EntryPoint>();
  for (const [name, fn] of fns) {
    if (!/@compute\b/.test(fn.attributes)) continue;
    const size = /@workgroup_size\(([^)]*)\)/.exec(fn.attributes)?.[1] ?? '';
    const reached = namesReached(name, fns);
    entryPoints.set(name, {
      params: fieldsRead([name, ...[...reached].filter((n) => fns.has(n))], fns, params),
      bindings: bindings.filter((b) => reached.has(b.name)),
      workgroupSize: [...size.matchAll(identifier)].map((m) => m[0]).filter((n) => overrides.has(n)),
    });
  }
  return { params, bindings, entryPoints };
}
