// scratch: per-dispatch CPU time (process, all threads) by replaying each recorded dispatch R times; robust to load.
import { createNodeRuntime } from '../src/gpu/node';
import { settle } from '../src/gpu/wait';
import { tiny } from '../src/model/config';
import { ourCases, randomBatch, type CaseName } from './model-cases';
import { family, convFlop } from './profile-report';
const rt = await createNodeRuntime();
const cases = ourCases(rt, tiny, randomBatch(tiny, 8, 7));
const name = (process.argv[2] ?? 'teacher') as CaseName;
const R = Number(process.argv[3] ?? 5);
for (let i = 0; i < 2; i++) await cases.run[name]();
rt.beginProfile('synchronised');
const profiler = (rt as any).profiler;
await cases.run[name]();
await rt.sync();
const recorded = profiler.recorded as any[];
(rt as any).profiler = null;
const d = rt.device;
const rows: { f: string; ms: number; d: any }[] = [];
for (const r of recorded) {
  d.queue.writeBuffer((rt as any).uniforms, r.uniformOffset, r.uniformBytes);
  const e = d.createCommandEncoder();
  const pass = e.beginComputePass();
  pass.setPipeline(r.pipeline); pass.setBindGroup(0, r.bindGroup);
  for (let k = 0; k < R; k++) pass.dispatchWorkgroups(...(r.workgroups as [number, number, number]));
  pass.end();
  const cb = e.finish();
  const c0 = process.cpuUsage();
  d.queue.submit([cb]);
  await settle(d.queue.onSubmittedWorkDone());
  const c = process.cpuUsage(c0);
  rows.push({ f: family(r), ms: (c.user + c.system) / 1000 / R, d: r });
}
const fam = new Map<string, { n: number; ms: number }>();
let total = 0;
for (const r of rows) { const f = fam.get(r.f) ?? { n: 0, ms: 0 }; f.n++; f.ms += r.ms; fam.set(r.f, f); total += r.ms; }
console.log(`${name}: ${recorded.length} dispatches, CPU ms total ${total.toFixed(0)}`);
for (const [k, v] of [...fam].sort((a, b) => b[1].ms - a[1].ms)) console.log(k.padEnd(40), String(v.n).padStart(4), v.ms.toFixed(1).padStart(8));
if (process.argv[4]) {
  console.log('\nslowest:');
  for (const r of [...rows].sort((a, b) => b.ms - a.ms).slice(0, Number(process.argv[4]))) {
    const p = r.d.params; const fl = convFlop(r.d);
    console.log(r.f.padEnd(34), r.ms.toFixed(2).padStart(7), fl ? `N${p.n} C${p.cIn}->${p.cOut} ${p.h}x${p.w} k${p.kh} s${p.stride} d${p.dilation} ${(fl / r.ms / 1e6).toFixed(1)} GFLOP/cpu-s` : JSON.stringify(p), r.d.workgroups.join('x'));
  }
}
rt.destroy();
