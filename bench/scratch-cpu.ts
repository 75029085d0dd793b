// scratch: CPU time (all threads of the process: lavapipe's workers + JS) per step, robust to other load.
import { createNodeRuntime } from '../src/gpu/node';
import { tiny } from '../src/model/config';
import { ourCases, randomBatch, type CaseName } from './model-cases';
const rt = await createNodeRuntime();
const cases = ourCases(rt, tiny, randomBatch(tiny, 8, 7));
const names = (process.argv[2] ?? 'teacher,student,inference').split(',') as CaseName[];
const steps = Number(process.argv[3] ?? 5);
const out: string[] = [];
for (const name of names) {
  for (let i = 0; i < 2; i++) await cases.run[name]();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < steps; i++) await cases.run[name]();
  const c = process.cpuUsage(c0); const wall = (performance.now() - t0) / steps;
  out.push(`${name} cpu ${((c.user + c.system) / 1000 / steps).toFixed(0)} ms wall ${wall.toFixed(0)} ms`);
}
console.log(out.join(' | '));
rt.destroy();
