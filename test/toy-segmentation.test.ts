// A small conv net with everything DiCNet's networks use (conv, batch norm,
// residual add, pyramid pooling + upsample + concat, cross-entropy, Adam) learns
// a toy segmentation task; training is reproducible to the byte; the buffer pool
// reaches a steady state.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../src/base/random';
import type { GpuRuntime } from '../src/gpu';
import { Module } from '../src/graph/module';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d } from '../src/graph/nn';
import { Adam } from '../src/graph/optim';
import { LabelMap } from '../src/graph/labels';
import { add, backward, beginScope, concatChannels, crossEntropy, relu, upsampleBilinear, Tensor } from '../src/graph';
import { testRuntime } from './support/runtime';

const test = suite('toy segmentation net');
const [N, H, W, classes] = [4, 12, 18, 3];

class ToyNet extends Module {
  readonly stem: Conv2d;
  readonly bn: BatchNorm2d;
  readonly block: Conv2d;
  readonly blockBn: BatchNorm2d;
  readonly pool = new AdaptiveAvgPool2d(2);
  readonly reduce: Conv2d;
  readonly classifier: Conv2d;

  constructor(rt: GpuRuntime, rng: Random) {
    super();
    this.stem = new Conv2d(rt, rng, 3, 8, 3, { padding: 1 });
    this.bn = new BatchNorm2d(rt, 8);
    this.block = new Conv2d(rt, rng, 8, 8, 3, { padding: 2, dilation: 2 });
    this.blockBn = new BatchNorm2d(rt, 8);
    this.reduce = new Conv2d(rt, rng, 8, 4, 1);
    this.classifier = new Conv2d(rt, rng, 12, classes, 1, { bias: true });
  }

  forward(x: Tensor): Tensor {
    const stem = relu(this.bn.forward(this.stem.forward(x)));
    const res = relu(add(this.blockBn.forward(this.block.forward(stem)), stem));
    const pooled = upsampleBilinear(this.reduce.forward(this.pool.forward(res)), H, W, { alignCorners: false });
    return this.classifier.forward(concatChannels([res, pooled]));
  }
}

/** Images of random colours; a pixel's class is its strongest channel. */
function toyData(): { images: Float32Array; labels: Int32Array } {
  const rng = new Random(77);
  const images = new Float32Array(N * 3 * H * W);
  const labels = new Int32Array(N * H * W);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < H * W; p++) {
      let best = 0;
      for (let c = 0; c < 3; c++) {
        const v = rng.next() * 2 - 1;
        images[(n * 3 + c) * H * W + p] = v;
        if (v > images[(n * 3 + best) * H * W + p]!) best = c;
      }
      labels[n * H * W + p] = best;
    }
  }
  return { images, labels };
}

async function train(rt: GpuRuntime, steps: number): Promise<{ losses: number[]; weights: Uint8Array; inUse: number[] }> {
  const net = new ToyNet(rt, new Random(1));
  const opt = new Adam(net.namedParameters().map(([name, param]) => ({ name, param })), 0.03);
  const { images, labels } = toyData();
  const losses: number[] = [];
  const inUse: number[] = [];
  for (let step = 0; step < steps; step++) {
    const scope = beginScope();
    const x = Tensor.from(rt, images, [N, 3, H, W]);
    const y = LabelMap.from(rt, labels, [N, H, W]);
    const loss = crossEntropy(net.forward(x), y, 255);
    backward(loss);
    opt.step();
    losses.push((await loss.read())[0]!);
    scope.end();
    inUse.push(rt.pool.stats().bytesInUse);
  }
  const state = [...net.stateDict().values()].filter((v): v is Tensor => v instanceof Tensor);
  const weights = await rt.readMany(state.map((t) => ({ buffer: t.buffer, bytes: t.size * 4 })));
  const bytes = new Uint8Array(weights.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of weights) {
    bytes.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  for (const t of state) t.release();
  opt.release();
  return { losses, weights: bytes, inUse };
}

test('loss falls at least 10x, the same seed gives the same weight bytes, pool memory is flat', async () => {
  const rt = await testRuntime();
  const a = await train(rt, 60);
  const first = a.losses[0]!;
  const last = a.losses[a.losses.length - 1]!;
  console.log(`toy net: loss ${first.toFixed(4)} -> ${last.toFixed(4)} (${(first / last).toFixed(1)}x) in ${a.losses.length} steps`);
  assert.ok(first / last >= 10, `loss fell only ${(first / last).toFixed(2)}x: ${a.losses.map((l) => l.toFixed(3)).join(' ')}`);

  console.log(`pool bytes in use after step 3: ${a.inUse[2]}, step 50: ${a.inUse[49]}, step 60: ${a.inUse[59]}`);
  assert.is(a.inUse[49], a.inUse[2], 'bytes in use after step 50 equal those after step 3');
  assert.is(a.inUse[59], a.inUse[2], 'bytes in use after step 60 equal those after step 3');

  const b = await train(rt, 60);
  assert.ok(b.weights.length > 0 && a.weights.length === b.weights.length);
  assert.ok(
    a.weights.every((v, i) => v === b.weights[i]),
    'two runs from the same seed end with the same weight bytes',
  );
});

test.run();
