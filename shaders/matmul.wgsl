// C[M, N] = A[M, K] x B[K, N], row-major, for each of `batch` matrices stored one
// after another (workgroup z is the matrix). The speed yardstick for the conv
// kernels, and the 16 or 36 products of the Winograd convolution
// (src/kernels/conv2dwinograd.ts).
//   tiled: TILE x TILE shared-memory tiles for real GPUs, the body of
//     shaders/tiled-product.wgsl around aAt, bAt and storeC.
//   blocked: register blocking for CPU adapters, below the subgroups marker
//     (the same scheme as the blocked conv2d kernels: shaders/rowblocking*.wgsl).
// Storage buffers: declared by shader() from the bindings in src/kernels/matmul.ts.

struct Params { m: u32, k: u32, n: u32 }

fn aAt(matrix: u32, row: u32, k: u32) -> f32 {
  return select(0.0, a[matrix * p.m * p.k + min(row, p.m - 1u) * p.k + min(k, p.k - 1u)], row < p.m && k < p.k);
}

fn bAt(matrix: u32, k: u32, col: u32) -> f32 {
  return select(0.0, b[matrix * p.k * p.n + min(k, p.k - 1u) * p.n + min(col, p.n - 1u)], k < p.k && col < p.n);
}

fn storeC(matrix: u32, row: u32, col: u32, value: f32) {
  if (row < p.m && col < p.n) { c[matrix * p.m * p.n + row * p.n + col] = value; }
}

// ==== blocked ====
// Each invocation sums ROWS rows x 4 columns (WG apart); rows' A values are
// shared through subgroups or loaded uniformly (shaders/rowblocking*.wgsl,
// appended to this part).

// Rows per invocation in groups of 8; src/kernels/rowblocking.ts rewrites this line per launch.
const ROW_GROUPS = 4u;
const ROWS = 8u * ROW_GROUPS;

fn columnsOfB(at: vec4u) -> vec4f {
  return vec4f(b[at.x], b[at.y], b[at.z], b[at.w]);
}

@compute @workgroup_size(WG)
fn blocked(inv: Invocation, @builtin(workgroup_id) group: vec3u) {
  let lane = inv.lane;
  let row0 = group.y * ROWS;
  let first = group.x * 4u * WG + lane;
  let col = vec4u(first, first + WG, first + 2u * WG, first + 3u * WG);
  let rows = laneRows(row0, inv, p.m, p.k);
  let aStart = group.z * p.m * p.k;
  let cStart = group.z * p.m * p.n;
  let step = vec4u(p.n);
  var acc: Sums;
  var at = vec4u(group.z * p.k * p.n) + min(col, vec4u(p.n - 1u));
  var kk = 0u;
  for (; kk + 1u < p.k; kk += 2u) {
    let b0 = columnsOfB(at);
    let a0 = rowValues(&a, rows, aStart + kk);
    let b1 = columnsOfB(at + step);
    let a1 = rowValues(&a, rows, aStart + kk + 1u);
    accumulateRows(&acc, a0, b0, a1, b1);
    at += 2u * step;
  }
  if (kk < p.k) { accumulateRows(&acc, rowValues(&a, rows, aStart + kk), columnsOfB(at), noRows, vec4f(0.0)); }
  for (var r = 0u; r < ROWS; r++) {
    if (row0 + r >= p.m) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (col[j] < p.n) { c[cStart + (row0 + r) * p.n + col[j]] = sumAt(&acc, r, j); }
    }
  }
}
