// Winograd convolution F(M x M, 3 x 3) (Lavin and Gray 2015) of a 3x3 stride-1
// conv, dilated ones included: the transforms of the kernel and of each input
// patch turn the 9 * M^2 multiply-adds per channel pair and tile into
// ALPHA^2 = (M + 2)^2, one elementwise product per point f. Three passes around
// the batched matrix product of shaders/matmul.wgsl (src/kernels/conv2dwinograd.ts):
//   weightTransform:  u[f, co, ci] = (G g G^T)[f], g the 3x3 kernel of (co, ci)
//   inputTransform:   v[f, ci, t]  = (B^T d B)[f], d the ALPHA x ALPHA input patch of tile t
//   matmul, per f:    s[f, co, t]  = sum over ci of u[f, co, ci] v[f, ci, t]
//   outputTransform:  y[co, tile t] = A^T s A, then bias, residual, ReLU
// With dilation, the taps of an output are `dilation` inputs apart, so a tile is
// M outputs `dilation` apart per axis, fed by ALPHA inputs `dilation` apart: the
// plain transform on every dilation-th value. Tile row ty holds the outputs
// origin(ty) + i * dilation (i < M); tiles of one residue mod dilation are
// neighbours of each other.
// The grad input is this same conv of dy with each kernel flipped and the
// channels swapped (FLIP in weightTransform).
// The grad weight is the transpose of the same algebra, summed over tiles:
//   inputTransform with TILE_MAJOR: v[f, t, ci] (the product's second operand)
//   gradOutputTransform: dyt[f, co, t] = (A dy A^T)[f], dy the M x M output patch of tile t
//   matmul, per f:    s[f, co, ci] = sum over t of dyt[f, co, t] v[f, t, ci]
//   weightGradTransform: dw[co, ci] = G^T s G, 3 x 3
// The 1D transforms (transformInput1d, transformWeight1d, transformOutput1d,
// transformGradOutput1d = A, transformWeightGrad1d = G^T) are generated from
// the matrices of F(M, 3) and appended by the kernels module, which also
// rewrites the M line.
// Storage buffers: declared by shader() from the bindings in src/kernels/conv2dwinograd.ts.

struct Params {
  n: u32, cIn: u32, h: u32, w: u32, // x [n, cIn, h, w]
  cOut: u32, // weight [cOut, cIn, 3, 3], or [cIn, cOut, 3, 3] with FLIP
  padding: u32, dilation: u32,
  ho: u32, wo: u32, // y [n, cOut, ho, wo]
  tilesY: u32, tilesX: u32, // tiles per image and axis
}

const M = 2u;
const ALPHA = M + 2u;

override HAS_BIAS: bool = false;
override RESIDUAL: bool = false;
override RELU: bool = false;
override FLIP: bool = false;
override TILE_MAJOR: bool = false;

alias Points = array<array<f32, ALPHA>, ALPHA>;

fn tileCount() -> u32 { return p.n * p.tilesY * p.tilesX; }

/** The first output row (or column) of tile row (column) `tile`. */
fn origin(tile: u32) -> u32 {
  return (tile / p.dilation) * M * p.dilation + tile % p.dilation;
}

struct Tile {
  image: u32,
  row: u32,
  col: u32,
}

fn tileAt(t: u32) -> Tile {
  let plane = p.tilesY * p.tilesX;
  let within = t % plane;
  return Tile(t / plane, origin(within / p.tilesX), origin(within % p.tilesX));
}

@compute @workgroup_size(WG)
fn weightTransform(e: Element) {
  let i = index(e);
  if (i >= p.cOut * p.cIn) { return; }
  let co = i / p.cIn;
  let ci = i % p.cIn;
  var columns: array<array<f32, ALPHA>, 3>;
  for (var kx = 0u; kx < 3u; kx++) {
    var g: array<f32, 3>;
    for (var ky = 0u; ky < 3u; ky++) {
      g[ky] = select(weight[(co * p.cIn + ci) * 9u + ky * 3u + kx], weight[(ci * p.cOut + co) * 9u + (2u - ky) * 3u + 2u - kx], FLIP);
    }
    columns[kx] = transformWeight1d(g);
  }
  for (var a = 0u; a < ALPHA; a++) {
    let row = transformWeight1d(array<f32, 3>(columns[0][a], columns[1][a], columns[2][a]));
    for (var b = 0u; b < ALPHA; b++) { u[((a * ALPHA + b) * p.cOut + co) * p.cIn + ci] = row[b]; }
  }
}

@compute @workgroup_size(WG)
fn inputTransform(e: Element) {
  let i = index(e);
  let tiles = tileCount();
  if (i >= p.cIn * tiles) { return; }
  let ci = i / tiles;
  let t = i % tiles;
  let tile = tileAt(t);
  let plane = (tile.image * p.cIn + ci) * p.h * p.w;
  var columns: Points;
  for (var b = 0u; b < ALPHA; b++) {
    let iw = tile.col + b * p.dilation - p.padding;
    var d: array<f32, ALPHA>;
    for (var a = 0u; a < ALPHA; a++) {
      let ih = tile.row + a * p.dilation - p.padding;
      let inside = ih < p.h && iw < p.w;
      d[a] = select(0.0, x[select(0u, plane + ih * p.w + iw, inside)], inside);
    }
    columns[b] = transformInput1d(d);
  }
  for (var a = 0u; a < ALPHA; a++) {
    var d: array<f32, ALPHA>;
    for (var b = 0u; b < ALPHA; b++) { d[b] = columns[b][a]; }
    let row = transformInput1d(d);
    for (var b = 0u; b < ALPHA; b++) {
      let f = a * ALPHA + b;
      v[select((f * p.cIn + ci) * tiles + t, (f * tiles + t) * p.cIn + ci, TILE_MAJOR)] = row[b];
    }
  }
}

@compute @workgroup_size(WG)
fn outputTransform(e: Element) {
  let i = index(e);
  let tiles = tileCount();
  if (i >= p.cOut * tiles) { return; }
  let co = i / tiles;
  let t = i % tiles;
  var columns: array<array<f32, M>, ALPHA>;
  for (var b = 0u; b < ALPHA; b++) {
    var s: array<f32, ALPHA>;
    for (var a = 0u; a < ALPHA; a++) { s[a] = products[((a * ALPHA + b) * p.cOut + co) * tiles + t]; }
    columns[b] = transformOutput1d(s);
  }
  let tile = tileAt(t);
  let plane = (tile.image * p.cOut + co) * p.ho * p.wo;
  for (var r = 0u; r < M; r++) {
    let oh = tile.row + r * p.dilation;
    var s: array<f32, ALPHA>;
    for (var b = 0u; b < ALPHA; b++) { s[b] = columns[b][r]; }
    let row = transformOutput1d(s);
    for (var c = 0u; c < M; c++) {
      let ow = tile.col + c * p.dilation;
      if (oh >= p.ho || ow >= p.wo) { continue; }
      let at = plane + oh * p.wo + ow;
      var value = row[c];
      if (HAS_BIAS) { value += bias[co]; }
      if (RESIDUAL) { value += residual[at]; }
      if (RELU) { value = max(value, 0.0); }
      y[at] = value;
    }
  }
}

@compute @workgroup_size(WG)
fn gradOutputTransform(e: Element) {
  let i = index(e);
  let tiles = tileCount();
  if (i >= p.cOut * tiles) { return; }
  let co = i / tiles;
  let t = i % tiles;
  let tile = tileAt(t);
  let plane = (tile.image * p.cOut + co) * p.ho * p.wo;
  var columns: array<array<f32, ALPHA>, M>;
  for (var c = 0u; c < M; c++) {
    let ow = tile.col + c * p.dilation;
    var d: array<f32, M>;
    for (var r = 0u; r < M; r++) {
      let oh = tile.row + r * p.dilation;
      let inside = oh < p.ho && ow < p.wo;
      d[r] = select(0.0, dy[select(0u, plane + oh * p.wo + ow, inside)], inside);
    }
    columns[c] = transformGradOutput1d(d);
  }
  for (var a = 0u; a < ALPHA; a++) {
    var d: array<f32, M>;
    for (var c = 0u; c < M; c++) { d[c] = columns[c][a]; }
    let row = transformGradOutput1d(d);
    for (var b = 0u; b < ALPHA; b++) { dyt[((a * ALPHA + b) * p.cOut + co) * tiles + t] = row[b]; }
  }
}

@compute @workgroup_size(WG)
fn weightGradTransform(e: Element) {
  let i = index(e);
  if (i >= p.cOut * p.cIn) { return; }
  var columns: array<array<f32, 3>, ALPHA>;
  for (var b = 0u; b < ALPHA; b++) {
    var s: array<f32, ALPHA>;
    for (var a = 0u; a < ALPHA; a++) { s[a] = sums[(a * ALPHA + b) * p.cOut * p.cIn + i]; }
    columns[b] = transformWeightGrad1d(s);
  }
  for (var ky = 0u; ky < 3u; ky++) {
    var s: array<f32, ALPHA>;
    for (var b = 0u; b < ALPHA; b++) { s[b] = columns[b][ky]; }
    let row = transformWeightGrad1d(s);
    for (var kx = 0u; kx < 3u; kx++) { dw[i * 9u + ky * 3u + kx] = row[kx]; }
  }
}
