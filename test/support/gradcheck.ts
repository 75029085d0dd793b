// The check every op passes: forward against the float64 CPU reference, the
// analytic backward against the reference's backward, and both against central
// finite differences of the float64 reference forward.
import * as assert from 'uvu/assert';
import type { GpuRuntime } from '../../src/gpu';
import { Tensor, backward, beginScope } from '../../src/graph';
import { randomArray } from './random';

export interface InputSpec {
  shape: number[];
  /** Values; random in [lo, hi) when absent. */
  data?: Float64Array;
  lo?: number;
  hi?: number;
  /** Whether the op is differentiated with respect to this input (default true). */
  grad?: boolean;
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface OpCase {
  name: string;
  inputs: InputSpec[];
  outputShape: number[];
  gpu: (xs: Tensor[]) => Tensor;
  reference: (xs: Float64Array[]) => Float64Array;
  referenceGrad: (xs: Float64Array[], gy: Float64Array) => (Float64Array | null)[];
  forwardTol?: Tolerance;
  backwardTol?: Tolerance;
  /** Elements per input checked by finite differences (default 24). */
  fdSamples?: number;
  fdStep?: number;
  seed?: number;
}

export interface Mismatch {
  maxAbs: number;
  maxRel: number;
  worst: number;
}

const defaultForward: Tolerance = { atol: 1e-5, rtol: 1e-3 };
const defaultBackward: Tolerance = { atol: 1e-4, rtol: 1e-3 };

/** Largest error of `got` against `want`; worst is the index that most exceeds atol + rtol * |want|. */
export function compare(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): Mismatch & { ok: boolean } {
  let maxAbs = 0;
  let maxRel = 0;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const abs = Math.abs(g - w);
    const excess = Number.isFinite(g) ? abs - (tol.atol + tol.rtol * Math.abs(w)) : Infinity;
    maxAbs = Math.max(maxAbs, abs);
    maxRel = Math.max(maxRel, abs / Math.max(Math.abs(w), 1e-12));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  return { maxAbs, maxRel, worst, ok: worst < 0 && got.length === want.length };
}

function assertClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): Mismatch {
  const m = compare(got, want, tol);
  if (!m.ok) {
    const at = m.worst >= 0 ? ` worst at [${m.worst}]: got ${got[m.worst]}, want ${want[m.worst]}` : ` lengths ${got.length} vs ${want.length}`;
    assert.unreachable(`${what}: max abs err ${m.maxAbs.toExponential(2)}, max rel err ${m.maxRel.toExponential(2)};${at}`);
  }
  return m;
}

const maxAbsOf = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function sampleIndices(n: number, count: number, seed: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const r = randomArray(count, seed, 0, 1);
  const picked = new Set<number>([0, n - 1]);
  for (let i = 0; picked.size < count && i < count; i++) picked.add(Math.floor(r[i]! * n));
  return [...picked];
}

/** Runs the full check of one op on one case; returns the errors seen, for the log. */
export async function checkOp(rt: GpuRuntime, c: OpCase): Promise<string> {
  const seed = c.seed ?? 1;
  const xs = c.inputs.map((spec, k) => spec.data ?? randomArray(spec.shape.reduce((a, b) => a * b, 1), seed * 100 + k, spec.lo ?? -1, spec.hi ?? 1));
  const scope = beginScope();
  try {
    const tensors = c.inputs.map((spec, k) => {
      const t = Tensor.from(rt, xs[k]!, spec.shape);
      t.requiresGrad = spec.grad !== false;
      return t;
    });
    const y = c.gpu(tensors);
    assert.equal([...y.shape], c.outputShape, `${c.name}: output shape`);
    const want = c.reference(xs);
    const forward = assertClose(`${c.name} forward`, await y.read(), want, c.forwardTol ?? defaultForward);

    const gy = randomArray(want.length, seed * 100 + 99);
    backward(y, Tensor.from(rt, gy, y.shape));
    const refGrads = c.referenceGrad(xs, gy);
    const step = c.fdStep ?? 1e-6;
    const parts = [`fwd abs ${forward.maxAbs.toExponential(1)}`];
    for (let k = 0; k < c.inputs.length; k++) {
      if (c.inputs[k]!.grad === false) continue;
      const grad = tensors[k]!.grad;
      const ref = refGrads[k];
      assert.ok(grad, `${c.name}: input ${k} got no gradient`);
      assert.ok(ref, `${c.name}: reference gives no gradient for input ${k}`);
      const got = await grad!.read();
      const tol = c.backwardTol ?? { ...defaultBackward, atol: defaultBackward.atol * Math.max(1, maxAbsOf(ref!)) };
      const vsRef = assertClose(`${c.name} grad of input ${k} vs reference`, got, ref!, tol);

      const idx = sampleIndices(xs[k]!.length, c.fdSamples ?? 24, seed * 7 + k);
      const fd = new Float64Array(idx.length);
      const gotAt = idx.map((i) => got[i]!);
      const refAt = idx.map((i) => ref![i]!);
      idx.forEach((i, j) => {
        const x = xs[k]!;
        const orig = x[i]!;
        x[i] = orig + step;
        const plus = dot(c.reference(xs), gy);
        x[i] = orig - step;
        const minus = dot(c.reference(xs), gy);
        x[i] = orig;
        fd[j] = (plus - minus) / (2 * step);
      });
      const fdScale = Math.max(1, maxAbsOf(fd));
      assertClose(`${c.name} reference grad of input ${k} vs finite differences`, refAt, fd, { atol: 1e-5 * fdScale, rtol: 1e-4 });
      const vsFd = assertClose(`${c.name} grad of input ${k} vs finite differences`, gotAt, fd, tol);
      parts.push(`grad${k} abs ${vsRef.maxAbs.toExponential(1)} rel ${vsRef.maxRel.toExponential(1)} fd ${vsFd.maxAbs.toExponential(1)}`);
    }
    return `${c.name}: ${parts.join(', ')}`;
  } finally {
    scope.end();
  }
}
