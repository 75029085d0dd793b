import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointError } from '../src/checkpoint/errors';
import { checksumKey, decodeSafetensors, encodeSafetensors, type TensorToSave } from '../src/checkpoint/safetensors';
import { rng } from './support/random';

const test = suite('checkpoint fuzz');

const original = new Map<string, TensorToSave>([
  ['encoder.conv1.weight', { dtype: 'F32', shape: [4, 3, 3, 3], data: Float32Array.from({ length: 108 }, (_, i) => i / 7) }],
  ['encoder.bn1.running_mean', { dtype: 'F32', shape: [4], data: Float32Array.of(0.5, -1, 2, 3) }],
  ['encoder.bn1.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.of(1234n) }],
  ['decoder.class_map', { dtype: 'I32', shape: [2, 3], data: Int32Array.of(0, 1, 2, 3, 4, 13) }],
]);
const metadata = { format: 'pt', step: '17' };
const valid = encodeSafetensors(original, metadata);
const headerEnd = 8 + Number(new DataView(valid.buffer, valid.byteOffset).getBigUint64(0, true));
// Digits, brackets, quotes and commas: the bytes whose change keeps the header near-JSON.
const headerBytes = [...'0123456789[]{}",:-. eEFI'].map((c) => c.charCodeAt(0));

/** One random damage to the valid file: a truncation, a few random bytes anywhere, or plausible bytes in the header. */
function damaged(random: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n);
  const kind = pick(3);
  if (kind === 0) return valid.slice(0, pick(valid.length));
  const bytes = valid.slice();
  const flips = 1 + pick(4);
  for (let i = 0; i < flips; i++) {
    if (kind === 1) bytes[pick(bytes.length)] = pick(256);
    else bytes[pick(headerEnd)] = headerBytes[pick(headerBytes.length)]!;
  }
  return bytes;
}

const bytesOf = (data: TensorToSave['data']) => [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];

test('truncations and byte flips end in the original tensors or a CheckpointError, nothing else', () => {
  const random = rng(20260305);
  const cases = 4000;
  let decoded = 0;
  let uncheckable = 0;
  const reasons = new Map<string, number>();
  const started = performance.now();
  for (let i = 0; i < cases; i++) {
    const bytes = damaged(random);
    try {
      const decodedFile = decodeSafetensors(bytes, 'fuzzed.safetensors');
      if (!new TextDecoder().decode(bytes.subarray(8, headerEnd)).includes(`"${checksumKey}":`)) {
        // The damage renamed the checksum entry: the file reads as one without checksums, checked for structure only.
        uncheckable++;
        continue;
      }
      // Otherwise the checksums let through only damage that changed nothing: a byte set to its own value.
      assert.equal(decodedFile.metadata, metadata, `case ${i}`);
      assert.equal([...decodedFile.tensors.keys()].sort(), [...original.keys()].sort(), `case ${i}`);
      for (const [name, tensor] of decodedFile.tensors) {
        const want = original.get(name)!;
        assert.equal([tensor.dtype, tensor.shape, bytesOf(tensor.data)], [want.dtype, want.shape, bytesOf(want.data)], `case ${i}: ${name}`);
      }
      decoded++;
    } catch (error) {
      if (!(error instanceof CheckpointError)) {
        throw new Error(`case ${i}: ${String(error)} is not a CheckpointError (file ${Buffer.from(bytes).toString('base64')})`);
      }
      assert.is(error.source, 'fuzzed.safetensors');
      const reason = error.problems[0]!.replace(/"[^"]*"|\d+/g, '_').slice(0, 40);
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  const ms = performance.now() - started;
  console.log(`fuzz: ${cases} damaged files in ${ms.toFixed(0)} ms: ${decoded} decoded unchanged, ${uncheckable} with the checksum entry renamed, ${cases - decoded - uncheckable} CheckpointErrors of ${reasons.size} kinds`);
  assert.ok(decoded > 0 && decoded < cases, 'the damage should sometimes be no change and sometimes not');
  assert.ok(reasons.size >= 8, `expected many kinds of error, saw ${[...reasons.keys()].join(' | ')}`);
});

test.run();
