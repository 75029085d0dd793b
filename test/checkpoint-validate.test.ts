import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointError } from '../src/checkpoint/errors';
import { decodeSafetensors, encodeSafetensors, type TensorToSave } from '../src/checkpoint/safetensors';
import { checkStateDict, type TensorSignature } from '../src/model/state';

const test = suite('checkpoint state dict check');

const model = new Map<string, TensorSignature>([
  ['encoder.conv1.weight', { dtype: 'F32', shape: [8, 3, 3, 3] }],
  ['encoder.bn1.weight', { dtype: 'F32', shape: [8] }],
  ['encoder.bn1.running_mean', { dtype: 'F32', shape: [8] }],
  ['encoder.bn1.num_batches_tracked', { dtype: 'I64', shape: [] }],
  ['decoder.conv.weight', { dtype: 'F32', shape: [4, 8, 1, 1] }],
]);

function zeros({ dtype, shape }: TensorSignature): TensorToSave {
  const n = shape.reduce((a, b) => a * b, 1);
  if (dtype === 'I64') return { dtype, shape, data: new BigInt64Array(n) };
  if (dtype === 'I32') return { dtype, shape, data: new Int32Array(n) };
  return { dtype: 'F32', shape, data: new Float32Array(n) };
}

function checkpointOf(signatures: Map<string, TensorSignature>) {
  return decodeSafetensors(encodeSafetensors(new Map([...signatures].map(([name, s]) => [name, zeros(s)]))), 'model.safetensors').tensors;
}

test('a checkpoint that matches the model passes', () => {
  checkStateDict(model, checkpointOf(model), 'model.safetensors');
});

test('every missing, unexpected, misshapen and mistyped tensor is reported at once', () => {
  const file = new Map(model);
  file.delete('encoder.bn1.weight');
  file.delete('decoder.conv.weight');
  file.set('encoder.conv1.weight', { dtype: 'F32', shape: [8, 3, 7, 7] });
  file.set('encoder.bn1.num_batches_tracked', { dtype: 'F32', shape: [1] });
  file.set('head.weight', { dtype: 'F32', shape: [13, 8] });
  try {
    checkStateDict(model, checkpointOf(file), 'model.safetensors');
  } catch (error) {
    assert.instance(error, CheckpointError);
    const { problems, message, source } = error as CheckpointError;
    assert.is(source, 'model.safetensors');
    assert.equal(problems, [
      'tensor "encoder.conv1.weight": shape [8, 3, 7, 7] in the file, but the model expects [8, 3, 3, 3]',
      'missing tensor "encoder.bn1.weight" (the model expects F32 [8])',
      'tensor "encoder.bn1.num_batches_tracked": shape [1] in the file, but the model expects []',
      'tensor "encoder.bn1.num_batches_tracked": dtype F32 in the file, but the model expects I64',
      'missing tensor "decoder.conv.weight" (the model expects F32 [4, 8, 1, 1])',
      'unexpected tensor "head.weight" (F32 [13, 8]), which the model does not have',
    ]);
    assert.ok(message.startsWith('model.safetensors: 6 problems:\n  - tensor "encoder.conv1.weight"'), message);
    return;
  }
  assert.unreachable('the mismatched checkpoint should have been refused');
});

test('one problem reads as one sentence', () => {
  const file = new Map(model);
  file.set('encoder.bn1.weight', { dtype: 'F32', shape: [8, 1] });
  try {
    checkStateDict(model, checkpointOf(file), 'x.safetensors');
  } catch (error) {
    assert.is((error as Error).message, 'x.safetensors: tensor "encoder.bn1.weight": shape [8, 1] in the file, but the model expects [8]');
    return;
  }
  assert.unreachable('the mismatched checkpoint should have been refused');
});

test.run();
