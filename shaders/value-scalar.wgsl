// The element type of element-wise kernels written over `Value` (appended by
// src/kernels/values.ts): here one f32 per Value. value-vec4.wgsl defines the
// same names for four consecutive elements per Value.

alias Value = f32;
const LANES = 1u;

fn lanesSum(v: Value) -> f32 {
  return v;
}
