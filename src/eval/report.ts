// The results table of the paper (one row per scoring method, AUROC / AUPR /
// FPR95 / cFPR / eFPR in %), as Markdown, as console text and as the JSON of
// metrics.json, followed by free key/value sections (teacher mIoU, timings).

import type { AnomalySummary } from './aggregate';

export interface MethodResult {
  readonly method: string;
  readonly metrics: AnomalySummary;
}

export type SectionValue = string | number | boolean | null;

export interface ResultsReport {
  readonly title?: string;
  readonly methods: readonly MethodResult[];
  /** Section name -> key -> value, printed in insertion order. */
  readonly sections?: Readonly<Record<string, Readonly<Record<string, SectionValue>>>>;
}

const COLUMNS = [
  ['AUROC', 'auroc'],
  ['AUPR', 'aupr'],
  ['FPR95', 'fpr95'],
  ['cFPR', 'cfpr'],
  ['eFPR', 'efpr'],
] as const;

export function formatPercent(fraction: number | null, digits = 2): string {
  return fraction === null ? '-' : (100 * fraction).toFixed(digits);
}

function formatValue(value: SectionValue): string {
  if (value === null) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, '');
  return String(value);
}

function tableCells(report: ResultsReport): { header: string[]; rows: string[][] } {
  const header = ['Method', ...COLUMNS.map(([name]) => `${name} %`), 'Images'];
  const rows = report.methods.map(({ method, metrics }) => [
    method,
    ...COLUMNS.map(([, key]) => formatPercent(metrics[key])),
    String(metrics.imagesScored),
  ]);
  return { header, rows };
}

function skippedNote(report: ResultsReport): string | null {
  const first = report.methods[0]?.metrics;
  if (!first) return null;
  const parts = [`${first.imagesWithoutAnomaly} image(s) without anomaly pixels skipped`];
  if (first.imagesWithoutKnownPixel) parts.push(`${first.imagesWithoutKnownPixel} without known pixels skipped`);
  for (const [metric, key] of [['cFPR', 'imagesWithoutCfpr'], ['eFPR', 'imagesWithoutEfpr']] as const) {
    const counts = report.methods.map((m) => m.metrics[key]);
    if (counts.every((count) => count === 0)) continue;
    const detail = counts.every((count) => count === counts[0])
      ? `${counts[0]} image(s)`
      : report.methods.map((m) => `${m.method}: ${m.metrics[key]}`).join(', ');
    parts.push(`${metric} undefined for ${detail} (no ${metric === 'cFPR' ? 'correctly classified' : 'misclassified'} known pixel or no prediction)`);
  }
  return parts.join('; ');
}

export function renderMarkdown(report: ResultsReport): string {
  const { header, rows } = tableCells(report);
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  const out: string[] = [];
  if (report.title) out.push(`## ${report.title}`, '');
  out.push(line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line));
  const note = skippedNote(report);
  if (note) out.push('', note + '.');
  for (const [section, entries] of Object.entries(report.sections ?? {})) {
    out.push('', `### ${section}`, '', '| | |', '| --- | ---: |');
    for (const [key, value] of Object.entries(entries)) out.push(line([key, formatValue(value)]));
  }
  return out.join('\n') + '\n';
}

export function renderText(report: ResultsReport): string {
  const { header, rows } = tableCells(report);
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const out: string[] = [];
  if (report.title) out.push(report.title);
  out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line));
  const note = skippedNote(report);
  if (note) out.push(note);
  for (const [section, entries] of Object.entries(report.sections ?? {})) {
    out.push('', section);
    const keyWidth = Math.max(0, ...Object.keys(entries).map((key) => key.length));
    for (const [key, value] of Object.entries(entries)) out.push(`  ${key.padEnd(keyWidth)}  ${formatValue(value)}`);
  }
  return out.join('\n') + '\n';
}

/** metrics.json: metric values as fractions in [0, 1] (not %), with the image counts. */
export function reportJson(report: ResultsReport): Record<string, unknown> {
  return {
    ...(report.title ? { title: report.title } : {}),
    methods: report.methods.map(({ method, metrics }) => ({ method, ...metrics })),
    sections: report.sections ?? {},
  };
}
