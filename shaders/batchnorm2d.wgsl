// 2D batch norm over NCHW, with what follows it in a residual network fused in:
//   y = act(xhat * weight[c] + bias[c] (+ residual)),  xhat = (x - mean[c]) * invstd[c]
// where act is ReLU (RELU) or nothing, and the residual is added when RESIDUAL.
// The backward differentiates the whole: dz = dy where y > 0 (RELU) else dy,
// dresidual = dz, and dx, dweight, dbias are batch norm's from dz.
//
// Element buffers are arrays of `Value`: one f32, or a vec4f of 4 consecutive
// elements of one plane where H * W is a multiple of 4 (shaders/value-*.wgsl,
// appended by src/kernels/values.ts); `hw` and the chunk sizes count Values.
//
// Per-channel reductions over (N, H, W) are deterministic tree reductions in
// workgroup memory. A level-1 chunk is `chunkSize` contiguous Values of each of
// up to `planeGroup` planes (batch items) of one channel; where a channel is one
// chunk, one workgroup per channel writes the result (statsWhole, gradWhole),
// else level 2 merges the chunks (statsFinal, gradFinal).
//
// Batch variance is not E[x^2] - E[x]^2, which cancels catastrophically in f32
// for inputs like 5 + small noise: each chunk takes its mean first and then the
// sum of squared deviations from it, and chunks are combined with Chan's merge
// of (count, mean, M2).
//
// Element-wise entries run workgroups (ceil(hw / WG), C, N), so the channel is
// uniform across a workgroup. Where a channel is one large enough chunk, the
// training backward is one launch (gradWholeInput). `stats` holds mean[0..C) then invstd[C..2C).
// Where weight, bias or residual is absent the launcher binds another buffer;
// the backward reads the forward's output y as `output`.
// Storage buffers: declared by shader() from the bindings in src/kernels/batchnorm2d.ts.

override HAS_WEIGHT: bool = true;
override HAS_BIAS: bool = true;
override TRAINING: bool = true;
override RELU: bool = false;
override RESIDUAL: bool = false;

struct Params {
  c: u32, hw: u32, batch: u32, // x is [batch, c, H, W]; hw = H * W / LANES Values
  planeChunks: u32, chunkSize: u32, // chunks per plane, and Values per chunk of a plane
  planeGroup: u32, groups: u32, // planes per chunk, and plane groups (ceil(batch / planeGroup))
  eps: f32, momentum: f32,
}

var<workgroup> pairs: array<vec2f, WG>;
var<workgroup> moments: array<vec3f, WG>;

fn chunksPerChannel() -> u32 {
  return p.groups * p.planeChunks;
}

// The level-1 chunk of workgroup (piece of a plane, channel, plane group):
// Values [offset, offset + length) of planes [first, end) of the channel.
struct Chunk {
  offset: u32,
  length: u32,
  first: u32,
  end: u32,
  k: u32,
}

fn chunkOf(piece: u32, group: u32) -> Chunk {
  let offset = piece * p.chunkSize;
  let first = group * p.planeGroup;
  return Chunk(offset, min(p.chunkSize, p.hw - offset), first, min(first + p.planeGroup, p.batch), group * p.planeChunks + piece);
}

// Elements (not Values) in chunk k of a channel.
fn chunkCount(k: u32) -> f32 {
  let chunk = chunkOf(k % p.planeChunks, k / p.planeChunks);
  return f32(chunk.length * (chunk.end - chunk.first) * LANES);
}

fn at(chunk: Chunk, c: u32, n: u32) -> u32 {
  return (n * p.c + c) * p.hw + chunk.offset;
}

// Where the two partial results of (channel, chunk k) live.
fn partialIndex(c: u32, k: u32) -> u32 {
  return (c * chunksPerChannel() + k) * 2u;
}

fn partial(c: u32, k: u32) -> vec2f {
  let i = partialIndex(c, k);
  return vec2f(partials[i], partials[i + 1u]);
}

fn storePartial(to: ptr<storage, array<f32>, read_write>, c: u32, k: u32, v: vec2f) {
  let i = partialIndex(c, k);
  (*to)[i] = v.x;
  (*to)[i + 1u] = v.y;
}

// Sum of v over the workgroup, returned to every invocation.
fn workgroupSum(t: u32, v: vec2f) -> vec2f {
  pairs[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { pairs[t] += pairs[t + s]; }
    workgroupBarrier();
  }
  let total = pairs[0];
  workgroupBarrier();
  return total;
}

// ---- forward: batch statistics ----

// (mean, M2) of a chunk of channel c, in two passes over it.
fn chunkMoments(t: u32, chunk: Chunk, c: u32) -> vec2f {
  let count = f32(chunk.length * (chunk.end - chunk.first) * LANES);
  var sum = 0.0;
  for (var n = chunk.first; n < chunk.end; n++) {
    let base = at(chunk, c, n);
    for (var i = t; i < chunk.length; i += WG) { sum += lanesSum(x[base + i]); }
  }
  let mean = workgroupSum(t, vec2f(sum, 0.0)).x / count;
  var squares = 0.0;
  for (var n = chunk.first; n < chunk.end; n++) {
    let base = at(chunk, c, n);
    for (var i = t; i < chunk.length; i += WG) {
      let d = x[base + i] - Value(mean);
      squares += lanesSum(d * d);
    }
  }
  return vec2f(mean, workgroupSum(t, vec2f(squares, 0.0)).x);
}

// Writes mean and invstd of channel c and moves the running statistics towards
// the batch's (PyTorch: the unbiased variance for the running one).
fn finishStatistics(c: u32, mean: f32, m2: f32) {
  let n = f32(p.batch * p.hw * LANES);
  statsOut[c] = mean;
  statsOut[p.c + c] = inverseSqrt(m2 / n + p.eps);
  let keep = 1.0 - p.momentum;
  runningMean[c] = keep * runningMean[c] + p.momentum * mean;
  runningVar[c] = keep * runningVar[c] + p.momentum * (m2 / (n - 1.0));
}

// A channel in one chunk. Workgroups: (1, C, 1).
@compute @workgroup_size(WG)
fn statsWhole(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let m = chunkMoments(lid.x, chunkOf(0u, 0u), wid.y);
  if (lid.x == 0u) { finishStatistics(wid.y, m.x, m.y); }
}

// Level 1: (mean, M2) of one chunk. Workgroups: (planeChunks, C, groups).
@compute @workgroup_size(WG)
fn statsPartial(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let chunk = chunkOf(wid.x, wid.z);
  let m = chunkMoments(lid.x, chunk, wid.y);
  if (lid.x == 0u) { storePartial(&statPartials, wid.y, chunk.k, m); }
}

// Level 2: merges the chunks of one channel. Workgroups: (C).
@compute @workgroup_size(WG)
fn statsFinal(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let t = lid.x;
  let c = wid.x;
  var acc = vec3f(0.0);
  for (var k = t; k < chunksPerChannel(); k += WG) { acc = mergeMoments(acc, vec3f(chunkCount(k), partial(c, k))); }
  moments[t] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { moments[t] = mergeMoments(moments[t], moments[t + s]); }
    workgroupBarrier();
  }
  if (t == 0u) { finishStatistics(c, moments[0].y, moments[0].z); }
}

// Eval: stats from the running statistics. One invocation per channel; workgroups (ceil(C / WG)).
@compute @workgroup_size(WG)
fn runningStats(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= p.c) { return; }
  evalStatsOut[c] = runningMeanIn[c];
  evalStatsOut[p.c + c] = inverseSqrt(runningVarIn[c] + p.eps);
}

// ---- forward: the normalisation and what is fused after it ----

fn affineScale(c: u32) -> f32 {
  if (HAS_WEIGHT) { return weight[c]; }
  return 1.0;
}

// Element (Value) index of an invocation of the (ceil(hw / WG), C, N) grid.
fn planeElement(gid: vec3u, wid: vec3u) -> u32 {
  return (wid.z * p.c + wid.y) * p.hw + gid.x;
}

fn activate(v: Value) -> Value {
  if (RELU) { return max(v, Value(0.0)); }
  return v;
}

fn normalised(i: u32, c: u32) -> Value {
  let scale = stats[p.c + c] * affineScale(c);
  var shift = -stats[c] * scale;
  if (HAS_BIAS) { shift += bias[c]; }
  return fma(x[i], Value(scale), Value(shift));
}

@compute @workgroup_size(WG)
fn normalise(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  if (gid.x >= p.hw) { return; }
  let i = planeElement(gid, wid);
  var v = normalised(i, wid.y);
  if (RESIDUAL) { v += residual[i]; }
  y[i] = activate(v);
}

// ---- backward ----

// The gradient that reaches the batch norm's output: dy, zero where ReLU cut.
fn gradAt(i: u32) -> Value {
  if (RELU) { return select(Value(0.0), dy[i], output[i] > Value(0.0)); }
  return dy[i];
}

// (sum dz, sum dz * xhat) over a chunk of channel c.
fn chunkGradSums(t: u32, chunk: Chunk, c: u32) -> vec2f {
  let mean = stats[c];
  let invstd = stats[p.c + c];
  var acc = vec2f(0.0);
  for (var n = chunk.first; n < chunk.end; n++) {
    let base = at(chunk, c, n);
    for (var i = t; i < chunk.length; i += WG) {
      let g = gradAt(base + i);
      acc += vec2f(lanesSum(g), lanesSum(g * (x[base + i] - Value(mean))));
    }
  }
  let total = workgroupSum(t, acc);
  return vec2f(total.x, total.y * invstd);
}

// A channel in one chunk: sum dz (the bias gradient) and sum dz * xhat (the
// weight gradient). Workgroups: (1, C, 1).
@compute @workgroup_size(WG)
fn gradWhole(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let total = chunkGradSums(lid.x, chunkOf(0u, 0u), wid.y);
  if (lid.x == 0u) {
    sumDyOut[wid.y] = total.x;
    sumDyXhatOut[wid.y] = total.y;
  }
}

// Level 1 of the same. Workgroups: (planeChunks, C, groups).
@compute @workgroup_size(WG)
fn gradPartial(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let chunk = chunkOf(wid.x, wid.z);
  let total = chunkGradSums(lid.x, chunk, wid.y);
  if (lid.x == 0u) { storePartial(&gradPartials, wid.y, chunk.k, total); }
}

// Level 2. Workgroups: (C).
@compute @workgroup_size(WG)
fn gradFinal(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let t = lid.x;
  let c = wid.x;
  var acc = vec2f(0.0);
  for (var k = t; k < chunksPerChannel(); k += WG) { acc += partial(c, k); }
  let total = workgroupSum(t, acc);
  if (t == 0u) {
    sumDyMerged[c] = total.x;
    sumDyXhatMerged[c] = total.y;
  }
}

// dx from dz and the channel's (sum dz, sum dz * xhat). Training differentiates
// through the batch mean and variance:
//   dx = weight * invstd * (dz - sum(dz) / count - xhat * sum(dz * xhat) / count);
// eval (fixed statistics) is the per-channel scale weight * invstd * dz.
fn gradInputFrom(i: u32, c: u32, g: Value, sums: vec2f) -> Value {
  let invstd = stats[p.c + c];
  let scale = invstd * affineScale(c);
  if (!TRAINING) { return g * Value(scale); }
  let n = f32(p.batch * p.hw * LANES);
  let xhat = (x[i] - Value(stats[c])) * Value(invstd);
  return (g - Value(sums.x / n) - xhat * Value(sums.y / n)) * Value(scale);
}

fn gradInputAt(i: u32, c: u32, g: Value) -> Value {
  return gradInputFrom(i, c, g, vec2f(sumDy[c], sumDyXhat[c]));
}

@compute @workgroup_size(WG)
fn gradInput(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  if (gid.x >= p.hw) { return; }
  let i = planeElement(gid, wid);
  dx[i] = gradInputAt(i, wid.y, gradAt(i));
}

// dx and, for the residual, dz itself.
@compute @workgroup_size(WG)
fn gradInputResidual(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  if (gid.x >= p.hw) { return; }
  let i = planeElement(gid, wid);
  let g = gradAt(i);
  dx[i] = gradInputAt(i, wid.y, g);
  dresidual[i] = g;
}

// ---- backward in one launch, training, a channel in one (large enough) chunk ----
// The workgroup that sums a channel's dz and dz * xhat goes on to write its dx
// (and the residual's dz): one launch instead of gradWhole and gradInput, and
// the second read of the channel finds it in the cache. Workgroups: (1, C, 1).

// The sums of channel c, stored by invocation t = 0, returned to every invocation.
fn wholeGradSums(t: u32, c: u32) -> vec2f {
  let sums = chunkGradSums(t, chunkOf(0u, 0u), c);
  if (t == 0u) {
    gradBiasOut[c] = sums.x;
    gradWeightOut[c] = sums.y;
  }
  return sums;
}

@compute @workgroup_size(WG)
fn gradWholeInput(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let sums = wholeGradSums(lid.x, wid.y);
  for (var n = 0u; n < p.batch; n++) {
    let plane = (n * p.c + wid.y) * p.hw;
    for (var i = plane + lid.x; i < plane + p.hw; i += WG) { dx[i] = gradInputFrom(i, wid.y, gradAt(i), sums); }
  }
}

@compute @workgroup_size(WG)
fn gradWholeInputResidual(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let sums = wholeGradSums(lid.x, wid.y);
  for (var n = 0u; n < p.batch; n++) {
    let plane = (n * p.c + wid.y) * p.hw;
    for (var i = plane + lid.x; i < plane + p.hw; i += WG) {
      let g = gradAt(i);
      dx[i] = gradInputFrom(i, wid.y, g, sums);
      dresidual[i] = g;
    }
  }
}
