// The adapter's arithmetic peak: CHAINS independent vec4 FMA chains per
// invocation, no memory traffic but one store per invocation (so that nothing
// is optimised away). The multiplier and addend come from a buffer so the
// compiler cannot fold them.

override CHAINS: u32;
override ITERATIONS: u32;

@group(0) @binding(0) var<storage, read> coefficients: array<f32>;
@group(0) @binding(1) var<storage, read_write> sink: array<f32>;

@compute @workgroup_size(64)
fn peak(@builtin(global_invocation_id) gid: vec3u) {
  let m = vec4f(coefficients[0]);
  let c = vec4f(coefficients[1]);
  var acc: array<vec4f, 8>;
  for (var k = 0u; k < CHAINS; k++) { acc[k] = vec4f(f32(gid.x + k)); }
  for (var i = 0u; i < ITERATIONS; i++) {
    for (var k = 0u; k < CHAINS; k++) { acc[k] = fma(acc[k], m, c); }
  }
  var total = vec4f(0.0);
  for (var k = 0u; k < CHAINS; k++) { total += acc[k]; }
  sink[gid.x] = dot(total, vec4f(1.0));
}
