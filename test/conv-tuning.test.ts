import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../src/base/random';
import { tuneNetworkConvs } from '../src/cli/conv-tuning';
import { convAlgorithm, convAlgorithms, type ConvAlgorithm, type TunedDirection } from '../src/kernels/conv2dalgorithm';
import type { Conv2dGeometry } from '../src/kernels/conv2d';
import { shapedConfig } from '../src/model/config';
import { Student, Teacher } from '../src/model/networks';
import { testRuntime } from './support/runtime';

const test = suite('conv-tuning');

test('--conv-choices: the networks\' 3x3 stride-1 convs are tuned, saved, and read back instead of timed again', async () => {
  const rt = await testRuntime();
  const dir = mkdtempSync(join(tmpdir(), 'conv-tuning-'));
  try {
    const config = shapedConfig('tiny', { numClasses: 5, inputHeight: 32, inputWidth: 48 });
    const rng = new Random(3);
    const teacher = new Teacher(rt, rng, config);
    const student = new Student(rt, rng, config);
    const file = join(dir, 'choices.json');
    const lines: string[] = [];
    await tuneNetworkConvs(rt, teacher, student, config, 2, file, (l) => lines.push(l));
    const summary = lines.at(-1)!;
    const match = /(\d+) 3x3 stride-1 shapes, 0 choices read from .*, (\d+) timed now/.exec(summary);
    assert.ok(match, summary);
    const shapes = Number(match![1]);
    assert.ok(shapes >= 4, `${shapes} shapes: the tiny networks have several, dilated ones among them`);
    assert.is(Number(match![2]), 3 * shapes, 'forward, grad input and grad weight of each');
    const saved = JSON.parse(readFileSync(file, 'utf8'))[rt.describe()] as Record<string, ConvAlgorithm>;
    assert.is(Object.keys(saved).length, 3 * shapes);
    assert.ok(Object.values(saved).every((a) => convAlgorithms.includes(a)));
    assert.ok(Object.keys(saved).some((k) => / d2$/.test(k)), 'a dilated conv is among them');
    const parse = (key: string): Conv2dGeometry => {
      const m = /^\w+ n(\d+) c(\d+)->(\d+) (\d+)x(\d+) k3x3 s1 p(\d+) d(\d+)$/.exec(key)!;
      const [n, cIn, cOut, h, w, padding, dilation] = m.slice(1).map(Number) as number[];
      return { n: n!, cIn: cIn!, cOut: cOut!, h: h!, w: w!, kh: 3, kw: 3, stride: 1, padding: padding!, dilation: dilation! };
    };
    for (const [key, algorithm] of Object.entries(saved)) assert.is(convAlgorithm(rt, key.split(' ')[0] as TunedDirection, parse(key)), algorithm, key);
    lines.length = 0;
    await tuneNetworkConvs(rt, teacher, student, config, 2, file, (l) => lines.push(l));
    assert.match(lines.at(-1)!, `${shapes} 3x3 stride-1 shapes, ${3 * shapes} choices read from`);
    assert.match(lines.at(-1)!, ', 0 timed now');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
