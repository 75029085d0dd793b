// The adapter's arithmetic peak as WGSL reaches it: 4 * CHAINS independent
// f32 FMA chains per invocation, in four arrays, no memory traffic but one
// store per invocation (so that nothing is optimised away). The multiplier and
// addend come from a buffer so the compiler cannot fold them. On lavapipe f32
// chains run twice as fast as vec4 ones, and an array longer than 32 leaves
// registers for memory: these are the fastest shapes measured there.

// Chains per array: bench/peak.ts rewrites this line per variant (a function's
// array cannot be sized by an override constant).
const CHAINS = 16u;
override ITERATIONS: u32;

@group(0) @binding(0) var<storage, read> coefficients: array<f32>;
@group(0) @binding(1) var<storage, read_write> sink: array<f32>;

@compute @workgroup_size(64)
fn peak(@builtin(global_invocation_id) gid: vec3u) {
  let m = coefficients[0];
  let c = coefficients[1];
  var a0: array<f32, CHAINS>;
  var a1: array<f32, CHAINS>;
  var a2: array<f32, CHAINS>;
  var a3: array<f32, CHAINS>;
  for (var k = 0u; k < CHAINS; k++) {
    a0[k] = f32(gid.x + k);
    a1[k] = a0[k] + 1.0;
    a2[k] = a0[k] + 2.0;
    a3[k] = a0[k] + 3.0;
  }
  for (var i = 0u; i < ITERATIONS; i++) {
    for (var k = 0u; k < CHAINS; k++) {
      a0[k] = fma(a0[k], m, c);
      a1[k] = fma(a1[k], m, c);
      a2[k] = fma(a2[k], m, c);
      a3[k] = fma(a3[k], m, c);
    }
  }
  var total = 0.0;
  for (var k = 0u; k < CHAINS; k++) { total += a0[k] + a1[k] + a2[k] + a3[k]; }
  sink[gid.x] = total;
}
