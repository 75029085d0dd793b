// A WGSL source and the convention every kernel follows:
//   @group(0) @binding(0)       var<uniform> p: Params;      (scalars, 4 bytes each)
//   @group(0) @binding(1..r)    var<storage, read> inputs;    (the dispatch's `reads`)
//   @group(0) @binding(r+1..)   var<storage, read_write> outs; (the dispatch's `writes`)
// Entry points of one file may use different binding counts.

export interface Shader {
  readonly name: string;
  readonly code: string;
}

export function shader(name: string, code: string): Shader {
  return { name, code };
}

/** A float uniform; plain numbers in params are written as 32-bit integers. */
export interface F32 {
  readonly f32: number;
}
export const f32 = (value: number): F32 => ({ f32: value });
export type Param = number | F32;

/** Pipeline specialisation: WGSL `override` constants. */
export type Constants = Record<string, number>;
