// C[M, N] = A[M, K] x B[K, N], row-major. The speed yardstick for the conv kernels.
//   blocked: register blocking for CPU-backed adapters (one invocation per SIMD
//     lane): each invocation sums ROWS rows x 4 columns; the A values are the same
//     for every invocation of a workgroup (one scalar load each), only B differs.
//   tiled: TILE x TILE shared-memory tiles for real GPUs.

struct Params {
  m: u32,
  k: u32,
  n: u32,
}

const ROWS = 8u;

override WG: u32 = 64;
override TILE: u32 = 16;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

var<workgroup> tileA: array<f32, TILE * TILE>;
var<workgroup> tileB: array<f32, TILE * TILE>;

@compute @workgroup_size(WG)
fn blocked(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) group: vec3u) {
  let row0 = group.y * ROWS;
  let first = group.x * 4u * WG + lane;
  let col = vec4u(first, first + WG, first + 2u * WG, first + 3u * WG);
  let colOk = col < vec4u(p.n);
  let safeCol = min(col, vec4u(p.n - 1u));
  var rowStart: array<u32, ROWS>;
  for (var r = 0u; r < ROWS; r++) { rowStart[r] = min(row0 + r, p.m - 1u) * p.k; }
  var acc: array<vec4f, ROWS>;
  var at = safeCol;
  for (var kk = 0u; kk < p.k; kk++) {
    let bv = vec4f(b[at.x], b[at.y], b[at.z], b[at.w]);
    for (var r = 0u; r < ROWS; r++) { acc[r] = fma(vec4f(a[rowStart[r] + kk]), bv, acc[r]); }
    at += vec4u(p.n);
  }
  for (var r = 0u; r < ROWS; r++) {
    if (row0 + r >= p.m) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (colOk[j]) { c[(row0 + r) * p.n + col[j]] = acc[r][j]; }
    }
  }
}

@compute @workgroup_size(TILE, TILE)
fn tiled(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) group: vec3u) {
  let row = group.y * TILE + lid.y;
  let col = group.x * TILE + lid.x;
  var acc = 0.0;
  for (var k0 = 0u; k0 < p.k; k0 += TILE) {
    let ka = k0 + lid.x;
    let kb = k0 + lid.y;
    tileA[lid.y * TILE + lid.x] = select(0.0, a[min(row, p.m - 1u) * p.k + min(ka, p.k - 1u)], row < p.m && ka < p.k);
    tileB[lid.y * TILE + lid.x] = select(0.0, b[min(kb, p.k - 1u) * p.n + min(col, p.n - 1u)], kb < p.k && col < p.n);
    workgroupBarrier();
    for (var kk = 0u; kk < TILE; kk++) { acc = fma(tileA[lid.y * TILE + kk], tileB[kk * TILE + lid.x], acc); }
    workgroupBarrier();
  }
  if (row < p.m && col < p.n) { c[row * p.n + col] = acc; }
}
