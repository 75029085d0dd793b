// Kills a process in the middle of saving checkpoints (SIGKILL: no clean-up runs)
// and checks that the target is always a complete checkpoint. The child process is
// this same file, started with CHECKPOINT_SAVE_LOOP naming the file to save to.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCheckpointFile, saveCheckpoint } from '../src/checkpoint/io';
import type { TensorToSave } from '../src/checkpoint/safetensors';
import { rng } from './support/random';

const saveLoopVariable = 'CHECKPOINT_SAVE_LOOP';
const weightCount = 1 << 20; // 4 MiB of F32: a save takes several milliseconds to write and fsync
const childLifetimeMs = 15_000;

function checkpointNumber(step: number): Map<string, TensorToSave> {
  return new Map<string, TensorToSave>([
    ['encoder.weight', { dtype: 'F32', shape: [1024, 1024], data: new Float32Array(weightCount).fill(step) }],
    ['encoder.bn.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(step)) }],
    ['decoder.labels', { dtype: 'I32', shape: [4], data: new Int32Array(4).fill(step) }],
  ]);
}

/** The child: saves numbered checkpoints to one path until killed (or, if orphaned, for a bounded time). */
async function saveUntilKilled(path: string): Promise<void> {
  const started = Date.now();
  for (let step = 0; Date.now() - started < childLifetimeMs; step++) {
    await saveCheckpoint(path, checkpointNumber(step), { step: String(step) });
    if (step === 0) process.stdout.write('saved\n');
  }
}

/** Starts a saving child, waits for its first complete save, then SIGKILLs it after `delayMs`. */
function killDuringSaves(path: string, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, [saveLoopVariable]: path },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), delayMs));
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the saving child ended by itself (code ${code})`))));
  });
}

async function checkComplete(path: string): Promise<number> {
  const { tensors, metadata } = await loadCheckpointFile(path);
  const step = Number(metadata!.step);
  const weights = tensors.get('encoder.weight')!.data as Float32Array;
  assert.is(weights.length, weightCount);
  assert.ok(weights.every((w) => w === step), `every weight of checkpoint ${step} is ${step}`);
  assert.is(tensors.get('encoder.bn.num_batches_tracked')!.data[0], BigInt(step));
  assert.equal([...tensors.get('decoder.labels')!.data], [step, step, step, step]);
  return step;
}

const target = process.env[saveLoopVariable];
if (target !== undefined) {
  await saveUntilKilled(target);
} else {
  const test = suite('checkpoint SIGKILL');
  test('a process killed at random moments while saving always leaves a complete checkpoint', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'checkpoint-kill-'));
    const path = join(directory, 'student.safetensors');
    const random = rng(7);
    const outcomes: string[] = [];
    try {
      for (let run = 0; run < 5; run++) {
        const delayMs = 10 + Math.floor(random() * 120);
        await killDuringSaves(path, delayMs);
        const step = await checkComplete(path);
        const leftovers = readdirSync(directory).filter((name) => name.includes('.tmp-'));
        outcomes.push(`${delayMs} ms: checkpoint ${step}${leftovers.length ? ', killed mid-save' : ''}`);
        for (const name of leftovers) rmSync(join(directory, name));
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    console.log(`SIGKILL after ${outcomes.join('; ')}`);
  });
  test.run();
}
