// What the main job tells a user when a run fails: what went wrong, in the
// error's own words, what to change, and how to continue from the last
// checkpoint when one was written.

import { CheckpointError } from '../checkpoint/errors';
import { DataError } from '../data/errors';
import { BindingSizeError, DeviceLostError, GpuError, OutOfMemoryError, ShaderCompileError } from '../gpu/errors';
import { NonFiniteLossError } from '../model/errors';
import type { CheckpointInfo } from '../training/trainer';
import { smallestBatch, type RunOptions } from './options';
import { fileSystemProblem, OutputWriteError } from './output-files';

export interface FailureContext {
  options: RunOptions;
  /** The last training-state checkpoint written or loaded, if any. */
  checkpoint: CheckpointInfo | null;
  /** The command line that continues this run (ends with --resume). */
  resumeCommand: string;
  adapter: string;
}

export function describeCheckpoint(c: CheckpointInfo): string {
  return `${c.phase} step ${c.step} of ${c.totalSteps}`;
}

function resumeAdvice(ctx: FailureContext, extraFlags = ''): string {
  if (!ctx.checkpoint) return 'No checkpoint was written before the failure: run the same command again.';
  return `The last checkpoint (${describeCheckpoint(ctx.checkpoint)}) is intact: ${ctx.checkpoint.path}\nTo resume: ${ctx.resumeCommand}${extraFlags}`;
}

/**
 * Which batch fits one storage binding, taking the tensor to grow with the batch
 * as the activations that exceed it do: its bytes for one sample, against the limit.
 */
function bindingAdvice(error: BindingSizeError, o: RunOptions): string {
  const perSample = Math.ceil(error.bytes / o.batchSize);
  const fits = Math.floor(error.limit / perSample);
  const sizes = `that tensor holds ${perSample} bytes a sample (its size at batch 1) and the adapter binds at most ${error.limit} bytes`;
  if (fits >= smallestBatch) return `The model does not fit this GPU at batch ${o.batchSize}: lower --batch to ${fits} or less; ${sizes}.`;
  const instead = o.config === 'paper' ? 'use --config tiny, or a GPU with a larger maxStorageBufferBindingSize' : 'use a GPU with a larger maxStorageBufferBindingSize';
  return `No batch size fits this GPU: ${sizes}, room for ${fits} sample${fits === 1 ? '' : 's'}; training needs batches of ${smallestBatch} or more: ${instead}.`;
}

/** The message for a failure the user can act on; null for an unexpected error (a bug: show its stack). */
export function failureMessage(error: unknown, ctx: FailureContext): string | null {
  const o = ctx.options;
  if (error instanceof DeviceLostError) {
    return `error: ${error.message}.\nThe GPU stopped answering (a driver reset, the GPU unplugged or taken by another process); nothing after the last checkpoint was kept.\n${resumeAdvice(ctx)}`;
  }
  if (error instanceof NonFiniteLossError) {
    const advice =
      o.onNan === 'lower-lr'
        ? `Halving the learning rate did not help: lower --${error.loss.startsWith('cross') ? 'teacher' : 'student'}-lr or check the data.`
        : 'Resume with --on-nan lower-lr to roll back to the checkpoint and go on at half the learning rate.';
    return `error: ${error.message}.\n${advice}\n${resumeAdvice(ctx, o.onNan === 'lower-lr' ? '' : ' --on-nan lower-lr')}`;
  }
  if (error instanceof BindingSizeError) return `error: ${error.message}.\n${bindingAdvice(error, o)}`;
  if (error instanceof OutOfMemoryError) {
    const smaller = o.config === 'paper' ? ' or use --config tiny' : '';
    return `error: ${error.message}.\nThe model does not fit this GPU at batch ${o.batchSize}: lower --batch${smaller}.`;
  }
  if (error instanceof ShaderCompileError) {
    return `error: ${error.message}\nA kernel failed to build on this adapter (${ctx.adapter}): this is a bug in the engine or the driver; please report it with this message.\n${resumeAdvice(ctx)}`;
  }
  if (error instanceof GpuError) return `error: ${error.message}\n${resumeAdvice(ctx)}`;
  if (error instanceof OutputWriteError) {
    return `error: ${error.message}.\nNothing written before is lost; make room (or fix the permission), then continue.\n${resumeAdvice(ctx)}`;
  }
  if (error instanceof DataError) {
    const perFile = error.files.some((f) => f.toLowerCase().endsWith('.png'));
    const advice = perFile && o.onBadSample === 'fail' ? '\nFix or remove the files named above, or pass --on-bad-sample skip to leave bad samples out (they are counted in the report).' : '';
    return `error: ${error.message}${advice}${ctx.checkpoint ? `\n${resumeAdvice(ctx)}` : ''}`;
  }
  if (error instanceof CheckpointError) {
    const problem = fileSystemProblem(error);
    return `error: ${error.message}${problem ? `\nThat is: ${problem}.\n${resumeAdvice(ctx)}` : ''}`;
  }
  return null;
}
