// Several runs of the main job that differ only in their seed, summarised:
// per split and method the mean and standard deviation over seeds of each
// metric, the teacher's mIoU, and whether the run's DiCNet score met the
// target in every respect (beats every other method on mean AUROC, AUPR and
// FPR95; its interval against MSP excludes 0 on the right side in every seed;
// a lower cFPR than MSP). Input: the metrics.json objects (schema 2).

import { PAIRED_METRICS, LOWER_IS_BETTER, type PairedMetric } from './paired-comparison';
import { formatPercent } from './report';

interface MethodJson {
  name: string;
  kind: string | null;
  auroc: number | null;
  aupr: number | null;
  fpr95: number | null;
  cfpr: number | null;
  /** Over all pixels of the split (schema 2 runs from before pooled metrics lack it). */
  pooled?: { aupr: number; fpr95: number } | null;
}

interface DifferenceJson {
  mean_difference: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

interface SplitJson {
  title: string;
  methods: Record<string, MethodJson>;
  comparisons: Record<string, Record<string, Record<PairedMetric, DifferenceJson>>>;
}

export interface MetricsJson {
  schema_version: number;
  splits: Record<string, SplitJson>;
  teacher?: Record<string, number | null>;
  distillation?: { loss?: string };
  timing?: Record<string, number | null>;
}

export interface MeanSd {
  mean: number | null;
  sd: number | null;
  n: number;
}

const SUMMARY_METRICS = ['auroc', 'aupr', 'fpr95', 'cfpr', 'pooled_aupr', 'pooled_fpr95'] as const;
type SummaryMetric = (typeof SUMMARY_METRICS)[number];
const METRIC_HEADERS: Record<SummaryMetric, string> = { auroc: 'AUROC', aupr: 'AUPR', fpr95: 'FPR95', cfpr: 'cFPR', pooled_aupr: 'pooled AUPR', pooled_fpr95: 'pooled FPR95' };

function metricOf(method: MethodJson | undefined, metric: SummaryMetric): number | null | undefined {
  if (metric === 'pooled_aupr') return method?.pooled?.aupr;
  if (metric === 'pooled_fpr95') return method?.pooled?.fpr95;
  return method?.[metric];
}

export interface SeedSummary {
  seeds: number[];
  headline: string;
  splits: Record<string, { title: string; methods: Record<string, { name: string } & Record<SummaryMetric, MeanSd>> }>;
  teacher: Record<string, MeanSd>;
  timing: Record<string, MeanSd>;
  /** Per split: each condition of the target and whether it holds. */
  target: Record<string, { condition: string; met: boolean }[]>;
}

export function meanSd(values: readonly (number | null | undefined)[]): MeanSd {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return { mean: null, sd: null, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length < 2 ? null : Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  return { mean, sd, n: xs.length };
}

export function summariseSeeds(seeds: readonly number[], runs: readonly MetricsJson[]): SeedSummary {
  if (runs.length === 0) throw new RangeError('no runs to summarise');
  for (const [i, r] of runs.entries()) {
    if (r.schema_version !== 2) throw new RangeError(`run of seed ${seeds[i]}: metrics.json schema ${r.schema_version}, expected 2`);
  }
  const headline = runs[0]!.distillation?.loss === 'mse' ? 'dicnet_feature_distance' : 'dicnet_kl';
  const splits: SeedSummary['splits'] = {};
  const target: SeedSummary['target'] = {};
  for (const [key, split] of Object.entries(runs[0]!.splits)) {
    const methods: SeedSummary['splits'][string]['methods'] = {};
    for (const [m, method] of Object.entries(split.methods)) {
      methods[m] = { name: method.name, ...(Object.fromEntries(SUMMARY_METRICS.map((metric) => [metric, meanSd(runs.map((r) => metricOf(r.splits[key]?.methods[m], metric)))])) as Record<SummaryMetric, MeanSd>) };
    }
    splits[key] = { title: split.title, methods };
    target[key] = targetConditions(key, headline, methods, runs);
  }
  const collect = (section: 'teacher' | 'timing'): Record<string, MeanSd> =>
    Object.fromEntries(Object.keys(runs[0]![section] ?? {}).map((k) => [k, meanSd(runs.map((r) => r[section]?.[k]))]));
  return { seeds: [...seeds], headline, splits, teacher: collect('teacher'), timing: collect('timing'), target };
}

function targetConditions(split: string, headline: string, methods: SeedSummary['splits'][string]['methods'], runs: readonly MetricsJson[]) {
  const conditions: { condition: string; met: boolean }[] = [];
  const h = methods[headline];
  if (!h) return conditions;
  for (const [key, other] of Object.entries(methods)) {
    if (key === headline) continue;
    for (const metric of PAIRED_METRICS) {
      const a = h[metric].mean;
      const b = other[metric].mean;
      const met = a !== null && b !== null && (LOWER_IS_BETTER[metric] ? a < b : a > b);
      conditions.push({ condition: `mean ${metric.toUpperCase()} better than ${other.name}`, met });
    }
  }
  for (const metric of PAIRED_METRICS) {
    const met = runs.every((r) => {
      const d = r.splits[split]?.comparisons.msp?.[headline]?.[metric];
      if (!d || d.ci_low === null || d.ci_high === null) return false;
      return LOWER_IS_BETTER[metric] ? d.ci_high < 0 : d.ci_low > 0;
    });
    conditions.push({ condition: `${metric.toUpperCase()} interval against MSP excludes 0 on the better side in every seed`, met });
  }
  const cfpr = h.cfpr.mean;
  const mspCfpr = methods.msp?.cfpr.mean ?? null;
  conditions.push({ condition: 'mean cFPR lower than MSP\'s', met: cfpr !== null && mspCfpr !== null && cfpr < mspCfpr });
  return conditions;
}

function cell(v: MeanSd): string {
  if (v.mean === null) return '-';
  return v.sd === null ? formatPercent(v.mean) : `${formatPercent(v.mean)} ± ${formatPercent(v.sd)}`;
}

export function renderSeedSummary(s: SeedSummary): string {
  const out: string[] = [`# DiCNet over seeds ${s.seeds.join(', ')}`, '', 'Mean ± standard deviation over seeds of the per-image means (pooled: over all pixels of the set), in %.', ''];
  for (const [key, split] of Object.entries(s.splits)) {
    out.push(`## ${split.title}`, '', `| Method | ${SUMMARY_METRICS.map((m) => `${METRIC_HEADERS[m]} %`).join(' | ')} |`, `| --- |${' ---: |'.repeat(SUMMARY_METRICS.length)}`);
    for (const m of Object.values(split.methods)) out.push(`| ${m.name} | ${SUMMARY_METRICS.map((metric) => cell(m[metric])).join(' | ')} |`);
    const conditions = s.target[key] ?? [];
    const missed = conditions.filter((c) => !c.met);
    out.push('', `Target for ${split.methods[s.headline]?.name ?? s.headline}: ${missed.length === 0 ? 'met in every condition' : `${conditions.length - missed.length} of ${conditions.length} conditions met`}.`);
    for (const c of missed) out.push(`- not met: ${c.condition}`);
    out.push('');
  }
  out.push('## Teacher (test split, %)', '', '| | mean ± sd |', '| --- | ---: |');
  for (const [k, v] of Object.entries(s.teacher)) out.push(`| ${k} | ${cell(v)} |`);
  out.push('', '## Timing', '', '| | mean ± sd |', '| --- | ---: |');
  for (const [k, v] of Object.entries(s.timing)) out.push(`| ${k} | ${v.mean === null ? '-' : v.sd === null ? v.mean.toFixed(2) : `${v.mean.toFixed(2)} ± ${v.sd.toFixed(2)}`} |`);
  return out.join('\n') + '\n';
}
