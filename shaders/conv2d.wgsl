// 2D convolution (NCHW, weight [cOut, cIn, kh, kw]) as implicit GEMM: no
// im2col is materialised, the kernels index the input through the window.
//   forward:     y[co, pixel]      = sum over (ci, tap)   weight[co, ci, tap] * x[ci, pixel shifted by tap]
//   grad input:  dx[ci, pixel]     = sum over (co, tap)   weight[co, ci, tap] * dy[co, pixel shifted back]
//   grad weight: dw[co, (ci, tap)] = sum over out pixels  dy[co, pixel] * x[ci, pixel shifted by tap]
// Two tilings of each direction:
//   *Tiled: TILE x TILE shared-memory tiles for real GPUs, one matrix-product
//     body for the three (shaders/tiled-product.wgsl) around the read and
//     write functions of each direction below (src/kernels/conv2d.ts names them).
//   *Blocked: register blocking for CPU-backed adapters (below the marker).
// Grad weight reduces over n * ho * wo: each workgroup sums one chunk of output
// rows into `partials`, and gradWeightReduce adds the chunks in a fixed order.
// Storage buffers: declared by shader() from the bindings in src/kernels/conv2d.ts.

struct Params {
  n: u32, cIn: u32, h: u32, w: u32, // x [n, cIn, h, w]
  cOut: u32, kh: u32, kw: u32, // weight [cOut, cIn, kh, kw]
  stride: u32, padding: u32, dilation: u32,
  ho: u32, wo: u32, // y [n, cOut, ho, wo]
  // grad weight: output rows (over n * ho) per chunk, and the number of chunks
  chunkRows: u32, chunks: u32,
  // grad input of a strided conv by phase: the input pixels (phaseY + stride * r, phaseX + stride * c), phaseRows x phaseCols of them
  phaseY: u32, phaseX: u32, phaseRows: u32, phaseCols: u32,
}

override REDUCE_WG: u32;
override HAS_BIAS: bool = false;
// The forward's epilogue: a residual added to the output, then ReLU (batch
// norm folded into the weights and bias at inference, src/kernels/conv2dbatchnorm.ts).
override RESIDUAL: bool = false;
override RELU: bool = false;

var<workgroup> partialSums: array<f32, REDUCE_WG>;

fn taps() -> u32 { return p.kh * p.kw; }

/** Where a flat pixel index over (n, rows, cols) sits. */
struct Pixel {
  image: u32,
  row: u32,
  col: u32,
  inside: bool,
}

fn pixelAt(index: u32, rows: u32, cols: u32) -> Pixel {
  let plane = rows * cols;
  let within = index % plane;
  return Pixel(index / plane, within / cols, within % cols, index < p.n * plane);
}

/** Four pixels per invocation, WG apart, so neighbouring lanes read neighbouring values. */
fn pixelQuad(group: u32, lane: u32, rows: u32, cols: u32) -> array<Pixel, 4> {
  let first = group * 4u * WG + lane;
  return array<Pixel, 4>(
    pixelAt(first, rows, cols),
    pixelAt(first + WG, rows, cols),
    pixelAt(first + 2u * WG, rows, cols),
    pixelAt(first + 3u * WG, rows, cols),
  );
}

fn gather(src: ptr<storage, array<f32>, read>, at: vec4u, ok: vec4<bool>) -> vec4f {
  return select(vec4f(0.0), vec4f((*src)[at.x], (*src)[at.y], (*src)[at.z], (*src)[at.w]), ok);
}

fn storeForward(co: u32, pixel: Pixel, value: f32) {
  if (co >= p.cOut || !pixel.inside) { return; }
  let at = ((pixel.image * p.cOut + co) * p.ho + pixel.row) * p.wo + pixel.col;
  var v = value;
  if (HAS_BIAS) { v += bias[co]; }
  if (RESIDUAL) { v += residual[at]; }
  if (RELU) { v = max(v, 0.0); }
  y[at] = v;
}

// ---- forward ----

fn forwardWeightAt(co: u32, k: u32) -> f32 {
  let weightRow = p.cIn * taps();
  if (co >= p.cOut || k >= weightRow) { return 0.0; }
  return weight[co * weightRow + k];
}

fn forwardInputAt(k: u32, index: u32) -> f32 {
  let pixel = pixelAt(index, p.ho, p.wo);
  let ci = k / taps();
  let tap = k % taps();
  let ih = pixel.row * p.stride + (tap / p.kw) * p.dilation - p.padding;
  let iw = pixel.col * p.stride + (tap % p.kw) * p.dilation - p.padding;
  if (!pixel.inside || ci >= p.cIn || ih >= p.h || iw >= p.w) { return 0.0; }
  return x[((pixel.image * p.cIn + ci) * p.h + ih) * p.w + iw];
}

/** The tiled forward's C: y at (co, flat output pixel). */
fn storeForwardAt(co: u32, index: u32, value: f32) {
  storeForward(co, pixelAt(index, p.ho, p.wo), value);
}

// ---- grad input ----
// dx[ci, ih, iw] gathers dy[co, oh, ow] where ih = oh * stride - padding + ky * dilation,
// i.e. oh = (ih + padding - ky * dilation) / stride when that divides exactly.

fn storeGradInput(ci: u32, pixel: Pixel, value: f32) {
  if (ci >= p.cIn || !pixel.inside) { return; }
  dx[((pixel.image * p.cIn + ci) * p.h + pixel.row) * p.w + pixel.col] = value;
}

fn gradInputWeightAt(ci: u32, k: u32) -> f32 {
  let co = k / taps();
  if (ci >= p.cIn || co >= p.cOut) { return 0.0; }
  return weight[(co * p.cIn + ci) * taps() + k % taps()];
}

fn gradInputDyAt(k: u32, index: u32) -> f32 {
  let pixel = pixelAt(index, p.h, p.w);
  let co = k / taps();
  let tap = k % taps();
  let shiftedRow = pixel.row + p.padding - (tap / p.kw) * p.dilation;
  let shiftedCol = pixel.col + p.padding - (tap % p.kw) * p.dilation;
  let oh = shiftedRow / p.stride;
  let ow = shiftedCol / p.stride;
  let ok = pixel.inside && co < p.cOut && shiftedRow < p.h + 2u * p.padding && shiftedCol < p.w + 2u * p.padding
    && oh * p.stride == shiftedRow && ow * p.stride == shiftedCol && oh < p.ho && ow < p.wo;
  if (!ok) { return 0.0; }
  return dy[((pixel.image * p.cOut + co) * p.ho + oh) * p.wo + ow];
}

/** The tiled grad input's C: dx at (ci, flat input pixel). */
fn storeGradInputAt(ci: u32, index: u32, value: f32) {
  storeGradInput(ci, pixelAt(index, p.h, p.w), value);
}

// ---- grad weight ----
// Columns are (ci, tap), the weight's own layout after co; the reduction runs
// over the output rows [chunk * chunkRows, +chunkRows) of n * ho.

fn storePartial(chunk: u32, co: u32, column: u32, value: f32) {
  let columns = p.cIn * taps();
  if (co >= p.cOut || column >= columns) { return; }
  partials[(chunk * p.cOut + co) * columns + column] = value;
}

fn chunkEnd(chunk: u32) -> u32 {
  return min((chunk + 1u) * p.chunkRows, p.n * p.ho);
}

fn gradWeightDyAt(chunk: u32, co: u32, k: u32) -> f32 {
  let outRow = chunk * p.chunkRows + k / p.wo;
  if (co >= p.cOut || outRow >= chunkEnd(chunk)) { return 0.0; }
  let image = outRow / p.ho;
  return dyAt1[((image * p.cOut + co) * p.ho + outRow % p.ho) * p.wo + k % p.wo];
}

fn gradWeightInputAt(chunk: u32, k: u32, column: u32) -> f32 {
  let outRow = chunk * p.chunkRows + k / p.wo;
  let ci = column / taps();
  let tap = column % taps();
  let image = outRow / p.ho;
  let ih = (outRow % p.ho) * p.stride + (tap / p.kw) * p.dilation - p.padding;
  let iw = (k % p.wo) * p.stride + (tap % p.kw) * p.dilation - p.padding;
  if (outRow >= chunkEnd(chunk) || ci >= p.cIn || ih >= p.h || iw >= p.w) { return 0.0; }
  return x[((image * p.cIn + ci) * p.h + ih) * p.w + iw];
}

/** dw = the chunks' partial sums added in chunk order (deterministic). */
@compute @workgroup_size(WG)
fn gradWeightReduce(e: Element) {
  let size = p.cOut * p.cIn * taps();
  let i = index(e);
  if (i >= size) { return; }
  var sum = 0.0;
  for (var chunk = 0u; chunk < p.chunks; chunk++) { sum += partialsIn[chunk * size + i]; }
  dw[i] = sum;
}

// ---- grad bias ----

/** One workgroup per output channel: strided sums, then a tree in workgroup memory. */
@compute @workgroup_size(REDUCE_WG)
fn gradBias(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) group: vec3u) {
  let co = group.x;
  let outPlane = p.ho * p.wo;
  var sum = 0.0;
  for (var i = lane; i < p.n * outPlane; i += REDUCE_WG) {
    sum += dyAt1[((i / outPlane) * p.cOut + co) * outPlane + i % outPlane];
  }
  partialSums[lane] = sum;
  for (var half = REDUCE_WG / 2u; half > 0u; half /= 2u) {
    workgroupBarrier();
    if (lane < half) { partialSums[lane] += partialSums[lane + half]; }
  }
  if (lane == 0u) { dbias[co] = partialSums[0]; }
}

// ==== blocked ====
// Register blocking for CPU adapters: ROWS rows x 4 pixels of sums per
// invocation, the rows' operand shared through subgroups or loaded uniformly
// (shaders/rowblocking*.wgsl, appended to this part).

// Rows per invocation in groups of 8; src/kernels/rowblocking.ts rewrites this line per launch.
const ROW_GROUPS = 4u;
const ROWS = 8u * ROW_GROUPS;

/**
 * row r's sums += weight[rows[r] + wi] * src[at] over `depth` steps, advancing at by
 * atStep and wi by wiStep: the inner loop of forward and grad input.
 */
fn accumulateWeighted(
  acc: ptr<function, Sums>, src: ptr<storage, array<f32>, read>, start: vec4u, ok: vec4<bool>, atStep: u32,
  rows: RowOffsets, wiStart: u32, wiStep: u32, depth: u32,
) {
  var at = select(vec4u(0u), start, ok);
  var wi = wiStart;
  var d = 0u;
  for (; d + 1u < depth; d += 2u) {
    let v0 = gather(src, at, ok);
    let w0 = rowValues(&weight, rows, wi);
    let v1 = gather(src, at + vec4u(atStep), ok);
    let w1 = rowValues(&weight, rows, wi + wiStep);
    accumulateRows(acc, w0, v0, w1, v1);
    at += vec4u(2u * atStep);
    wi += 2u * wiStep;
  }
  if (d < depth) { accumulateRows(acc, rowValues(&weight, rows, wi), gather(src, at, ok), noRows, vec4f(0.0)); }
}

/** The sums of the output rows from co0 at the pixels px (workgroup group.x's, lane's). */
fn forwardSums(inv: Invocation, co0: u32, px: array<Pixel, 4>) -> Sums {
  let hw = p.h * p.w;
  let weightRow = p.cIn * taps();
  var image = vec4u(0u);
  var row0 = vec4u(0u);
  var col0 = vec4u(0u);
  var inside = vec4<bool>(false);
  for (var j = 0u; j < 4u; j++) {
    image[j] = px[j].image * p.cIn * hw;
    row0[j] = px[j].row * p.stride - p.padding;
    col0[j] = px[j].col * p.stride - p.padding;
    inside[j] = px[j].inside;
  }
  let rows = laneRows(co0, inv, p.cOut, weightRow);
  var acc: Sums;
  for (var ky = 0u; ky < p.kh; ky++) {
    let ih = row0 + vec4u(ky * p.dilation);
    for (var kx = 0u; kx < p.kw; kx++) {
      let iw = col0 + vec4u(kx * p.dilation);
      let ok = inside & (ih < vec4u(p.h)) & (iw < vec4u(p.w));
      accumulateWeighted(&acc, &x, image + ih * p.w + iw, ok, hw, rows, ky * p.kw + kx, taps(), p.cIn);
    }
  }
  return acc;
}

fn storeForwardRows(co0: u32, px: array<Pixel, 4>, acc: ptr<function, Sums>) {
  for (var r = 0u; r < ROWS; r++) {
    for (var j = 0u; j < 4u; j++) { storeForward(co0 + r, px[j], sumAt(acc, r, j)); }
  }
}

@compute @workgroup_size(WG)
fn forwardBlocked(inv: Invocation, @builtin(workgroup_id) group: vec3u) {
  let px = pixelQuad(group.x, inv.lane, p.ho, p.wo);
  var acc = forwardSums(inv, group.y * ROWS, px);
  storeForwardRows(group.y * ROWS, px, &acc);
}

// The forward of a conv followed by a training batch norm (src/kernels/conv2dbatchnorm.ts):
// y, and per output channel the (mean, M2) of this workgroup's 4 * WG pixels
// of y, in the partials layout of batchnorm2d.wgsl's statsFinal (channel-major,
// one chunk per workgroup), which merges them. Each invocation takes the mean
// of its own pixels first and the squared deviations from it; the lanes are
// then merged with Chan's formula in a fixed order, STAT_ROWS rows at a time,
// so no sum of squares cancels. No residual or ReLU: batch norm comes first.
const STAT_ROWS = 8u;
var<workgroup> laneMoments: array<vec3f, STAT_ROWS * WG>;
var<workgroup> segmentMoments: array<vec3f, WG>;

/** (count, mean, M2) of row r's values at this invocation's pixels inside y. */
fn laneRowMoments(co: u32, px: array<Pixel, 4>, acc: ptr<function, Sums>, r: u32) -> vec3f {
  var shift = 0.0;
  if (HAS_BIAS) { shift = bias[min(co, p.cOut - 1u)]; }
  var count = 0.0;
  var sum = 0.0;
  for (var j = 0u; j < 4u; j++) {
    if (px[j].inside) {
      count += 1.0;
      sum += sumAt(acc, r, j) + shift;
    }
  }
  let mean = select(0.0, sum / count, count > 0.0);
  var m2 = 0.0;
  for (var j = 0u; j < 4u; j++) {
    let d = sumAt(acc, r, j) + shift - mean;
    if (px[j].inside) { m2 += d * d; }
  }
  return vec3f(count, mean, m2);
}

@compute @workgroup_size(WG)
fn forwardStatsBlocked(inv: Invocation, @builtin(workgroup_id) group: vec3u) {
  let lane = inv.lane;
  let co0 = group.y * ROWS;
  let px = pixelQuad(group.x, lane, p.ho, p.wo);
  var acc = forwardSums(inv, co0, px);
  storeForwardRows(co0, px, &acc);
  let chunks = (p.n * p.ho * p.wo + 4u * WG - 1u) / (4u * WG);
  let segments = WG / STAT_ROWS;
  for (var r0 = 0u; r0 < ROWS; r0 += STAT_ROWS) {
    for (var i = 0u; i < STAT_ROWS; i++) { laneMoments[i * WG + lane] = laneRowMoments(co0 + r0 + i, px, &acc, r0 + i); }
    workgroupBarrier();
    // Lane t merges lanes [8s, 8s + 8) of row t / segments, s = t % segments.
    let row = lane / segments;
    let first = row * WG + (lane % segments) * STAT_ROWS;
    var m = laneMoments[first];
    for (var k = 1u; k < STAT_ROWS; k++) { m = mergeMoments(m, laneMoments[first + k]); }
    segmentMoments[lane] = m;
    workgroupBarrier();
    let co = co0 + r0 + lane;
    if (lane < STAT_ROWS && co < p.cOut) {
      var total = segmentMoments[lane * segments];
      for (var s = 1u; s < segments; s++) { total = mergeMoments(total, segmentMoments[lane * segments + s]); }
      let at = (co * chunks + group.x) * 2u;
      statPartials[at] = total.y;
      statPartials[at + 1u] = total.z;
    }
  }
}

@compute @workgroup_size(WG)
fn gradInputBlocked(inv: Invocation, @builtin(workgroup_id) group: vec3u) {
  let lane = inv.lane;
  let outPlane = p.ho * p.wo;
  let weightRow = p.cIn * taps();
  let ci0 = group.y * ROWS;
  let px = pixelQuad(group.x, lane, p.h, p.w);
  var image = vec4u(0u);
  var row = vec4u(0u);
  var col = vec4u(0u);
  var inside = vec4<bool>(false);
  for (var j = 0u; j < 4u; j++) {
    image[j] = px[j].image * p.cOut * outPlane;
    row[j] = px[j].row + p.padding;
    col[j] = px[j].col + p.padding;
    inside[j] = px[j].inside;
  }
  let s = vec4u(p.stride);
  let rows = laneRows(ci0, inv, p.cIn, taps());
  var acc: Sums;
  for (var ky = 0u; ky < p.kh; ky++) {
    let shiftedRow = row - vec4u(ky * p.dilation);
    let oh = shiftedRow / s;
    let rowOk = (shiftedRow < vec4u(p.h + 2u * p.padding)) & (oh * s == shiftedRow) & (oh < vec4u(p.ho));
    for (var kx = 0u; kx < p.kw; kx++) {
      let shiftedCol = col - vec4u(kx * p.dilation);
      let ow = shiftedCol / s;
      let ok = inside & rowOk & (shiftedCol < vec4u(p.w + 2u * p.padding)) & (ow * s == shiftedCol) & (ow < vec4u(p.wo));
      accumulateWeighted(&acc, &dy, image + oh * p.wo + ow, ok, outPlane, rows, ky * p.kw + kx, weightRow, p.cOut);
    }
  }
  for (var r = 0u; r < ROWS; r++) {
    for (var j = 0u; j < 4u; j++) { storeGradInput(ci0 + r, px[j], sumAt(&acc, r, j)); }
  }
}

/**
 * Grad input of a strided conv (dilation 1), one phase of the input pixels per
 * dispatch: those at row phaseY + stride * r and column phaseX + stride * c
 * receive only the taps ky = phaseY + padding (mod stride) (kx likewise), each
 * from output row r + (phaseY + padding - ky) / stride. The all-pixel kernel
 * visits every tap and masks all but 1 in stride^2 of them.
 */
@compute @workgroup_size(WG)
fn gradInputPhaseBlocked(inv: Invocation, @builtin(workgroup_id) group: vec3u) {
  let outPlane = p.ho * p.wo;
  let weightRow = p.cIn * taps();
  let ci0 = group.y * ROWS;
  let px = pixelQuad(group.x, inv.lane, p.phaseRows, p.phaseCols);
  var pixels: array<Pixel, 4>;
  var image = vec4u(0u);
  var r = vec4i(0);
  var c = vec4i(0);
  var inside = vec4<bool>(false);
  for (var j = 0u; j < 4u; j++) {
    pixels[j] = Pixel(px[j].image, p.phaseY + p.stride * px[j].row, p.phaseX + p.stride * px[j].col, px[j].inside);
    image[j] = px[j].image * p.cOut * outPlane;
    r[j] = i32(px[j].row);
    c[j] = i32(px[j].col);
    inside[j] = px[j].inside;
  }
  let rows = laneRows(ci0, inv, p.cIn, taps());
  var acc: Sums;
  for (var ky = (p.phaseY + p.padding) % p.stride; ky < p.kh; ky += p.stride) {
    let oh = r + vec4i((i32(p.phaseY + p.padding) - i32(ky)) / i32(p.stride));
    let rowOk = (oh >= vec4i(0)) & (oh < vec4i(i32(p.ho)));
    for (var kx = (p.phaseX + p.padding) % p.stride; kx < p.kw; kx += p.stride) {
      let ow = c + vec4i((i32(p.phaseX + p.padding) - i32(kx)) / i32(p.stride));
      let ok = inside & rowOk & (ow >= vec4i(0)) & (ow < vec4i(i32(p.wo)));
      accumulateWeighted(&acc, &dy, image + vec4u(oh) * p.wo + vec4u(ow), ok, outPlane, rows, ky * p.kw + kx, weightRow, p.cOut);
    }
  }
  for (var k = 0u; k < ROWS; k++) {
    for (var j = 0u; j < 4u; j++) { storeGradInput(ci0 + k, pixels[j], sumAt(&acc, k, j)); }
  }
}

/** Grad weight: x for each lane's 4 (ci, tap) columns at output column ow of one output row. */
fn gatherRow(rowAt: vec4u, rowOk: vec4<bool>, colShift: vec4u, ow: u32) -> vec4f {
  let iw = vec4u(ow * p.stride) + colShift;
  let ok = rowOk & (iw < vec4u(p.w));
  return gather(&x, select(vec4u(0u), rowAt + iw, ok), ok);
}

@compute @workgroup_size(WG)
fn gradWeightBlocked(inv: Invocation, @builtin(workgroup_id) group: vec3u) {
  let lane = inv.lane;
  let hw = p.h * p.w;
  let outPlane = p.ho * p.wo;
  let columns = p.cIn * taps();
  let co0 = group.y * ROWS;
  let first = group.x * 4u * WG + lane;
  let column = vec4u(first, first + WG, first + 2u * WG, first + 3u * WG);
  let columnOk = column < vec4u(columns);
  let tap = column % taps();
  let channel = min(column / taps(), vec4u(p.cIn - 1u)) * hw;
  let rowShift = (tap / p.kw) * p.dilation - vec4u(p.padding);
  let colShift = (tap % p.kw) * p.dilation - vec4u(p.padding);
  let rows = laneRows(co0, inv, p.cOut, outPlane);
  var acc: Sums;
  for (var outRow = group.z * p.chunkRows; outRow < chunkEnd(group.z); outRow++) {
    let image = outRow / p.ho;
    let oh = outRow % p.ho;
    let ih = vec4u(oh * p.stride) + rowShift;
    let rowOk = columnOk & (ih < vec4u(p.h));
    let rowAt = vec4u(image * p.cIn * hw) + channel + ih * p.w;
    let dyAt = image * p.cOut * outPlane + oh * p.wo;
    var ow = 0u;
    for (; ow + 1u < p.wo; ow += 2u) {
      let x0 = gatherRow(rowAt, rowOk, colShift, ow);
      let dy0 = rowValues(&dyAt1, rows, dyAt + ow);
      let x1 = gatherRow(rowAt, rowOk, colShift, ow + 1u);
      let dy1 = rowValues(&dyAt1, rows, dyAt + ow + 1u);
      accumulateRows(&acc, dy0, x0, dy1, x1);
    }
    if (ow < p.wo) { accumulateRows(&acc, rowValues(&dyAt1, rows, dyAt + ow), gatherRow(rowAt, rowOk, colShift, ow), noRows, vec4f(0.0)); }
  }
  for (var r = 0u; r < ROWS; r++) {
    for (var j = 0u; j < 4u; j++) { storePartial(group.z, co0 + r, column[j], sumAt(&acc, r, j)); }
  }
}
