// scratch: micro-experiments on lavapipe with timestamp queries, min of N.
import { createNodeRuntime } from '../src/gpu/node';
import { BufferUsage } from '../src/gpu/flags';
const rt = await createNodeRuntime();
const d = rt.device;
const N = 983040;
const buf = (n: number) => d.createBuffer({ size: n * 4, usage: BufferUsage.STORAGE });
const A = buf(N), B = buf(N), C = buf(N);
const qs = d.createQuerySet({ type: 'timestamp', count: 2 });
const res = d.createBuffer({ size: 16, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
async function time(code: string, wg: number, groups: [number, number?, number?], reps = 9): Promise<number> {
  const m = d.createShaderModule({ code });
  const p = d.createComputePipeline({ layout: 'auto', compute: { module: m, entryPoint: 'main', constants: { WG: wg } } });
  const entries = [A, B, C].map((b, i) => ({ binding: i, resource: { buffer: b } })).filter((_, i) => code.includes(`binding(${i})`));
  const bg = d.createBindGroup({ layout: p.getBindGroupLayout(0), entries });
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const rd = d.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    const e = d.createCommandEncoder();
    const pass = e.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
    pass.setPipeline(p); pass.setBindGroup(0, bg); pass.dispatchWorkgroups(...(groups as [number, number, number])); pass.end();
    e.resolveQuerySet(qs, 0, 2, res, 0); e.copyBufferToBuffer(res, 0, rd, 0, 16);
    d.queue.submit([e.finish()]);
    await rd.mapAsync(1);
    const v = new BigUint64Array(rd.getMappedRange());
    best = Math.min(best, Number(v[1]! - v[0]!) / 1e6);
    rd.unmap(); rd.destroy();
  }
  return best;
}
const hdr = `override WG: u32;\n@group(0) @binding(0) var<storage, read> a: array<f32>;\n@group(0) @binding(1) var<storage, read_write> o: array<f32>;\n`;
const exps: [string, string, number, [number, number?, number?]][] = [
  ['relu scalar WG64', hdr + `@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) g: vec3u) { let i = g.x; if (i < ${N}u) { o[i] = max(a[i], 0.0); } }`, 64, [N / 64]],
  ['relu scalar WG256', hdr + `@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) g: vec3u) { let i = g.x; if (i < ${N}u) { o[i] = max(a[i], 0.0); } }`, 256, [N / 256]],
  ['relu vec4 array WG64', `override WG: u32;\n@group(0) @binding(0) var<storage, read> a: array<vec4f>;\n@group(0) @binding(1) var<storage, read_write> o: array<vec4f>;\n@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) g: vec3u) { let i = g.x; if (i < ${N / 4}u) { o[i] = max(a[i], vec4f(0.0)); } }`, 64, [N / 256]],
  ['relu vec4 array WG256', `override WG: u32;\n@group(0) @binding(0) var<storage, read> a: array<vec4f>;\n@group(0) @binding(1) var<storage, read_write> o: array<vec4f>;\n@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) g: vec3u) { let i = g.x; if (i < ${N / 4}u) { o[i] = max(a[i], vec4f(0.0)); } }`, 256, [N / 1024]],
  ['relu 4 strided per inv WG256', hdr + `@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) g: vec3u, @builtin(workgroup_id) w: vec3u, @builtin(local_invocation_index) l: u32) { for (var k = 0u; k < 4u; k++) { let i = w.x * WG * 4u + k * WG + l; if (i < ${N}u) { o[i] = max(a[i], 0.0); } } }`, 256, [N / 1024]],
  ['relu 16 strided per inv WG256', hdr + `@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) g: vec3u, @builtin(workgroup_id) w: vec3u, @builtin(local_invocation_index) l: u32) { for (var k = 0u; k < 16u; k++) { let i = w.x * WG * 16u + k * WG + l; if (i < ${N}u) { o[i] = max(a[i], 0.0); } } }`, 256, [N / 4096]],
  ['div: 4 u32 divs per elem WG256', hdr + `@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) g: vec3u) { let i = g.x; let w = u32(a[0]) + 80u; let h = u32(a[1]) + 48u; if (i < ${N}u) { o[i] = f32(i / w) + f32(i % w) + f32((i / (w*h)) % 7u); } }`, 256, [N / 256]],
  ['div via float WG256', hdr + `@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) g: vec3u) { let i = g.x; let w = u32(a[0]) + 80u; let h = u32(a[1]) + 48u; if (i < ${N}u) { let q = u32(f32(i) / f32(w)); let q2 = u32(f32(i) / f32(w*h)); o[i] = f32(q) + f32(i - q*w) + f32(q2 - (q2 / 7u) * 7u); } }`, 256, [N / 256]],
  ['no div baseline WG256', hdr + `@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) g: vec3u) { let i = g.x; let w = u32(a[0]) + 80u; if (i < ${N}u) { o[i] = f32(i * w) + f32(i + w); } }`, 256, [N / 256]],
];
for (const [name, code, wg, groups] of exps) console.log(name.padEnd(34), (await time(code, wg, groups)).toFixed(3), 'ms');
rt.destroy();
