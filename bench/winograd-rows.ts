// `node bench/ops.js --winograd`: the direct conv against Winograd F(2x2, 3x3),
// F(4x4, 3x3) and F(6x6, 3x3) on the 3x3 stride-1 shapes the tiny network runs, forward and
// grad input. GFLOP/s count the direct conv's FLOPs for every algorithm (the
// GFLOP-equivalent), so the ratio is the speed-up. The candidates take turns,
// round after round, and each keeps its best round: a burst of other work on
// the machine then hurts all of them alike. On a software adapter the GPU's
// work runs on this process's threads, so the CPU time they take is measured
// too: other work on the machine stretches the wall clock far more than it
// (at a load average of 9 on 2 CPUs, one row's wall-clock ratio went from 3.5x
// in one run to 1.4x in the next, its CPU-time ratio stayed at 1.4-1.5x).

import { cpuClock } from '../src/cli/conv-tuning';
import type { GpuBuffer, GpuRuntime } from '../src/gpu';
import { convAlgorithms, convForward, convGradInput, tileOf, winogradAlgorithms, type ConvAlgorithm, type WinogradAlgorithm } from '../src/kernels/conv2dalgorithm';
import { convFlop, convInputs, type ConvShape } from './op-cases';
import { fmt } from './op-report';
import { gflops } from './timing';

/** F(2x2), F(4x4), ...: how the tables name each Winograd algorithm. */
const tileName = (a: WinogradAlgorithm): string => `F(${tileOf[a]}x${tileOf[a]})`;
const tuned = ['forward', 'gradInput'] as const;

type Speeds = Record<(typeof tuned)[number], Record<ConvAlgorithm, number>>;

export interface WinogradRow {
  label: string;
  /** Per direction, per algorithm: GFLOP-equivalent per wall-clock second. */
  gflops: Speeds;
  /** The same per CPU-second of this process (software adapters only). */
  cpuGflops: Speeds | null;
}

/** `launches` launches per round, `rounds` rounds. */
export async function measureWinograd(rt: GpuRuntime, shapes: readonly ConvShape[], rounds: number, launches: number): Promise<WinogradRow[]> {
  const rows: WinogradRow[] = [];
  const software = rt.adapter.software;
  for (const shape of shapes) {
    const data = convInputs(shape.g);
    const [x, weight, weightSource, dy] = [data.x, data.weight, data.weight, data.dy].map((d) => rt.upload(d)) as [GpuBuffer, GpuBuffer, GpuBuffer, GpuBuffer];
    const row: WinogradRow = { label: shape.label, gflops: { forward: {}, gradInput: {} } as Speeds, cpuGflops: software ? ({ forward: {}, gradInput: {} } as Speeds) : null };
    for (const direction of tuned) {
      // The weights are rewritten before each launch, as in a training step, so none reuses kernels transformed for an earlier one (src/gpu/derived.ts).
      const launch = (algorithm: ConvAlgorithm) => {
        rt.copy(weightSource, weight, weight.bytes);
        return direction === 'forward' ? convForward(rt, x, weight, null, shape.g, null, { algorithm }) : convGradInput(rt, dy, weight, shape.g, { algorithm });
      };
      for (const algorithm of convAlgorithms) rt.pool.release(launch(algorithm));
      const wall = new Map<ConvAlgorithm, number>();
      const cpu = new Map<ConvAlgorithm, number>();
      for (let round = 0; round < rounds; round++) {
        for (const algorithm of convAlgorithms) {
          await rt.sync();
          const [wall0, cpu0] = [performance.now(), cpuClock()];
          for (let i = 0; i < launches; i++) rt.pool.release(launch(algorithm));
          await rt.sync();
          wall.set(algorithm, Math.min(wall.get(algorithm) ?? Infinity, (performance.now() - wall0) / launches));
          cpu.set(algorithm, Math.min(cpu.get(algorithm) ?? Infinity, (cpuClock() - cpu0) / launches));
        }
      }
      for (const algorithm of convAlgorithms) {
        row.gflops[direction][algorithm] = gflops(convFlop(shape.g), wall.get(algorithm)!);
        if (row.cpuGflops) row.cpuGflops[direction][algorithm] = gflops(convFlop(shape.g), cpu.get(algorithm)!);
      }
      const line = (g: Record<ConvAlgorithm, number>, unit: string) =>
        `direct ${fmt(g.direct)} | ${winogradAlgorithms.map((a) => `${tileName(a)} ${fmt(g[a])} (${fmt(g[a] / g.direct)}x)`).join(' | ')} ${unit}`;
      console.log(`    ${direction.padEnd(10)} ${line(row.gflops[direction], 'GFLOP/s')}`);
      if (row.cpuGflops) console.log(`    ${''.padEnd(10)} ${line(row.cpuGflops[direction], 'GFLOP per CPU-second')}`);
    }
    for (const b of [x, weight, weightSource, dy]) rt.pool.release(b);
    rows.push(row);
  }
  return rows;
}

/** One table per measure: wall clock, and CPU time where measured. */
export function renderWinograd(rows: readonly WinogradRow[]): string {
  const table = (unit: string, speeds: (row: WinogradRow) => Speeds | null) => {
    const headers = tuned.flatMap((direction) => {
      const short = direction === 'forward' ? 'fwd' : 'gradIn';
      return [`${short} direct`, ...winogradAlgorithms.map((a) => `${short} ${tileName(a)}`), ...winogradAlgorithms.map((a) => `${short} ${tileName(a)} / direct`)];
    });
    const lines = [`| shape (${unit}) | ${headers.join(' | ')} |`, `| --- |${' ---: |'.repeat(headers.length)}`];
    for (const row of rows) {
      const s = speeds(row);
      if (!s) return null;
      const cells = [row.label];
      for (const direction of tuned) {
        const g = s[direction];
        cells.push(fmt(g.direct), ...winogradAlgorithms.map((a) => fmt(g[a])), ...winogradAlgorithms.map((a) => `${fmt(g[a] / g.direct)}x`));
      }
      lines.push(`| ${cells.join(' | ')} |`);
    }
    return lines.join('\n');
  };
  return [table('GFLOP/s', (r) => r.gflops), table('GFLOP per CPU-second', (r) => r.cpuGflops)].filter((t) => t !== null).join('\n\n');
}
