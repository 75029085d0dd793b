// Host-clock timing of GPU work, the same for every system compared: a sample
// records a batch of iterations and waits for the GPU before the clock stops,
// so it measures finished work, not queued commands.

export interface TimingPlan {
  /** Samples taken at least, unless one iteration alone outlasts the budget. */
  minSamples: number;
  maxSamples: number;
  /** Iterations are batched until a sample lasts this long, so that the cost of one sync (0.2-1.2 ms on lavapipe) stays small. */
  minSampleMs: number;
  /** No further samples past this much time once minSamples are taken. */
  budgetMs: number;
}

export interface Timing {
  /** Milliseconds per iteration: median and best over the samples. */
  medianMs: number;
  bestMs: number;
  samples: number;
  iterationsPerSample: number;
}

export const fullPlan: TimingPlan = { minSamples: 2, maxSamples: 7, minSampleMs: 60, budgetMs: 1500 };
export const quickPlan: TimingPlan = { minSamples: 2, maxSamples: 3, minSampleMs: 30, budgetMs: 600 };

/**
 * Times `run` (which only records or launches work) with `sync` (which waits for
 * the GPU) closing every sample. Warm up first: the first run compiles pipelines.
 */
export async function time(run: () => void, sync: () => Promise<void>, plan: TimingPlan): Promise<Timing> {
  await sync();
  const start = performance.now();
  const once = await sample(run, sync, 1);
  const iterations = Math.max(1, Math.ceil(plan.minSampleMs / Math.max(once, 1e-3)));
  // A probe that already lasted a whole sample is a sample.
  const perIteration = iterations === 1 ? [once] : [];
  while (perIteration.length < plan.maxSamples) {
    const spent = performance.now() - start;
    const next = iterations * (perIteration.length ? median(perIteration) : once);
    // One sample suffices for an op that alone outlasts the budget (a paper-size conv through TF.js on lavapipe).
    const enough = once >= plan.budgetMs ? 1 : plan.minSamples;
    if (perIteration.length >= enough && spent + next > plan.budgetMs) break;
    perIteration.push((await sample(run, sync, iterations)) / iterations);
  }
  return { medianMs: median(perIteration), bestMs: Math.min(...perIteration), samples: perIteration.length, iterationsPerSample: iterations };
}

async function sample(run: () => void, sync: () => Promise<void>, iterations: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) run();
  await sync();
  return performance.now() - t0;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function gflops(flop: number, ms: number): number {
  return flop / ms / 1e6;
}
