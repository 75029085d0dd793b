// `dicnet eval`: the paper's table with networks trained before, and no
// training: DiCNet, the teacher's baselines and the controls on every labelled
// split of a StreetHazards or CamVid folder (`--data`, test first) and on
// anomaly sets (`--anomalies`), the teacher's segmentation quality, panels,
// report.md and metrics.json. The untrained controls replay the run's initial
// weights from the seed in the checkpoint; colour rarity needs the folder's
// train split and is left out, saying so, where there is none. Every path is
// checked before the GPU starts.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../base/random';
import { anomalyLayoutOf, indexAnomalySet, type AnomalySet } from '../data/anomaly-set';
import { CAMVID_SPLIT_FOLDERS } from '../data/camvid';
import type { DatasetIndex, SplitName } from '../data/dataset';
import { DataError } from '../data/errors';
import { datasetPathProblem, DATASET_LAYOUTS_HELP, openDataset } from '../data/open-dataset';
import { checkSamples } from '../data/sample-check';
import { SPLIT_LAYOUT, SPLIT_NAMES } from '../data/streethazards';
import { renderMarkdown, renderText, reportJson } from '../eval';
import type { GpuRuntime } from '../gpu';
import { Student, Teacher } from '../model/networks';
import { newControl } from '../training/trainer';
import { runWithGpu } from './command';
import { chooseNetworks, NETWORKS_HELP } from './default-networks';
import { readDomainReference } from '../eval/domain';
import { datasetSplit, EVALUATED_SPLITS, evaluateSplit, fitColourRarity, type EvaluationSettings, type SplitEvaluation } from './evaluation';
import { oneOf, readCommandLine, UsageError, wholeNumber } from './flags';
import { optionLines, parseWithTable, type OptionRow } from './option-table';
import { defaults, namedFolder } from './options';
import { writeOutputFile } from './output-files';
import { buildReport, type ReportSettings } from './report';
import { loadTrainedPair } from './trained-pair';
import { runConvChoicesPath } from './conv-tuning';

export interface EvalOptions {
  /** Null: anomaly sets only. */
  data: string | null;
  anomalies: { name: string; dir: string }[];
  /** Null: chooseNetworks decides. */
  checkpoints: string | null;
  out: string;
  batchSize: number;
  panels: number;
  onBadSample: 'skip' | 'fail';
}

const evalOptions: readonly OptionRow<EvalOptions>[] = [
  {
    flag: '--data',
    value: 'DIR',
    help: `a dataset folder: ${DATASET_LAYOUTS_HELP};\nits test split is scored (the teacher's mIoU; anomaly metrics where it has\nanomalies), train fits the colour-rarity control, validation and test-easy\nare scored where present`,
    read: (v) => ({ data: v }),
  },
  {
    flag: '--anomalies',
    value: '[NAME=]DIR',
    help: "an anomaly set: images/ + labels_masks/ (0 normal, 1 anomaly, 255 ignore)\nor RoadAnomaly's frames/ (NAME.labels/labels_semantic.png, 2 anomaly);\nimages PNG, JPEG or WebP",
    repeatable: true,
    read: (v, f, o) => ({ anomalies: [...o.anomalies, namedFolder(f, v, o.anomalies)] }),
  },
  { flag: '--checkpoints', value: 'DIR', help: NETWORKS_HELP, read: (v) => ({ checkpoints: v }) },
  { flag: '--out', value: 'DIR', help: 'report.md, metrics.json and panels/', default: join('results', 'eval'), read: (v) => ({ out: v }) },
  { flag: '--batch', value: 'N', help: 'images scored at once', default: defaults.batchSize, read: (v, f) => ({ batchSize: wholeNumber(f, v, 1) }) },
  { flag: '--panels', value: 'N', help: 'images per split drawn as PNG panels', default: defaults.panels, read: (v, f) => ({ panels: wholeNumber(f, v) }) },
  { flag: '--on-bad-sample', value: 'skip|fail', help: 'an unreadable sample is passed over, or stops the run', default: defaults.onBadSample, read: (v, f) => ({ onBadSample: oneOf(f, v, ['skip', 'fail'] as const) }) },
];

export const evalUsage = `usage: npx dicnet eval [--data DIR] [--anomalies [NAME=]DIR]... [options]
  the paper's table (DiCNet, the teacher's baselines, the controls) with the trained networks
  and no training
${optionLines(evalOptions)}`;

export function parseEvalOptions(argv: readonly string[]): EvalOptions {
  const { options } = parseWithTable(argv, evalOptions, {
    data: null,
    anomalies: [],
    checkpoints: null,
    out: join('results', 'eval'),
    batchSize: defaults.batchSize,
    panels: defaults.panels,
    onBadSample: defaults.onBadSample,
  });
  if (options.data === null && options.anomalies.length === 0) throw new UsageError(`eval needs --data DIR (${DATASET_LAYOUTS_HELP}) or --anomalies DIR`);
  return options;
}

/** One line per path that is not what its flag needs: before the GPU starts. */
export function pathProblems(o: EvalOptions): string[] {
  const problems: string[] = [];
  if (o.data !== null) {
    const problem = datasetPathProblem(o.data);
    if (problem) problems.push(`--data ${problem}`);
  }
  for (const { dir } of o.anomalies) {
    if (!existsSync(dir)) problems.push(`--anomalies ${dir} does not exist`);
    else if (anomalyLayoutOf(dir) === undefined) problems.push(`--anomalies ${dir} is not an anomaly set: it needs images/ + labels_masks/, or frames/`);
  }
  return problems;
}

/** The splits the folder has: an index file or an images folder. */
function splitsIn(root: string): SplitName[] {
  return SPLIT_NAMES.filter((split) => {
    const layout = SPLIT_LAYOUT[split];
    const camvid = CAMVID_SPLIT_FOLDERS[split];
    return existsSync(join(root, layout.folder, layout.odgt)) || existsSync(join(root, layout.folder, layout.images)) || (camvid !== undefined && existsSync(join(root, `${camvid}annot`)));
  });
}

async function evaluateFolder(rt: GpuRuntime, o: EvalOptions): Promise<void> {
  const wall = performance.now();
  const networks = chooseNetworks(o.checkpoints);
  const pair = await loadTrainedPair(rt, networks.dir);
  const { config } = pair;
  console.log(`adapter: ${rt.describe()}`);
  console.log(`${config.name} networks from ${networks.dir} (${networks.why}; trained on ${pair.classes.dataset}, ${pair.loss} distillation, seed ${pair.seed})`);
  console.log(pair.convChoices > 0 ? `conv choices: ${pair.convChoices} as the run timed them (${runConvChoicesPath(networks.dir)}; they apply at its batch size)` : 'conv choices: direct everywhere (none saved with the networks)');
  let t = performance.now();
  const index: DatasetIndex = o.data === null ? { root: '-', layout: pair.classes.dataset, classes: pair.classes, origin: { source: 'anomaly sets only', terms: '' }, splits: {}, sources: {}, skipped: [] } : openDataset(o.data, { splits: splitsIn(o.data), onBadSample: o.onBadSample });
  if (index.classes.names.join() !== pair.classes.names.join()) {
    throw new DataError(`${o.data}: its classes (${index.layout}: ${index.classes.names.join(', ')}) are not the networks' (${pair.classes.dataset}: ${pair.classes.names.join(', ')})`, [o.data ?? '']);
  }
  const sets: AnomalySet[] = [];
  for (const { name, dir } of o.anomalies) sets.push(await indexAnomalySet(dir, name));
  await checkSamples(index, o.onBadSample, (s) => console.log(`skipped ${s.reason} (--on-bad-sample skip)`), sets);
  const dataSeconds = (performance.now() - t) / 1000;
  const counts = [...(Object.keys(index.splits) as SplitName[]).map((s) => `${index.splits[s]!.length} ${s}`), ...sets.map((s) => `${s.samples.length} ${s.name}`)];
  console.log(`data: ${counts.join(', ')} images`);

  // What the checkpoints say of the run that made them, and how this command scores.
  const run: EvaluationSettings & ReportSettings = { data: o.data, loss: pair.loss, temperature: pair.temperature, seed: pair.seed, batchSize: o.batchSize, onBadSample: o.onBadSample, out: o.out };
  const initial = new Random(pair.seed);
  const untrained = { teacher: new Teacher(rt, initial, config).eval(), student: new Student(rt, initial, config).eval() };
  t = performance.now();
  const colour = index.splits.train?.length ? fitColourRarity(index, run) : null;
  if (colour === null) console.log(`no train split${o.data === null ? '' : ` in ${o.data}`}: the colour-rarity control (fitted on the training images) is left out`);
  rt.pool.resetPeak();
  const evaluations: SplitEvaluation[] = [];
  const models = { teacher: pair.teacher, student: pair.student, untrained, colour };
  for (const split of EVALUATED_SPLITS) {
    if (!index.splits[split]?.length) continue;
    evaluations.push((await evaluateSplit(models, datasetSplit(index, split), run, config, newControl(), split === 'validation' ? 0 : o.panels))!);
  }
  for (const set of sets) {
    evaluations.push((await evaluateSplit(models, { split: set.name, source: 'anomaly set', samples: set.samples, classes: index.classes }, run, config, newControl(), o.panels))!);
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
    domain: readDomainReference(pair.metadata),
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
  const problems = pathProblems(o);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    return 2;
  }
  return runWithGpu(o.out, async (rt) => {
    await evaluateFolder(rt, o);
    return 0;
  });
}
