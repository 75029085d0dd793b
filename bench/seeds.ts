// The main job over several seeds, then their summary: `node bench/seeds.js
// [--seeds 1,2,3] [--out results/seeds] [main-job options]`. Each seed runs as
// `node bench/run.js --seed S --out OUT/seed-S` with the other options; a seed
// whose metrics.json exists is not run again, and an interrupted one resumes,
// so the command can be repeated until it completes. Writes OUT/report.md and
// OUT/summary.json (mean and sd over seeds, and the target's conditions).

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/data/atomic';
import { renderSeedSummary, summariseSeeds, type MetricsJson } from '../src/eval/seed-summary';

const usage = `usage: node bench/seeds.js [--seeds 1,2,3] [--out results/seeds] [options of node bench/run.js]
  runs the main job once per seed (each in OUT/seed-S), then writes OUT/report.md and OUT/summary.json`;

function parse(argv: readonly string[]): { seeds: number[]; out: string; rest: string[] } {
  let seeds = [1, 2, 3];
  let out = join('results', 'seeds');
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${usage}`);
      return v;
    };
    if (flag === '--help' || flag === '-h') {
      console.log(usage);
      process.exit(0);
    } else if (flag === '--seeds') {
      seeds = value().split(',').map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n) || n < 0) throw new Error(`--seeds takes whole numbers, got "${s}"\n${usage}`);
        return n;
      });
    } else if (flag === '--out') out = value();
    else if (flag === '--seed' || flag === '--resume') throw new Error(`${flag} is set per seed by bench/seeds.js\n${usage}`);
    else rest.push(argv[i]!);
  }
  return { seeds, out, rest };
}

let options;
try {
  options = parse(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const { seeds, out, rest } = options;
const runJs = fileURLToPath(new URL('../../bench/run.js', import.meta.url));
const runs: MetricsJson[] = [];
for (const seed of seeds) {
  const dir = join(out, `seed-${seed}`);
  const metrics = join(dir, 'metrics.json');
  if (!existsSync(metrics)) {
    const resume = existsSync(join(dir, 'checkpoints', 'training-state.safetensors')) ? ['--resume'] : [];
    console.log(`\n== seed ${seed}: node bench/run.js ${[...rest, '--seed', String(seed), '--out', dir, ...resume].join(' ')}`);
    const child = spawnSync(process.execPath, [runJs, ...rest, '--seed', String(seed), '--out', dir, ...resume], { stdio: 'inherit' });
    if (child.status !== 0) {
      console.error(`seed ${seed} ended with ${child.signal ?? `exit ${child.status}`}; run the same command again to continue`);
      process.exit(child.status ?? 1);
    }
  } else console.log(`== seed ${seed}: ${metrics} exists, not run again`);
  runs.push(JSON.parse(readFileSync(metrics, 'utf8')) as MetricsJson);
}
const summary = summariseSeeds(seeds, runs);
const report = renderSeedSummary(summary);
console.log('\n' + report);
writeFileAtomic(join(out, 'report.md'), report);
writeFileAtomic(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
console.log(`wrote ${join(out, 'report.md')} and ${join(out, 'summary.json')}`);
