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
import { readCommandLine, wholeNumber } from '../src/cli/flags';
import { optionLines, parseWithTable, type OptionRow } from '../src/cli/option-table';
import { defaults, trainOptions } from '../src/cli/options';
import { writeFileAtomic } from '../src/data/atomic';
import { renderSeedSummary, summariseSeeds, type MetricsJson } from '../src/eval/seed-summary';

interface SeedsOptions {
  seeds: number[];
  out: string;
  /** The main job's options, passed on to each seed's run. */
  rest: string[];
}

const setPerSeed = new Set(['--seed', '--out', '--resume']);
/** The main job's options, checked here and passed on, so a bad one stops the command before the first seed. */
const passedOn: OptionRow<SeedsOptions>[] = trainOptions
  .filter((row) => !setPerSeed.has(row.flag))
  .map(({ resume: _, ...row }) => ({
    ...row,
    read: (v, f, current) => {
      row.read(v, f, defaults);
      return { rest: [...current.rest, f, ...(row.value === undefined ? [] : [v])] };
    },
  }));
const optionRows: readonly OptionRow<SeedsOptions>[] = [
  {
    flag: '--seeds',
    value: 'A,B,...',
    help: 'the seeds, each run as node bench/run.js --seed S --out OUT/seed-S',
    default: '1,2,3',
    read: (v, f) => ({ seeds: v.split(',').map((s) => wholeNumber(f, s)) }),
  },
  { flag: '--out', value: 'OUT', help: 'output folder', default: join('results', 'seeds'), read: (v) => ({ out: v }) },
  ...passedOn,
];

const usage = `usage: node bench/seeds.js [options]
  runs the main job once per seed (each in OUT/seed-S), then writes OUT/report.md and OUT/summary.json;
  the options after --out are those of node bench/run.js, passed on to each seed
${optionLines(optionRows)}`;
const options = readCommandLine(
  process.argv.slice(2),
  (argv) => parseWithTable(argv, optionRows, { seeds: [1, 2, 3], out: join('results', 'seeds'), rest: [] }).options,
  usage,
  'node bench/seeds.js',
);
if (typeof options === 'number') process.exit(options);
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
