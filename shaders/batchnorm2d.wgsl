// 2D batch norm over NCHW: y = (x - mean[c]) * invstd[c] * weight[c] + bias[c].
//
// Per-channel reductions over (N, H, W) are two-level and deterministic. Each
// channel's N planes of H*W values are cut into chunks of at most `chunkSize`
// contiguous values (`planeChunks` per plane, so no chunk crosses a plane and no
// index needs a division); level 1 runs one workgroup per (chunk, channel,
// batch item), level 2 one workgroup per channel over its N * planeChunks
// partials, both as tree reductions in workgroup memory.
//
// Batch variance is not E[x^2] - E[x]^2, which cancels catastrophically in f32
// for inputs like 5 + small noise: each chunk takes its mean first and then the
// sum of squared deviations from it, and chunks are combined with Chan's merge
// of (count, mean, M2).
//
// Element-wise entries run workgroups (ceil(HW / WG), C, N), so the channel is
// uniform across a workgroup. `stats` holds mean[0..C) then invstd[C..2C).
// Where weight or bias is absent (HAS_WEIGHT / HAS_BIAS false) the launcher
// binds another buffer in its slot.
// Storage buffers: declared by shader() from the bindings in src/kernels/batchnorm2d.ts.

override HAS_WEIGHT: bool = true;
override HAS_BIAS: bool = true;
override TRAINING: bool = true;

struct Params {
  c: u32, hw: u32, batch: u32, // x is [batch, c, H, W], hw = H * W
  planeChunks: u32, chunkSize: u32,
  eps: f32, momentum: f32,
}

var<workgroup> pairs: array<vec2f, WG>;
var<workgroup> moments: array<vec3f, WG>;

fn chunksPerChannel() -> u32 {
  return p.batch * p.planeChunks;
}

// Values in chunk k of a channel (k = n * planeChunks + chunk within the plane).
fn chunkLength(k: u32) -> u32 {
  return min(p.chunkSize, p.hw - (k % p.planeChunks) * p.chunkSize);
}

// The level-1 workgroup's chunk: x[start + i] for i in [0, length), and its index k.
struct Chunk {
  start: u32,
  length: u32,
  k: u32,
}

fn levelOneChunk(wid: vec3u) -> Chunk {
  let k = wid.z * p.planeChunks + wid.x;
  return Chunk((wid.z * p.c + wid.y) * p.hw + wid.x * p.chunkSize, chunkLength(k), k);
}

// Where the two partial sums of (channel, chunk k) live.
fn partialIndex(c: u32, k: u32) -> u32 {
  return (c * chunksPerChannel() + k) * 2u;
}

fn partial(c: u32, k: u32) -> vec2f {
  let at = partialIndex(c, k);
  return vec2f(partials[at], partials[at + 1u]);
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

// Chan et al.: (count, mean, M2) of the union of two disjoint sets.
fn mergeMoments(a: vec3f, b: vec3f) -> vec3f {
  let n = a.x + b.x;
  if (n == 0.0) { return a; }
  let delta = b.y - a.y;
  let wb = b.x / n;
  return vec3f(n, a.y + delta * wb, a.z + b.z + delta * delta * a.x * wb);
}

// Level 2, invocation t's share of channel c: its chunks k = t, t + WG, ...,
// merged as (count, mean, M2) for the statistics, summed for the gradients.
fn chunkMoments(t: u32, c: u32) -> vec3f {
  var acc = vec3f(0.0);
  for (var k = t; k < chunksPerChannel(); k += WG) {
    acc = mergeMoments(acc, vec3f(f32(chunkLength(k)), partial(c, k)));
  }
  return acc;
}

fn chunkSums(t: u32, c: u32) -> vec2f {
  var acc = vec2f(0.0);
  for (var k = t; k < chunksPerChannel(); k += WG) {
    acc += partial(c, k);
  }
  return acc;
}

// Level 1 of the batch statistics: (mean, M2) of one chunk of one channel.
// Workgroups: (planeChunks, C, N).
@compute @workgroup_size(WG)
fn statsPartial(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let t = lid.x;
  let chunk = levelOneChunk(wid);
  var sum = 0.0;
  for (var i = t; i < chunk.length; i += WG) { sum += x[chunk.start + i]; }
  let mean = workgroupSum(t, vec2f(sum, 0.0)).x / f32(chunk.length);
  var squares = 0.0;
  for (var i = t; i < chunk.length; i += WG) {
    let d = x[chunk.start + i] - mean;
    squares += d * d;
  }
  let m2 = workgroupSum(t, vec2f(squares, 0.0)).x;
  if (t == 0u) {
    let at = partialIndex(wid.y, chunk.k);
    statPartials[at] = mean;
    statPartials[at + 1u] = m2;
  }
}

// Level 2: merges the chunks of one channel, writes mean and invstd, and moves the
// running statistics towards the batch's (PyTorch: unbiased variance for the
// running one). Workgroups: (C).
@compute @workgroup_size(WG)
fn statsFinal(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let t = lid.x;
  let c = wid.x;
  moments[t] = chunkMoments(t, c);
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { moments[t] = mergeMoments(moments[t], moments[t + s]); }
    workgroupBarrier();
  }
  if (t == 0u) {
    let n = f32(p.batch * p.hw);
    let mean = moments[0].y;
    let m2 = moments[0].z;
    statsOut[c] = mean;
    statsOut[p.c + c] = inverseSqrt(m2 / n + p.eps);
    let keep = 1.0 - p.momentum;
    runningMean[c] = keep * runningMean[c] + p.momentum * mean;
    runningVar[c] = keep * runningVar[c] + p.momentum * (m2 / (n - 1.0));
  }
}

// Eval: stats from the running statistics. One invocation per channel; workgroups (ceil(C / WG)).
@compute @workgroup_size(WG)
fn runningStats(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= p.c) { return; }
  evalStatsOut[c] = runningMeanIn[c];
  evalStatsOut[p.c + c] = inverseSqrt(runningVarIn[c] + p.eps);
}

fn affineScale(c: u32) -> f32 {
  if (HAS_WEIGHT) { return weight[c]; }
  return 1.0;
}

// Element index of an invocation of the (ceil(HW / WG), C, N) grid.
fn planeElement(gid: vec3u, wid: vec3u) -> u32 {
  return (wid.z * p.c + wid.y) * p.hw + gid.x;
}

// y = xhat * weight + bias.
@compute @workgroup_size(WG)
fn normalize(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  if (gid.x >= p.hw) { return; }
  let c = wid.y;
  let i = planeElement(gid, wid);
  var v = (x[i] - stats[c]) * stats[p.c + c] * affineScale(c);
  if (HAS_BIAS) { v += bias[c]; }
  y[i] = v;
}

// Level 1 of the backward sums: (sum dy, sum dy * xhat) of one chunk of one
// channel. Workgroups: (planeChunks, C, N).
@compute @workgroup_size(WG)
fn gradPartial(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let t = lid.x;
  let chunk = levelOneChunk(wid);
  let mean = stats[wid.y];
  let invstd = stats[p.c + wid.y];
  var acc = vec2f(0.0);
  for (var i = t; i < chunk.length; i += WG) {
    let g = dy[chunk.start + i];
    acc += vec2f(g, g * (x[chunk.start + i] - mean) * invstd);
  }
  let total = workgroupSum(t, acc);
  if (t == 0u) {
    let at = partialIndex(wid.y, chunk.k);
    gradPartials[at] = total.x;
    gradPartials[at + 1u] = total.y;
  }
}

// Level 2: sum dy (the bias gradient) and sum dy * xhat (the weight gradient)
// per channel. Workgroups: (C).
@compute @workgroup_size(WG)
fn gradFinal(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let t = lid.x;
  let c = wid.x;
  let total = workgroupSum(t, chunkSums(t, c));
  if (t == 0u) {
    sumDyOut[c] = total.x;
    sumDyXhatOut[c] = total.y;
  }
}

// dx. Training differentiates through the batch mean and variance:
//   dx = weight * invstd * (dy - sum(dy) / count - xhat * sum(dy * xhat) / count);
// eval (fixed statistics) is the per-channel scale weight * invstd * dy.
@compute @workgroup_size(WG)
fn gradInput(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  if (gid.x >= p.hw) { return; }
  let c = wid.y;
  let i = planeElement(gid, wid);
  let invstd = stats[p.c + c];
  var g = dy[i];
  if (TRAINING) {
    let n = f32(p.batch * p.hw);
    let xhat = (x[i] - stats[c]) * invstd;
    g -= (sumDy[c] + xhat * sumDyXhat[c]) / n;
  }
  dx[i] = g * invstd * affineScale(c);
}
