// The element type of element-wise kernels written over `Value` (appended by
// src/kernels/values.ts): here four consecutive elements per Value, loaded and
// stored as one vec4f (on lavapipe 2.3x faster than one f32 per invocation).

alias Value = vec4f;
const LANES = 4u;

fn lanesSum(v: Value) -> f32 {
  return v.x + v.y + v.z + v.w;
}
