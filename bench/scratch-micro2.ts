// scratch: maxpool backward variants on lavapipe, timestamp min of N.
import { createNodeRuntime } from '../src/gpu/node';
import { BufferUsage } from '../src/gpu/flags';
const rt = await createNodeRuntime();
const d = rt.device;
const planes = 256, h = 48, w = 80, oh = 24, ow = 40;
const N = planes * h * w, NO = planes * oh * ow;
const mk = (n: number, data?: Uint32Array) => { const b = d.createBuffer({ size: n * 4, usage: BufferUsage.STORAGE, mappedAtCreation: !!data }); if (data) { new Uint32Array(b.getMappedRange()).set(data); b.unmap(); } return b; };
const am = new Uint32Array(NO); for (let o = 0; o < NO; o++) { const oy = Math.floor(o / ow) % oh, ox = o % ow; am[o] = Math.min(oy * 2, h - 1) * w + Math.min(ox * 2 + (o % 3) - 1 < 0 ? 0 : ox * 2 + (o % 3) - 1, w - 1); }
const A = mk(NO, am), DY = mk(NO), DX = mk(N);
const U = d.createBuffer({ size: 32, usage: BufferUsage.UNIFORM, mappedAtCreation: true }); new Uint32Array(U.getMappedRange()).set([h, w, oh, ow, 3, 2, 1, planes]); U.unmap();
const qs = d.createQuerySet({ type: 'timestamp', count: 2 });
const res = d.createBuffer({ size: 16, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
async function prep(code: string, wg: number, groups: number[]) {
  const m = d.createShaderModule({ code });
  const info = await m.getCompilationInfo(); for (const msg of info.messages) if (msg.type === 'error') throw new Error(msg.message + ' line ' + msg.lineNum);
  const p = d.createComputePipeline({ layout: 'auto', compute: { module: m, entryPoint: 'main', constants: { WG: wg } } });
  const bg = d.createBindGroup({ layout: p.getBindGroupLayout(0), entries: [A, DY, DX, U].map((b, i) => ({ binding: i, resource: { buffer: b } })).filter((_, i) => i < 3 || code.includes('binding(3)')) });
  return async () => {
    const rd = d.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    const e = d.createCommandEncoder();
    const pass = e.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
    pass.setPipeline(p); pass.setBindGroup(0, bg); pass.dispatchWorkgroups(groups[0]!, groups[1] ?? 1, groups[2] ?? 1); pass.end();
    e.resolveQuerySet(qs, 0, 2, res, 0); e.copyBufferToBuffer(res, 0, rd, 0, 16);
    d.queue.submit([e.finish()]);
    await rd.mapAsync(1);
    const v = new BigUint64Array(rd.getMappedRange());
    const t = Number(v[1]! - v[0]!) / 1e6;
    rd.unmap(); rd.destroy();
    return t;
  };
}
const variants: [string, () => Promise<number>][] = [];
async function round(reps = 25) {
  const best = variants.map(() => Infinity);
  for (let r = 0; r < reps; r++) for (const [i, [, run]] of variants.entries()) best[i] = Math.min(best[i]!, await run());
  variants.forEach(([name], i) => console.log(name.padEnd(40), best[i]!.toFixed(2)));
}
const hdr = `override WG: u32;
@group(0) @binding(0) var<storage, read> argmax: array<u32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
const H = ${h}u; const W = ${w}u; const OH = ${oh}u; const OW = ${ow}u; const K = 3u; const S = 2u; const P = 1u; const PLANES = ${planes}u;
`;
const current = hdr + `
fn windowsCovering(i: u32, outSize: u32) -> vec2u {
  let reach = i32(i + P) - i32(K) + 1;
  let first = select(0u, (u32(max(reach, 0)) + S - 1u) / S, reach > 0);
  let last = min((i + P) / S, outSize - 1u);
  return vec2u(first, last);
}
@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x;
  if (i >= PLANES * H * W) { return; }
  let inPlane = i % (H * W);
  let plane = i / (H * W);
  let rows = windowsCovering(inPlane / W, OH);
  let cols = windowsCovering(inPlane % W, OW);
  let base = plane * OH * OW;
  var sum = 0.0;
  for (var oy = rows.x; oy <= rows.y; oy++) {
    for (var ox = cols.x; ox <= cols.y; ox++) {
      let o = base + oy * OW + ox;
      if (argmax[o] == inPlane) { sum += dy[o]; }
    }
  }
  dx[i] = sum;
}`;
// 3D grid: x = column, y = row, z = plane; fixed 2x2 candidates (kernel 3 stride 2)
const grid3 = hdr + `
@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) g: vec3u) {
  let col = g.x; let row = g.y; let plane = g.z;
  if (col >= W) { return; }
  let inPlane = row * W + col;
  let base = plane * OH * OW;
  let oy1 = min((row + P) / S, OH - 1u);
  let ox1 = min((col + P) / S, OW - 1u);
  let oy0 = select(oy1, oy1 - 1u, oy1 > 0u && (oy1 - 1u) * S + K > row + P);
  let ox0 = select(ox1, ox1 - 1u, ox1 > 0u && (ox1 - 1u) * S + K > col + P);
  var sum = 0.0;
  for (var oy = oy0; oy <= oy1; oy++) {
    for (var ox = ox0; ox <= ox1; ox++) {
      let o = base + oy * OW + ox;
      sum += select(0.0, dy[o], argmax[o] == inPlane);
    }
  }
  dx[plane * H * W + inPlane] = sum;
}`;
const unrolled = hdr + `
fn pick(o: u32, ok: bool, inPlane: u32) -> f32 {
  let at = select(0u, o, ok);
  return select(0.0, dy[at], ok && argmax[at] == inPlane);
}
@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) g: vec3u) {
  let col = g.x; let row = g.y; let plane = g.z;
  if (col >= W) { return; }
  let inPlane = row * W + col;
  let base = plane * OH * OW;
  let oy1 = min((row + P) / S, OH - 1u);
  let ox1 = min((col + P) / S, OW - 1u);
  let hasY0 = oy1 > 0u && (oy1 - 1u) * S + K > row + P;
  let hasX0 = ox1 > 0u && (ox1 - 1u) * S + K > col + P;
  let r1 = base + oy1 * OW;
  let r0 = r1 - OW;
  var sum = pick(r1 + ox1, true, inPlane) + pick(r1 + ox1 - 1u, hasX0, inPlane);
  sum += pick(r0 + ox1, hasY0, inPlane) + pick(r0 + ox1 - 1u, hasY0 && hasX0, inPlane);
  dx[plane * H * W + inPlane] = sum;
}`;
variants.push(['unrolled WG=128', await prep(unrolled, 128, [1, h, planes])]);
variants.push(['unrolled WG=64 (2 per row)', await prep(unrolled, 64, [2, h, planes])]);
const uni = current.replace(/const H = .*\n/, 'struct Q { H: u32, W: u32, OH: u32, OW: u32, K: u32, S: u32, P: u32, PLANES: u32 }\n@group(0) @binding(3) var<uniform> q: Q;\n').replace(/\b(H|W|OH|OW|K|S|P|PLANES)\b(?!:)/g, 'q.$1');
const uniUnrolled = unrolled.replace(/const H = .*\n/, 'struct Q { H: u32, W: u32, OH: u32, OW: u32, K: u32, S: u32, P: u32, PLANES: u32 }\n@group(0) @binding(3) var<uniform> q: Q;\n').replace(/\b(H|W|OH|OW|K|S|P|PLANES)\b(?!:)/g, 'q.$1');
variants.push(['current, uniform sizes WG64', await prep(uni, 64, [N / 64])]);
variants.push(['unrolled, uniform sizes WG128', await prep(uniUnrolled, 128, [1, h, planes])]);
variants.push(['current WG64', await prep(current, 64, [N / 64])]);
variants.push(['current WG256', await prep(current, 256, [N / 256])]);
variants.push(['grid3 WG16', await prep(grid3, 16, [5, h, planes])]);
variants.push(['grid3 WG80x1 (WG=80)', await prep(grid3, 80, [1, h, planes])]);
variants.push(['grid3 WG=128', await prep(grid3, 128, [1, h, planes])]);
await round();
rt.destroy();
