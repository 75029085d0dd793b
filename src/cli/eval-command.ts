// `dicnet eval --data DIR`: the paper's table on a StreetHazards-layout folder
// with networks trained before, and no training: DiCNet, the teacher's
// baselines and the controls on every labelled split the folder has (test
// first), the teacher's segmentation quality, panels, report.md and
// metrics.json. The untrained controls replay the run's initial weights from
// the seed in the checkpoint; colour rarity needs the folder's train split and
// is left out, saying so, where there is none.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../base/random';
import { DataError } from '../data/errors';
import { checkSamples } from '../data/sample-check';
import { indexStreetHazards, SPLIT_LAYOUT, SPLIT_NAMES, type SplitName } from '../data/streethazards';
import { renderMarkdown, renderText, reportJson } from '../eval';
import type { GpuRuntime } from '../gpu';
import { Student, Teacher } from '../model/networks';
import { newControl } from '../training/trainer';
import { runWithGpu } from './command';
import { EVALUATED_SPLITS, evaluateSplit, fitColourRarity, type SplitEvaluation } from './evaluation';
import { oneOf, readCommandLine, UsageError, wholeNumber } from './flags';
import { optionLines, parseWithTable, type OptionRow } from './option-table';
import { defaults, type RunOptions } from './options';
import { writeOutputFile } from './output-files';
import { buildReport } from './report';
import { loadTrainedPair } from './trained-pair';

export interface EvalOptions {
  data: string;
  checkpoints: string;
  out: string;
  batchSize: number;
  panels: number;
  onBadSample: 'skip' | 'fail';
}

const evalOptions: readonly OptionRow<Partial<EvalOptions>>[] = [
  {
    flag: '--data',
    value: 'DIR',
    help: 'the folder: test split required; train (for the colour-rarity control),\nvalidation and test-easy are evaluated or used where present',
    read: (v) => ({ data: v }),
  },
  { flag: '--checkpoints', value: 'DIR', help: 'the trained networks', default: join('results', 'checkpoints'), read: (v) => ({ checkpoints: v }) },
  { flag: '--out', value: 'DIR', help: 'report.md, metrics.json and panels/', default: join('results', 'eval'), read: (v) => ({ out: v }) },
  { flag: '--batch', value: 'N', help: 'images scored at once', default: defaults.batchSize, read: (v, f) => ({ batchSize: wholeNumber(f, v, 1) }) },
  { flag: '--panels', value: 'N', help: 'images per split drawn as PNG panels', default: defaults.panels, read: (v, f) => ({ panels: wholeNumber(f, v) }) },
  { flag: '--on-bad-sample', value: 'skip|fail', help: 'an unreadable sample is passed over, or stops the run', default: defaults.onBadSample, read: (v, f) => ({ onBadSample: oneOf(f, v, ['skip', 'fail'] as const) }) },
];

export const evalUsage = `usage: npx dicnet eval --data DIR [options]
  the paper's table (DiCNet, the teacher's baselines, the controls) on a StreetHazards-layout
  folder, with the trained networks and no training
${optionLines(evalOptions)}`;

export function parseEvalOptions(argv: readonly string[]): EvalOptions {
  const { options } = parseWithTable(argv, evalOptions, {
    checkpoints: join('results', 'checkpoints'),
    out: join('results', 'eval'),
    batchSize: defaults.batchSize,
    panels: defaults.panels,
    onBadSample: defaults.onBadSample,
  });
  if (options.data === undefined) throw new UsageError('eval needs --data DIR (a StreetHazards-layout folder)');
  return options as EvalOptions;
}

/** The splits the folder has: an index file or an images folder. */
function splitsIn(root: string): SplitName[] {
  return SPLIT_NAMES.filter((split) => {
    const layout = SPLIT_LAYOUT[split];
    return existsSync(join(root, layout.folder, layout.odgt)) || existsSync(join(root, layout.folder, layout.images));
  });
}

async function evaluateFolder(rt: GpuRuntime, o: EvalOptions): Promise<void> {
  const wall = performance.now();
  const pair = await loadTrainedPair(rt, o.checkpoints);
  const { config } = pair;
  console.log(`adapter: ${rt.describe()}`);
  console.log(`${config.name} networks from ${o.checkpoints} (${pair.loss} distillation, seed ${pair.seed})`);
  const splits = splitsIn(o.data);
  if (!splits.includes('test')) throw new DataError(`${o.data}: no test split (${join(o.data, 'test', SPLIT_LAYOUT.test.images)}): eval needs a StreetHazards-layout folder`, [o.data]);
  let t = performance.now();
  const index = indexStreetHazards(o.data, { splits, onBadSample: o.onBadSample });
  checkSamples(index, o.onBadSample, (s) => console.log(`skipped ${s.reason} (--on-bad-sample skip)`));
  const dataSeconds = (performance.now() - t) / 1000;
  console.log(`data: ${o.data} (${splits.map((s) => `${index.splits[s]!.length} ${s}`).join(', ')} images)`);

  const run: RunOptions = { ...defaults, data: o.data, config: config.name, loss: pair.loss, temperature: pair.temperature, seed: pair.seed, batchSize: o.batchSize, panels: o.panels, onBadSample: o.onBadSample, out: o.out };
  const initial = new Random(pair.seed);
  const untrained = { teacher: new Teacher(rt, initial, config).eval(), student: new Student(rt, initial, config).eval() };
  t = performance.now();
  const colour = index.splits.train?.length ? fitColourRarity(index, run) : null;
  if (colour === null) console.log(`no train split in ${o.data}: the colour-rarity control (fitted on the training images) is left out`);
  rt.pool.resetPeak();
  const evaluations: SplitEvaluation[] = [];
  for (const split of EVALUATED_SPLITS) {
    if (!index.splits[split]?.length) continue;
    evaluations.push((await evaluateSplit({ teacher: pair.teacher, student: pair.student, untrained, colour }, index, split, run, config, newControl(), split === 'validation' ? 0 : o.panels))!);
  }
  const report = buildReport({
    options: run,
    config,
    adapter: rt.describe(),
    pool: rt.pool.stats(),
    index,
    dataSeconds,
    wallSeconds: (performance.now() - wall) / 1000,
    teacher: null,
    student: null,
    evaluations,
    thresholds: null,
    stateCheckpoint: '',
  });
  console.log('\n' + renderText(report));
  writeOutputFile(join(o.out, 'report.md'), renderMarkdown(report));
  writeOutputFile(join(o.out, 'metrics.json'), JSON.stringify(reportJson(report), null, 2) + '\n');
  console.log(`wrote ${join(o.out, 'report.md')}, ${join(o.out, 'metrics.json')}${o.panels > 0 ? ` and ${join(o.out, 'panels')}/` : ''}`);
}

export async function runEval(argv: readonly string[]): Promise<number> {
  const o = readCommandLine(argv, parseEvalOptions, evalUsage, 'npx dicnet eval');
  if (typeof o === 'number') return o;
  return runWithGpu(o.out, async (rt) => {
    await evaluateFolder(rt, o);
    return 0;
  });
}
