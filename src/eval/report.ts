// The results report: per evaluated split, the paper's table (one row per
// scoring method, AUROC / AUPR / FPR95 / cFPR / eFPR in %) and the paired
// comparisons (per-image differences against a reference method, with their
// bootstrap intervals and win rates, and sentences saying only what the
// intervals support) and the headline score by the teacher's class, then free
// sections (teacher mIoU, timings). Rendered as Markdown, as console text, and
// as the JSON of metrics.json (stable snake_case keys, fractions in [0, 1],
// numbers as numbers; docs/metrics-json.md).

import type { AnomalySummary } from './aggregate';
import type { PooledSummary } from './pooled';
import type { ClassLevels, ScoreByClassSummary } from './score-by-class';
import { LOWER_IS_BETTER, PAIRED_METRICS, verdict, type PairedDifference, type PairedMetric } from './paired-comparison';

export type MethodKind = 'dicnet' | 'baseline' | 'control';

export interface MethodResult {
  /** Stable snake_case key, for programs. */
  readonly key: string;
  /** Name for people. */
  readonly method: string;
  readonly kind?: MethodKind;
  readonly metrics: AnomalySummary;
  /** Over all pixels of the split at once; absent where not computed, null without anomaly pixels. */
  readonly pooled?: PooledSummary | null;
}

export interface ComparisonResult {
  readonly key: string;
  readonly method: string;
  readonly againstKey: string;
  readonly against: string;
  readonly differences: Readonly<Record<PairedMetric, PairedDifference>>;
}

/** A score's level by the teacher's predicted class over a split's normal and anomaly pixels. */
export interface ClassBreakdown {
  readonly methodKey: string;
  readonly method: string;
  readonly classes: readonly string[];
  readonly levels: ScoreByClassSummary;
  /** The same score over the normal pixels of a split like the training data, for scale; null where there is none. */
  readonly reference: { readonly split: string; readonly normal: readonly ClassLevels[] } | null;
}

export interface ResultTable {
  /** Stable snake_case key of the split, e.g. test, test_easy, validation. */
  readonly key: string;
  readonly title: string;
  readonly methods: readonly MethodResult[];
  readonly comparisons?: readonly ComparisonResult[];
  /** The method whose comparisons the console shows (the report shows all). */
  readonly headline?: string;
  /** Report and metrics.json only: the console keeps to the tables and comparisons. */
  readonly breakdown?: ClassBreakdown;
}

export type SectionValue = string | number | boolean | null;

export interface SectionEntry {
  readonly label: string;
  /** A fraction when `percent`: metrics.json keeps it, people read it in %. */
  readonly value: SectionValue;
  readonly percent?: boolean;
}

export interface ReportSection {
  readonly title: string;
  /** Entry key (snake_case) -> label and value. */
  readonly entries: Readonly<Record<string, SectionEntry>>;
}

export interface ResultsReport {
  readonly title?: string;
  readonly tables: readonly ResultTable[];
  /** Section key (snake_case) -> section, printed in insertion order. */
  readonly sections?: Readonly<Record<string, ReportSection>>;
}

const COLUMNS = [
  ['AUROC', 'auroc'],
  ['AUPR', 'aupr'],
  ['FPR95', 'fpr95'],
  ['cFPR', 'cfpr'],
  ['eFPR', 'efpr'],
] as const;

const METRIC_NAMES: Record<PairedMetric, string> = { auroc: 'AUROC', aupr: 'AUPR', fpr95: 'FPR95' };

export function formatPercent(fraction: number | null, digits = 2): string {
  return fraction === null || Number.isNaN(fraction) ? '-' : (100 * fraction).toFixed(digits);
}

/** A difference of fractions in signed percentage points. */
function formatPoints(fraction: number): string {
  if (Number.isNaN(fraction)) return '-';
  const points = (100 * fraction).toFixed(2);
  return fraction >= 0 ? `+${points}` : points;
}

function entryLabel(e: SectionEntry): string {
  return e.percent ? `${e.label} (%)` : e.label;
}

function formatEntry(e: SectionEntry): string {
  return e.percent && typeof e.value === 'number' ? formatPercent(e.value) : formatValue(e.value);
}

function formatValue(value: SectionValue): string {
  if (value === null) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, '');
  return String(value);
}

interface Grid {
  header: string[];
  rows: string[][];
}

const POOLED_COLUMNS = [
  ['pooled AUPR', 'aupr'],
  ['pooled FPR95', 'fpr95'],
] as const;

function methodGrid(table: ResultTable): Grid {
  const pooled = table.methods.some((m) => m.pooled);
  return {
    header: ['Method', ...COLUMNS.map(([name]) => `${name} %`), ...(pooled ? POOLED_COLUMNS.map(([name]) => `${name} %`) : []), 'Images'],
    rows: table.methods.map(({ method, metrics, pooled: p }) => [
      method,
      ...COLUMNS.map(([, key]) => formatPercent(metrics[key])),
      ...(pooled ? POOLED_COLUMNS.map(([, key]) => formatPercent(p?.[key] ?? null)) : []),
      String(metrics.imagesScored),
    ]),
  };
}

function comparisonGrid(comparisons: readonly ComparisonResult[]): Grid {
  return {
    header: ['Method', 'Against', ...PAIRED_METRICS.flatMap((m) => [`${METRIC_NAMES[m]} diff (95% CI)`, `${METRIC_NAMES[m]} wins %`])],
    rows: comparisons.map((c) => [
      c.method,
      c.against,
      ...PAIRED_METRICS.flatMap((m) => {
        const d = c.differences[m];
        return [`${formatPoints(d.meanDifference)} (${formatPoints(d.low)} to ${formatPoints(d.high)})`, formatPercent(d.winRate, 0)];
      }),
    ]),
  };
}

/** One sentence per comparison: what its intervals support, and nothing more. */
export function describeComparison(c: ComparisonResult): string {
  const parts = PAIRED_METRICS.map((m) => {
    const d = c.differences[m];
    const v = verdict(d, LOWER_IS_BETTER[m]);
    if (v === 'no difference shown') return `${METRIC_NAMES[m]} no difference shown (interval includes 0)`;
    const direction = (d.meanDifference > 0 ? 'higher' : 'lower') + (v === 'better' ? ', better' : ', worse');
    return `${METRIC_NAMES[m]} ${direction} by ${Math.abs(100 * d.meanDifference).toFixed(2)} points (95% CI ${formatPoints(d.low)} to ${formatPoints(d.high)}; better on ${formatPercent(d.winRate, 0)}% of ${d.images} images)`;
  });
  return `${c.method} against ${c.against}: ${parts.join('; ')}.`;
}

function skippedNote(table: ResultTable): string | null {
  const first = table.methods[0]?.metrics;
  if (!first) return null;
  const parts = [`${first.imagesWithoutAnomaly} image(s) without anomaly pixels skipped`];
  if (first.imagesWithoutKnownPixel) parts.push(`${first.imagesWithoutKnownPixel} without known pixels skipped`);
  for (const [metric, key] of [['cFPR', 'imagesWithoutCfpr'], ['eFPR', 'imagesWithoutEfpr']] as const) {
    const counts = table.methods.map((m) => m.metrics[key]);
    if (counts.every((count) => count === 0)) continue;
    const detail = counts.every((count) => count === counts[0]) ? `${counts[0]} image(s)` : table.methods.map((m) => `${m.method}: ${m.metrics[key]}`).join(', ');
    parts.push(`${metric} undefined for ${detail} (no ${metric === 'cFPR' ? 'correctly classified' : 'misclassified'} known pixel or no prediction)`);
  }
  return parts.join('; ');
}

function formatScore(x: number | null): string {
  return x === null ? '-' : x.toPrecision(3);
}

function breakdownGrid(b: ClassBreakdown): Grid {
  const ref = b.reference;
  const { normal, anomaly } = b.levels;
  const shown = b.classes.map((name, c) => ({ name, c })).filter(({ c }) => normal[c]!.share > 0 || anomaly[c]!.share > 0);
  const ratio = (c: number): string => {
    const [a, r] = [normal[c]!.mean, ref?.normal[c]?.mean ?? null];
    return a === null || r === null || r === 0 ? '-' : (a / r).toFixed(2);
  };
  return {
    header: ["Teacher's class", ...(ref ? [`${ref.split}: pixels %`, `${ref.split}: mean`] : []), 'normal: pixels %', 'normal: mean', ...(ref ? [`normal mean / ${ref.split}'s`] : []), 'anomaly: pixels %', 'anomaly: mean'],
    rows: shown.map(({ name, c }) => [
      name,
      ...(ref ? [formatPercent(ref.normal[c]!.share, 1), formatScore(ref.normal[c]!.mean)] : []),
      formatPercent(normal[c]!.share, 1),
      formatScore(normal[c]!.mean),
      ...(ref ? [ratio(c)] : []),
      formatPercent(anomaly[c]!.share, 1),
      formatScore(anomaly[c]!.mean),
    ]),
  };
}

function breakdownLead(b: ClassBreakdown): string {
  const scale = b.reference ? `, beside its level on the ${b.reference.split} split's pixels` : '';
  return `${b.method} by the teacher's class: the share of the normal and of the anomaly pixels that the teacher gives each class, and the score's mean over them${scale}. Each image's anomaly pixels are ranked against its normal ones, so a class whose normal pixels score near the anomalies' is where the false alarms come from:`;
}

/** A metrics.json key for a name: characters other than letters, digits and _ become _. */
export function snakeKey(name: string): string {
  return name.replace(/[^\w]+/g, '_');
}

function markdownGrid({ header, rows }: Grid): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  const numeric = (i: number) => rows.length > 0 && rows.every((row) => /^[-+\d.]/.test(row[i]!));
  return [line(header), line(header.map((_, i) => (numeric(i) ? '---:' : '---'))), ...rows.map(line)];
}

function textGrid({ header, rows }: Grid): string[] {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const numeric = (i: number) => rows.length > 0 && rows.every((row) => /^[-+\d.]/.test(row[i]!));
  const line = (cells: readonly string[]) => cells.map((cell, i) => (numeric(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

export function renderMarkdown(report: ResultsReport): string {
  const out: string[] = [];
  if (report.title) out.push(`# ${report.title}`, '');
  for (const table of report.tables) {
    out.push(`## ${table.title}`, '', ...markdownGrid(methodGrid(table)));
    const note = skippedNote(table);
    if (note) out.push('', note + '.');
    if (table.comparisons?.length) {
      out.push('', 'Paired per image (differences in percentage points; 95% bootstrap interval over images; share of images where the method does better):', '');
      out.push(...markdownGrid(comparisonGrid(table.comparisons)), '');
      for (const c of table.comparisons) out.push(`- ${describeComparison(c)}`);
    }
    if (table.breakdown) out.push('', breakdownLead(table.breakdown), '', ...markdownGrid(breakdownGrid(table.breakdown)));
    out.push('');
  }
  for (const section of Object.values(report.sections ?? {})) {
    out.push(`## ${section.title}`, '', '| | |', '| --- | ---: |');
    for (const entry of Object.values(section.entries)) out.push(`| ${entryLabel(entry).replaceAll('|', '\\|')} | ${formatEntry(entry).replaceAll('|', '\\|')} |`);
    out.push('');
  }
  return out.join('\n');
}

export function renderText(report: ResultsReport): string {
  const out: string[] = [];
  if (report.title) out.push(report.title, '');
  for (const table of report.tables) {
    out.push(table.title, ...textGrid(methodGrid(table)));
    const note = skippedNote(table);
    if (note) out.push(note);
    const shown = (table.comparisons ?? []).filter((c) => table.headline === undefined || c.key === table.headline);
    if (shown.length) out.push('', ...shown.map(describeComparison));
    out.push('');
  }
  for (const section of Object.values(report.sections ?? {})) {
    out.push(section.title);
    const width = Math.max(0, ...Object.values(section.entries).map((e) => entryLabel(e).length));
    for (const entry of Object.values(section.entries)) out.push(`  ${entryLabel(entry).padEnd(width)}  ${formatEntry(entry)}`);
    out.push('');
  }
  return out.join('\n');
}

export const METRICS_SCHEMA_VERSION = 2;

function summaryJson(m: AnomalySummary): Record<string, number | null> {
  return {
    auroc: m.auroc,
    aupr: m.aupr,
    fpr95: m.fpr95,
    cfpr: m.cfpr,
    efpr: m.efpr,
    images_scored: m.imagesScored,
    images_without_anomaly: m.imagesWithoutAnomaly,
    images_without_known_pixel: m.imagesWithoutKnownPixel,
    images_without_cfpr: m.imagesWithoutCfpr,
    images_without_efpr: m.imagesWithoutEfpr,
  };
}

function pooledJson(p: PooledSummary | null): Record<string, number> | null {
  return p && { auroc: p.auroc, aupr: p.aupr, fpr95: p.fpr95, anomaly_pixels: p.anomalyPixels, normal_pixels: p.normalPixels };
}

function breakdownJson(b: ClassBreakdown): Record<string, unknown> {
  return {
    method: b.methodKey,
    reference_split: b.reference?.split ?? null,
    normal_pixels: b.levels.normalPixels,
    anomaly_pixels: b.levels.anomalyPixels,
    classes: Object.fromEntries(
      b.classes.map((name, c) => [
        snakeKey(name),
        {
          ...(b.reference ? { reference_share: b.reference.normal[c]!.share, reference_mean: b.reference.normal[c]!.mean } : {}),
          normal_share: b.levels.normal[c]!.share,
          normal_mean: b.levels.normal[c]!.mean,
          anomaly_share: b.levels.anomaly[c]!.share,
          anomaly_mean: b.levels.anomaly[c]!.mean,
        },
      ]),
    ),
  };
}

function differenceJson(d: PairedDifference): Record<string, number | null> {
  const n = (x: number): number | null => (Number.isNaN(x) ? null : x);
  return { mean_difference: n(d.meanDifference), ci_low: n(d.low), ci_high: n(d.high), win_rate: n(d.winRate), images: d.images };
}

/** metrics.json: see docs/metrics-json.md. */
export function reportJson(report: ResultsReport): Record<string, unknown> {
  const splits: Record<string, unknown> = {};
  for (const table of report.tables) {
    const comparisons: Record<string, Record<string, unknown>> = {};
    for (const c of table.comparisons ?? []) {
      (comparisons[c.againstKey] ??= {})[c.key] = Object.fromEntries(PAIRED_METRICS.map((m) => [m, differenceJson(c.differences[m])]));
    }
    splits[table.key] = {
      title: table.title,
      methods: Object.fromEntries(table.methods.map((m) => [m.key, { name: m.method, kind: m.kind ?? null, ...summaryJson(m.metrics), ...(m.pooled !== undefined ? { pooled: pooledJson(m.pooled) } : {}) }])),
      comparisons,
      ...(table.breakdown ? { score_by_class: breakdownJson(table.breakdown) } : {}),
    };
  }
  const sections = Object.fromEntries(
    Object.entries(report.sections ?? {}).map(([key, section]) => [key, Object.fromEntries(Object.entries(section.entries).map(([k, e]) => [k, e.value]))]),
  );
  return { schema_version: METRICS_SCHEMA_VERSION, ...(report.title ? { title: report.title } : {}), splits, ...sections };
}
