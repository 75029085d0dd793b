import { suite } from 'uvu';
import * as ops from '../src/graph/ops';
import { Tensor } from '../src/graph';
import { conv2dOutputSize, type Conv2dGeometry } from '../src/kernels/conv2d';
import type { Tiling } from '../src/kernels/rowblocking';
import { checkOp } from './support/gradcheck';
import { testRuntime } from './support/runtime';
import { assertShapeError } from './support/shapeerror';
import * as ref from './reference/conv2d';

const test = suite('conv2d');

interface Case {
  g: Conv2dGeometry;
  bias: boolean;
  /** Also run with uniform row loads (the blocked kernels' path on devices without subgroups). */
  uniform?: boolean;
}

const geometry = (n: number, cIn: number, h: number, w: number, cOut: number, k: number, stride: number, padding: number, dilation: number): Conv2dGeometry =>
  ({ n, cIn, h, w, cOut, kh: k, kw: k, stride, padding, dilation });

const cases: Case[] = [
  { g: geometry(1, 3, 7, 9, 5, 3, 1, 1, 1), bias: true },
  { g: geometry(3, 5, 13, 11, 17, 3, 2, 1, 1), bias: true, uniform: true },
  { g: geometry(1, 17, 13, 11, 5, 3, 1, 2, 2), bias: false, uniform: true },
  { g: geometry(3, 3, 7, 9, 5, 3, 1, 4, 4), bias: true },
  { g: geometry(3, 33, 7, 9, 17, 1, 1, 0, 1), bias: true },
  { g: geometry(1, 3, 13, 11, 5, 7, 2, 3, 1), bias: false },
  { g: geometry(3, 5, 9, 7, 3, 1, 2, 0, 1), bias: false },
  // stride 3: nine phases of the input in the blocked grad input, some reached by one tap row only
  { g: geometry(2, 4, 11, 10, 6, 5, 3, 2, 1), bias: false },
  { g: geometry(3, 4, 13, 11, 9, 3, 1, 0, 1), bias: true },
  // more output channels and pixels than one blocked workgroup covers
  { g: geometry(3, 5, 17, 13, 33, 3, 1, 1, 1), bias: true },
  // the widest register block (32 rows), twice over the output channels
  { g: geometry(1, 32, 7, 9, 64, 3, 1, 1, 1), bias: true, uniform: true },
];

const describe = ({ g, bias }: Case): string =>
  `n${g.n} c${g.cIn}->${g.cOut} ${g.h}x${g.w} k${g.kh} s${g.stride} p${g.padding} d${g.dilation}${bias ? ' bias' : ''}`;

for (const tiling of ['blocked', 'blocked-uniform', 'tiled'] as Tiling[]) {
  for (const c of cases.filter((c) => tiling !== 'blocked-uniform' || c.uniform)) {
    test(`${tiling} ${describe(c)}`, async () => {
      const rt = await testRuntime();
      const { g } = c;
      const { ho, wo } = conv2dOutputSize(g);
      const options = { stride: g.stride, padding: g.padding, dilation: g.dilation, tiling };
      const inputs = [{ shape: [g.n, g.cIn, g.h, g.w] }, { shape: [g.cOut, g.cIn, g.kh, g.kw] }, ...(c.bias ? [{ shape: [g.cOut] }] : [])];
      console.log(
        await checkOp(rt, {
          name: `conv2d ${tiling} ${describe(c)}`,
          inputs,
          outputShape: [g.n, g.cOut, ho, wo],
          gpu: ([x, w, b]) => ops.conv2d(x!, w!, b ?? null, options),
          reference: ([x, w, b]) => ref.conv2d(x!, w!, b ?? null, g),
          referenceGrad: ([x, w], gy) => [ref.conv2dGradInput(w!, gy, g), ref.conv2dGradWeight(x!, gy, g), ...(c.bias ? [ref.conv2dGradBias(gy, g)] : [])],
          forwardTol: { atol: 1e-4, rtol: 1e-3 },
          fdSamples: 12,
        }),
      );
    });
  }
}

test('bad shapes throw ShapeError naming conv2d and both shapes', async () => {
  const rt = await testRuntime();
  const x = Tensor.from(rt, new Float32Array(2 * 3 * 5 * 5), [2, 3, 5, 5]);
  const w = Tensor.from(rt, new Float32Array(4 * 2 * 3 * 3), [4, 2, 3, 3]);
  assertShapeError(rt, 'conv2d', [[2, 3, 5, 5], [4, 2, 3, 3]], () => ops.conv2d(x, w, null));
  const w3 = Tensor.from(rt, new Float32Array(4 * 3 * 3 * 3), [4, 3, 3, 3]);
  const b = Tensor.from(rt, new Float32Array(5), [5]);
  assertShapeError(rt, 'conv2d', [[5], [4, 3, 3, 3]], () => ops.conv2d(x, w3, b));
  const big = Tensor.from(rt, new Float32Array(4 * 3 * 7 * 7), [4, 3, 7, 7]);
  assertShapeError(rt, 'conv2d', [[2, 3, 5, 5], [4, 3, 7, 7]], () => ops.conv2d(x, big, null));
  for (const t of [x, w, w3, b, big]) t.release();
});

test.run();
