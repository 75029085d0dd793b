// 100 training steps of the tiny teacher through the checkpointing loop
// (bench/soak.js; `node bench/soak.js` runs the 1000-step version): the GPU
// pool's bytes in use and allocated are the same at step 100 as at step 10,
// the JS heap does not grow, and the RSS is flat once warm. V8's young
// generation is pinned at its default maximum (16 MiB semi-spaces) from the
// start: left to its heuristic it grows 8 -> 32 MiB in jumps over the first
// ~100 steps, which would hide a leak in this short run.
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SoakSample as Sample } from '../bench/soak';

const test = suite('reliability: memory soak');


test('100 steps: pool bytes unchanged from step 10, no heap growth, RSS flat once warm', () => {
  const args = ['--min-semi-space-size=16', 'dist/bench/soak.js', '--steps', '100', '--every', '10', '--json'];
  const json = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const result = JSON.parse(json.trim().split('\n').pop()!) as { samples: Sample[]; seconds: number };
  const [first, half, last] = [10, 50, 100].map((step) => result.samples.find((s) => s.step === step)!) as [Sample, Sample, Sample];
  assert.is(last.poolBytesInUse, first.poolBytesInUse, 'pool bytes in use');
  assert.is(last.poolBytesAllocated, first.poolBytesAllocated, 'no buffer allocated after step 10');
  const heapGrowth = last.heapUsedBytes - first.heapUsedBytes;
  assert.ok(heapGrowth < 512 * 1024, `JS heap after GC grew ${heapGrowth} bytes in 90 steps`);
  // Code tiering and native allocators still warm up over steps 10-50 (2-4%);
  // a leak of one upload's staging buffer a step (0.2 MiB) would add 3% a half.
  const rssGrowth = (last.rssBytes - first.rssBytes) / first.rssBytes;
  const lateGrowth = (last.rssBytes - half.rssBytes) / half.rssBytes;
  assert.ok(rssGrowth < 0.05, `RSS grew ${(100 * rssGrowth).toFixed(2)}% from step 10`);
  assert.ok(lateGrowth < 0.01, `RSS grew ${(100 * lateGrowth).toFixed(2)}% from step 50`);
  const mib = (b: number): string => (b / 2 ** 20).toFixed(2);
  console.log(
    `  soak, 100 steps in ${result.seconds} s: pool in use ${mib(first.poolBytesInUse)} -> ${mib(last.poolBytesInUse)} MiB, ` +
      `RSS ${mib(first.rssBytes)} -> ${mib(last.rssBytes)} MiB (${(100 * rssGrowth).toFixed(2)}%; from step 50 ${(100 * lateGrowth).toFixed(2)}%), heap ${mib(first.heapUsedBytes)} -> ${mib(last.heapUsedBytes)} MiB`,
  );
});

test.run();
