import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ANOMALY_LABEL, IGNORE_LABEL } from '../src/base/labels';
import { Random } from '../src/base/random';
import { beginScope, noGrad, Tensor } from '../src/graph';
import { Adam } from '../src/graph/optim';
import { shapedConfig } from '../src/model/config';
import { Student, Teacher } from '../src/model/networks';
import { distillStep, OUTLIER_WEIGHT, type StudentOutliers } from '../src/model/steps';
import * as refDistance from './reference/featuredistance';
import * as ref from './reference/kldistill';
import { testRuntime } from './support/runtime';

const test = suite('outlier exposure: the distillation step\'s target');

const [N, H, W] = [2, 32, 48];
const config = shapedConfig('tiny', { numClasses: 11, inputHeight: H, inputWidth: W });

function batch() {
  const rng = new Random(9);
  const images = Float32Array.from({ length: N * 3 * H * W }, () => 2 * rng.next() - 1);
  const labels = new Int32Array(N * H * W).fill(IGNORE_LABEL);
  // Image 1: rows 8..23, columns 16..31 painted, four whole 8x8 feature cells.
  for (let y = 8; y < 24; y++) for (let x = 16; x < 32; x++) labels[H * W + y * W + x] = ANOMALY_LABEL;
  return { size: N, height: H, width: W, images, labels };
}

/** The step's loss, and the float64 mean KL of the same student's feature to the teacher's scaled by `factor` on the painted cells, which weigh OUTLIER_WEIGHT. */
async function stepAndReference(outliers: StudentOutliers, factor: number, loss: 'kl' | 'mse' = 'kl'): Promise<{ loss: number; expected: number }> {
  const rt = await testRuntime();
  const rng = new Random(4);
  const teacher = new Teacher(rt, rng, config).freeze().eval();
  const student = new Student(rt, rng, config).train();
  const b = batch();
  const scope = beginScope();
  let features: [Float32Array, Float32Array];
  let shape: number[];
  try {
    const image = Tensor.from(rt, b.images, [N, 3, H, W]);
    const [t, s] = noGrad(() => [teacher.feature(image), student.feature(image)]);
    shape = [...t!.shape];
    features = (await rt.readMany([t!, s!].map((x) => ({ buffer: x.buffer, bytes: x.size * 4 })))).map((d) => new Float32Array(d!)) as [Float32Array, Float32Array];
  } finally {
    scope.end();
  }
  const [n, c, h, w] = shape as [number, number, number, number];
  const target = Float64Array.from(features[0]);
  const weight = new Float64Array(n * h * w).fill(1);
  for (let i = 1; i < 3; i++) {
    for (let j = 2; j < 4; j++) {
      for (let ch = 0; ch < c; ch++) target[((1 * c + ch) * h + i) * w + j]! *= factor;
      if (outliers !== 'none') weight[(1 * h + i) * w + j] = OUTLIER_WEIGHT;
    }
  }
  const d = { n, c, h, w };
  const distances = loss === 'kl' ? ref.klDistance(Float64Array.from(features[1]), target, d, 1) : refDistance.featureDistance(Float64Array.from(features[1]), target, d);
  const expected = distances.reduce((sum, d, q) => sum + weight[q]! * d, 0) / distances.length;
  const value = await distillStep(teacher, student, new Adam(student.namedParameters().map(([name, param]) => ({ name, param })), 1e-3), b, 0, loss, 1, outliers === 'none' ? null : { target: outliers, weight: OUTLIER_WEIGHT });
  return { loss: value, expected };
}

test('where painted outliers cover the feature, the student is taught the flat feature (uniform) or the negated one (opposite), with more weight; elsewhere the teacher\'s', async () => {
  const none = await stepAndReference('none', 1);
  const uniform = await stepAndReference('uniform', 0);
  const opposite = await stepAndReference('opposite', -1);
  const oppositeMse = await stepAndReference('opposite', -1, 'mse');
  for (const [name, r] of Object.entries({ none, uniform, opposite, 'opposite, MSE distillation': oppositeMse })) {
    console.log(`  ${name}: step loss ${r.loss}, float64 reference ${r.expected}`);
    assert.ok(Math.abs(r.loss - r.expected) <= 1e-5 * Math.abs(r.expected) + 1e-7, `${name}: ${r.loss} against ${r.expected}`);
  }
  assert.ok(Math.abs(opposite.loss - none.loss) > 1e-4 && Math.abs(uniform.loss - none.loss) > 1e-4, 'the outlier cells change the loss');
});

test.run();
