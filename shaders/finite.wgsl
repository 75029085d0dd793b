// A one-word flag on the GPU that says whether a step's loss and gradients are
// all finite. The optimizer kernels read it and leave the parameters alone when
// it is 0, so a step with NaN or Inf is never applied, without the CPU having
// to wait for the loss inside the step.
// Storage buffers: declared by shader() from the bindings in src/kernels/finite.ts.

struct Params { n: u32 }

// WGSL has no isnan/isinf: compare the exponent bits (all ones for NaN and Inf).
fn isFinite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(1)
fn reset() {
  atomicStore(&resetTarget, 1u);
}

@compute @workgroup_size(WG)
fn check(e: Element) {
  let i = index(e);
  if (i < p.n && !isFinite(values[i])) {
    atomicStore(&flag, 0u);
  }
}
