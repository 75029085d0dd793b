// Where a step's time goes: the per-dispatch GPU times of profiled steps
// (GpuRuntime.beginProfile), summed per kernel family and set against the
// step's own time measured without the profiler.

import type { DispatchTiming, ProfileResult } from '../src/gpu/profiler';
import { fmt } from './op-report';

export interface StepProfile extends ProfileResult {
  /** The step's median time without the profiler. */
  stepMs: number;
  /** Profiled steps whose fastest time per dispatch this holds. */
  runs: number;
}

/** A family: the shader (without the suffix of its blocked or vec4 variant) and the entry point. */
export function family(d: DispatchTiming): string {
  return `${d.shader.replace(/-(blocked|vec4|specialised)\b.*$/, '')} ${d.entryPoint}`;
}

/** The conv kernels, with the matrix products of the Winograd convs (no layer of the model is a matmul). */
const isConvShader = (d: DispatchTiming): boolean => /^(conv|matmul)/.test(d.shader);

/**
 * FLOP of a conv dispatch that computes a direction (2 per multiply-add, as
 * bench/ops.js; a grad input launched per phase of a stride counts its share;
 * a Winograd conv counts the direct conv's at its output transform, the grad
 * input as the 3x3 conv it computes, the grad weight at its transform back to
 * 3x3); 0 for any other.
 */
export function convFlop(d: DispatchTiming): number {
  const p = d.params as Record<string, number>;
  if (/^conv2dwinograd/.test(d.shader)) return /^(outputTransform|weightGradTransform)$/.test(d.entryPoint) ? 2 * p.n! * p.cOut! * p.ho! * p.wo! * p.cIn! * 9 : 0;
  if (!isConvShader(d) || !/^(forward|gradInput|gradWeight)/.test(d.entryPoint) || /Reduce/.test(d.entryPoint)) return 0;
  const share = /Phase/.test(d.entryPoint) ? 1 / (p.stride! * p.stride!) : 1;
  return 2 * p.n! * p.cOut! * p.ho! * p.wo! * p.cIn! * p.kh! * p.kw! * share;
}

/** Several profiles of the same step: each dispatch's fastest time (other work on the machine only adds). */
export function fastestOf(profiles: readonly ProfileResult[]): ProfileResult {
  const [first, ...rest] = profiles as [ProfileResult, ...ProfileResult[]];
  for (const p of rest) {
    if (p.dispatches.length !== first.dispatches.length) throw new Error(`profiles of the same step differ: ${p.dispatches.length} and ${first.dispatches.length} dispatches`);
  }
  return { ...first, dispatches: first.dispatches.map((d, i) => ({ ...d, ms: Math.min(d.ms, ...rest.map((p) => p.dispatches[i]!.ms)) })) };
}

export interface ProfileSummary {
  /** GPU time of every dispatch, and of the conv kernels alone. */
  kernelMs: number;
  convMs: number;
  convFlop: number;
}

export function summarise(p: ProfileResult): ProfileSummary {
  let kernelMs = 0;
  let convMs = 0;
  let flop = 0;
  for (const d of p.dispatches) {
    kernelMs += d.ms;
    if (isConvShader(d)) convMs += d.ms;
    flop += convFlop(d);
  }
  return { kernelMs, convMs, convFlop: flop };
}

function modeLine(p: StepProfile): string {
  return p.mode === 'timestamps'
    ? 'timestamp queries (each dispatch in its own compute pass)'
    : `synchronised per-dispatch replay (host clock, less ${fmt(p.syncOverheadMs ?? 0)} ms per empty submit and wait)`;
}

const percent = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)}`;

/** kernel | calls | ms | % of step, slowest family first, then the kernels' total and the rest of the step. */
export function renderFamilies(p: StepProfile): string {
  const families = new Map<string, { calls: number; ms: number }>();
  for (const d of p.dispatches) {
    const f = families.get(family(d)) ?? { calls: 0, ms: 0 };
    f.calls++;
    f.ms += d.ms;
    families.set(family(d), f);
  }
  const s = summarise(p);
  const lines = [
    `GPU time per kernel family, ${modeLine(p)}, each dispatch's fastest of ${p.runs} profiled steps; step ${fmt(p.stepMs)} ms without the profiler`,
    '',
    '| kernel | calls | ms | % of step |',
    '| --- | ---: | ---: | ---: |',
  ];
  for (const [name, f] of [...families].sort((a, b) => b[1].ms - a[1].ms)) lines.push(`| ${name} | ${f.calls} | ${fmt(f.ms)} | ${percent(f.ms, p.stepMs)} |`);
  lines.push(`| all kernels | ${p.dispatches.length} | ${fmt(s.kernelMs)} | ${percent(s.kernelMs, p.stepMs)} |`);
  lines.push(`| the rest (recording on the CPU, uploads, readback, waits) | - | ${fmt(Math.max(0, p.stepMs - s.kernelMs))} | ${percent(Math.max(0, p.stepMs - s.kernelMs), p.stepMs)} |`);
  return lines.join('\n');
}

function describe(d: DispatchTiming): string {
  const p = d.params as Record<string, number>;
  if (isConvShader(d) && p.kh !== undefined) {
    const extras = [p.stride! > 1 ? `s${p.stride}` : '', p.dilation! > 1 ? `d${p.dilation}` : ''].filter(Boolean).join(' ');
    return `N${p.n} C${p.cIn}->${p.cOut} ${p.h}x${p.w} ${p.kh}x${p.kw} ${extras}`.trim();
  }
  return Object.entries(p)
    .map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : v}`)
    .join(', ');
}

/** The `count` slowest dispatches: kernel | shape | ms | GFLOP/s (conv directions). */
export function renderSlowest(p: StepProfile, count: number): string {
  const lines = ['| kernel | shape / uniforms | workgroups | ms | conv GFLOP/s |', '| --- | --- | --- | ---: | ---: |'];
  for (const d of [...p.dispatches].sort((a, b) => b.ms - a.ms).slice(0, count)) {
    const flop = convFlop(d);
    lines.push(`| ${family(d)} | ${describe(d)} | ${d.workgroups.join('x')} | ${fmt(d.ms)} | ${flop ? fmt(flop / d.ms / 1e6) : '-'} |`);
  }
  return lines.join('\n');
}
