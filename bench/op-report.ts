// The op benchmark's results: the Markdown table and the targets, PASS or MISS.

import { directions, type Direction } from './op-cases';

export interface Measurement {
  /** Median milliseconds per iteration, and the best sample's. */
  ms: number;
  bestMs: number;
  gflops: number;
  samples: number;
  iterationsPerSample: number;
}

export interface DirectionResult {
  ours: Measurement;
  /** null where TF.js cannot compute this direction. */
  tfjs: Measurement | null;
  /** Largest |ours - TF.js| relative to TF.js's largest magnitude; null without a TF.js result. */
  difference: number | null;
}

export interface RowResult {
  label: string;
  group: 'matmul' | 'reference' | 'tiny' | 'paper';
  /** FLOP of one direction. */
  flop: number;
  directions: Partial<Record<Direction, DirectionResult>>;
}

const targets = { forwardRatio: 3, allDirectionsRatio: 8, shareOfMatmul: 0.6, largeGflops: 30, shareOfPeak: 0.4 };
const agreement = 1e-3;
const cannot = 'n/a (TF.js cannot)';

export function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** GFLOP/s of forward + grad input + grad weight run one after another; null if a direction is missing. */
function allDirections(row: RowResult, system: 'ours' | 'tfjs'): number | null {
  let ms = 0;
  for (const d of directions) {
    const m = row.directions[d]?.[system];
    if (!m) return null;
    ms += m.ms;
  }
  return (directions.length * row.flop) / ms / 1e6;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a != null && b != null ? a / b : null;
}

function matmulGflops(rows: readonly RowResult[]): number | null {
  return rows.find((r) => r.group === 'matmul')?.directions.forward?.ours.gflops ?? null;
}

const convRows = (rows: readonly RowResult[]) => rows.filter((r) => r.group !== 'matmul');

export function renderRows(rows: readonly RowResult[]): string {
  const matmul = matmulGflops(rows);
  const lines = [
    '| shape | ours fwd ms | ours fwd GFLOP/s | TF.js fwd GFLOP/s | fwd ours/TF.js | ours fwd+grads GFLOP/s | TF.js fwd+grads GFLOP/s | fwd+grads ours/TF.js | ours % of our matmul (fwd / gradIn / gradW) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const forward = row.directions.forward;
    const disagrees = directions.some((d) => (row.directions[d]?.difference ?? 0) > agreement);
    const label = `${row.group === 'matmul' ? '' : `${row.group}: `}${row.label}${disagrees ? ' (DISAGREES with TF.js)' : ''}`;
    const ourAll = allDirections(row, 'ours');
    const peerAll = allDirections(row, 'tfjs');
    const share = directions.map((d) => {
      const g = row.directions[d]?.ours.gflops;
      return g != null && matmul ? ((100 * g) / matmul).toFixed(0) : '-';
    });
    const cells = [
      label,
      forward ? fmt(forward.ours.ms) : '-',
      forward ? fmt(forward.ours.gflops) : '-',
      forward?.tfjs ? fmt(forward.tfjs.gflops) : '-',
      fmtRatio(ratio(forward?.ours.gflops, forward?.tfjs?.gflops)),
      ourAll != null ? fmt(ourAll) : '-',
      row.group === 'matmul' ? '-' : peerAll != null ? fmt(peerAll) : cannot,
      fmtRatio(ratio(ourAll, peerAll)),
      row.group === 'matmul' ? '100' : share.join(' / '),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function fmtRatio(r: number | null): string {
  return r == null ? '-' : `${fmt(r)}x`;
}

interface Check {
  what: string;
  value: number;
}

function verdict(name: string, checks: readonly Check[], limit: number, unit: (v: number) => string): string {
  if (checks.length === 0) return `n/a  ${name}: nothing measured`;
  const misses = checks.filter((c) => c.value < limit);
  const worst = checks.reduce((a, b) => (b.value < a.value ? b : a));
  const status = misses.length === 0 ? 'PASS' : 'MISS';
  return `${status} ${name}: ${checks.length - misses.length} of ${checks.length} meet it; worst ${unit(worst.value)} (${worst.what})`;
}

/** The matmul and the reference shape's directions: the large products whose speed is the kernels' own. */
function largeProducts(rows: readonly RowResult[]): Check[] {
  return rows
    .filter((r) => r.group === 'matmul' || r.group === 'reference')
    .flatMap((r) => directions.flatMap((d) => {
      const g = r.directions[d]?.ours.gflops;
      return g == null ? [] : [{ what: r.group === 'matmul' ? r.label : `${d}, ${r.label}`, value: g }];
    }));
}

/** `peak`: the adapter's arithmetic peak measured in the same run (bench/peak.ts). */
export function renderTargets(rows: readonly RowResult[], peak: number): string[] {
  const convs = convRows(rows);
  const forward: Check[] = [];
  const all: Check[] = [];
  const share: Check[] = [];
  const matmul = matmulGflops(rows);
  for (const row of convs) {
    const f = ratio(row.directions.forward?.ours.gflops, row.directions.forward?.tfjs?.gflops);
    if (f != null) forward.push({ what: row.label, value: f });
    const a = ratio(allDirections(row, 'ours'), allDirections(row, 'tfjs'));
    if (a != null) all.push({ what: row.label, value: a });
    for (const d of directions) {
      const g = row.directions[d]?.ours.gflops;
      if (g != null && matmul) share.push({ what: `${d}, ${row.label}`, value: g / matmul });
    }
  }
  const times = (v: number) => `${fmt(v)}x`;
  return [
    verdict(`conv fwd >= ${targets.forwardRatio}x TF.js`, forward, targets.forwardRatio, times),
    verdict(`conv fwd+both grads >= ${targets.allDirectionsRatio}x TF.js (shapes TF.js can take gradients of)`, all, targets.allDirectionsRatio, times),
    verdict(
      `every conv direction >= ${100 * targets.shareOfMatmul}% of our matmul ${matmul ? `(${fmt(matmul)} GFLOP/s)` : ''}`.trim(),
      share,
      targets.shareOfMatmul,
      (v) => `${(100 * v).toFixed(0)}%`,
    ),
    verdict(`matmul and the reference conv's directions >= ${targets.largeGflops} GFLOP/s`, largeProducts(rows), targets.largeGflops, (v) => `${fmt(v)} GFLOP/s`),
    verdict(
      `matmul and the reference conv's directions >= ${100 * targets.shareOfPeak}% of the arithmetic peak (${fmt(peak)} GFLOP/s)`,
      largeProducts(rows).map((c) => ({ ...c, value: c.value / peak })),
      targets.shareOfPeak,
      (v) => `${(100 * v).toFixed(0)}%`,
    ),
  ];
}

/** One line: does every result that TF.js also computed agree with it? */
export function renderAgreement(rows: readonly RowResult[]): string {
  const checked = rows.flatMap((r) => directions.flatMap((d) => {
    const difference = r.directions[d]?.difference;
    return difference == null ? [] : [{ what: `${d}, ${r.label}`, difference }];
  }));
  const bad = checked.filter((c) => c.difference > agreement);
  const worst = Math.max(0, ...checked.map((c) => c.difference));
  if (bad.length === 0) return `agreement with TF.js: all ${checked.length} checked outputs within ${agreement} relative (worst ${worst.toExponential(1)})`;
  return `agreement with TF.js: ${bad.length} of ${checked.length} outputs DISAGREE: ${bad.map((c) => `${c.what} (${c.difference.toExponential(1)})`).join('; ')}`;
}
