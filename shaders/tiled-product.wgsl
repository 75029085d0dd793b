// The tiled matrix product C[M, N] = A[M, depth] B[depth, N] through TILE x
// TILE shared-memory tiles: one body for every direction of a kernel family,
// which differ only in how they read A and B and write C (as tfjs's conv
// programs share one matrix-multiply body around their own read and write
// functions). src/kernels/tiled-entry-points.ts appends the part above the marker
// once, and the entry point below it once per direction, replacing
//   ENTRY     the entry point's name
//   DEPTH     the product's inner size, an expression of the uniforms
//   READ_A(   the start of a call (row, k) -> f32, 0 outside A
//   READ_B(   the start of a call (k, col) -> f32, 0 outside B
//   WRITE(    the start of a call (row, col, value) that stores one result, skipping those outside C
// (a replacement may name the entry point's `group`: `gradWeightDyAt(group.z, `).
// Workgroups: (ceil(N / TILE), ceil(M / TILE), as the family needs).

override TILE: u32;
var<workgroup> tileA: array<f32, TILE * TILE>;
var<workgroup> tileB: array<f32, TILE * TILE>;

fn tileProduct(row: u32, col: u32) -> f32 {
  var sum = 0.0;
  for (var k = 0u; k < TILE; k++) { sum = fma(tileA[row * TILE + k], tileB[k * TILE + col], sum); }
  return sum;
}

// ==== per entry point ====
@compute @workgroup_size(TILE, TILE)
fn ENTRY(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) group: vec3u) {
  let m0 = group.y * TILE;
  let n0 = group.x * TILE;
  let depth = DEPTH;
  var acc = 0.0;
  for (var k0 = 0u; k0 < depth; k0 += TILE) {
    tileA[lid.y * TILE + lid.x] = READ_A(m0 + lid.y, k0 + lid.x);
    tileB[lid.y * TILE + lid.x] = READ_B(k0 + lid.y, n0 + lid.x);
    workgroupBarrier();
    acc += tileProduct(lid.y, lid.x);
    workgroupBarrier();
  }
  WRITE(m0 + lid.y, n0 + lid.x, acc);
}
