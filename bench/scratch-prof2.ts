import { createNodeRuntime } from '../src/gpu/node';
import { tiny } from '../src/model/config';
import { ourCases, randomBatch, type CaseName } from './model-cases';
import { family, convFlop } from './profile-report';
const rt = await createNodeRuntime();
const cases = ourCases(rt, tiny, randomBatch(tiny, 8, 7));
const name = (process.argv[2] ?? 'teacher') as CaseName;
for (let i = 0; i < 2; i++) await cases.run[name]();
rt.beginProfile('synchronised');
await cases.run[name]();
const r = await rt.endProfile();
const fam = new Map<string, number>();
let total = 0;
for (const d of r.dispatches) { fam.set(family(d), (fam.get(family(d)) ?? 0) + d.ms); total += d.ms; }
console.log('total', total.toFixed(1));
for (const [k, v] of [...fam].sort((a, b) => b[1] - a[1])) console.log(k.padEnd(36), v.toFixed(2));
console.log('\nper dispatch (non-conv, > 0.5 ms):');
for (const d of r.dispatches) if (d.ms > 0.5 && !convFlop(d)) console.log(family(d).padEnd(32), d.ms.toFixed(2).padStart(7), JSON.stringify(d.params), d.workgroups.join('x'));
console.log('\nconv:');
for (const d of r.dispatches) if (convFlop(d)) { const p = d.params as any; console.log(family(d).padEnd(32), d.ms.toFixed(2).padStart(7), `N${p.n} C${p.cIn}->${p.cOut} ${p.h}x${p.w} k${p.kh} s${p.stride} d${p.dilation}`, (convFlop(d) / d.ms / 1e6).toFixed(1), 'GFLOP/s', d.workgroups.join('x')); }
rt.destroy();
