// A WGSL compile failure (a broken specialisation, a broken template) is a
// typed ShaderCompileError with the shader's name, a line and the compiler's
// message; in the middle of training it stops the run at that step, keeping
// the last checkpoint.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import source from '../shaders/elementwise.wgsl';
import { failureMessage } from '../src/cli/failure';
import { ShaderCompileError } from '../src/gpu/errors';
import { shader } from '../src/gpu/shader';
import { elementwiseOptions } from '../src/kernels/elementwise';
import { control, runQuietly, smallRun, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: shader compile failure');

const lineOf = (code: string, text: string): number => code.split('\n').findIndex((l) => l.includes(text)) + 1;

async function compileFailure(compile: () => Promise<void>): Promise<ShaderCompileError> {
  try {
    await compile();
  } catch (error) {
    assert.instance(error, ShaderCompileError, String(error));
    return error as ShaderCompileError;
  }
  throw new Error('the shader should not compile');
}

test('a broken specialisation (workgroup size 0) names the shader, the entry point line and the constants', async () => {
  const rt = await testRuntime();
  const error = await compileFailure(() => rt.compile(shader('elementwise', source, elementwiseOptions), 'relu', 'rw', { WG: 0 }));
  assert.equal([error.shader, error.entryPoint, error.line], ['elementwise', 'relu', lineOf(source, 'fn relu(')]);
  assert.match(error.message, new RegExp(`^shader elementwise \\(entry relu\\), line ${error.line}: with constants \\{"WG":0\\}: .*workgroup_size`, 's'));
});

test('a broken template names the shader and the exact line of its own file (the prelude before it not counted)', async () => {
  const rt = await testRuntime();
  const broken = source.replace('max(a[i], 0.0)', 'max(a[i], 0u)');
  const error = await compileFailure(() => rt.compile(shader('elementwise-broken-template', broken, elementwiseOptions), 'relu', 'rw', { WG: 64 }));
  assert.equal([error.shader, error.line], ['elementwise-broken-template', lineOf(broken, 'max(a[i], 0u)')]);
  assert.match(error.wgslMessage, /no matching call to 'max\(f32, u32\)'/);
});

test('mid-training: the step fails with the ShaderCompileError; the last checkpoint is kept and the message says how to resume', async () => {
  const rt = await testRuntime();
  const out = tempDir('shader-compile');
  const c = control({
    beforeStep: ({ phase, step }) => {
      // Not the specialisation of the first test: the runtime caches a pipeline, broken or not.
      if (phase === 'teacher' && step === 4) rt.pipeline(shader('elementwise', source, elementwiseOptions), 'reluGrad', 'rrw', { WG: 0 });
    },
  });
  const run = await runQuietly(rt, smallRun(out), c);
  assert.instance(run.error, ShaderCompileError, String(run.error));
  assert.equal(c.lastCheckpoint && [c.lastCheckpoint.phase, c.lastCheckpoint.step], ['teacher', 3]);
  const message = failureMessage(run.error, { options: smallRun(out), checkpoint: c.lastCheckpoint, resumeCommand: 'node bench/run.js --resume', adapter: rt.describe() })!;
  assert.match(message, new RegExp(`^error: shader elementwise \\(entry reluGrad\\), line ${lineOf(source, 'fn reluGrad(')}:`));
  assert.match(message, /The last checkpoint \(teacher step 3 of 6\) is intact: .*\nTo resume: node bench\/run.js --resume/);
  console.log(`  ${message.split('\n')[0]}`);
});

test.run();
