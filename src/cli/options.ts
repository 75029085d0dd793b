// Command-line flags of the main job and the CLI, with their defaults.

import type { DistillLoss } from '../model/steps';

export interface RunOptions {
  /** A StreetHazards copy; null = the embedded synthetic scenes. */
  data: string | null;
  config: 'tiny' | 'paper';
  loss: DistillLoss;
  teacherEpochs: number;
  studentEpochs: number;
  batchSize: number;
  seed: number;
  out: string;
  temperature: number;
  onBadSample: 'skip' | 'fail';
  /** Synthetic images per split (train, validation, test). */
  scenes: [number, number, number];
  /** Test images drawn as PNG panels. */
  panels: number;
  /** Base learning rates of the teacher (SGD) and the student (Adam). */
  teacherLr: number;
  studentLr: number;
  /** Continue the interrupted run in `out` from its training-state checkpoint. */
  resume: boolean;
  /** Steps between training-state checkpoints; 0: one per epoch. */
  checkpointEvery: number;
  /** A NaN or infinite loss or gradient: stop, or roll back to the last checkpoint at half the learning rate. */
  onNan: 'stop' | 'lower-lr';
  /** Stop (with a checkpoint, as on Ctrl-C) after this many training steps; null: no limit. */
  stopAfter: number | null;
}

/** Batch norm in training needs at least two values per channel, also after pooling to 1x1. */
export const smallestBatch = 2;

export const defaults: RunOptions = {
  data: null,
  config: 'tiny',
  loss: 'kl',
  teacherEpochs: 12,
  studentEpochs: 14,
  batchSize: 8,
  seed: 1,
  out: 'results',
  temperature: 1,
  onBadSample: 'fail',
  scenes: [400, 40, 100],
  panels: 4,
  teacherLr: 0.05,
  studentLr: 1e-3,
  resume: false,
  checkpointEvery: 0,
  onNan: 'stop',
  stopAfter: null,
};

export const usage = `usage: node bench/run.js [options]
  --data DIR            a StreetHazards copy (default: the embedded synthetic scenes)
  --config tiny|paper   model configuration (default tiny)
  --loss kl|mse         distillation loss (default kl)
  --epochs N            teacher and student epochs (default ${defaults.teacherEpochs} and ${defaults.studentEpochs})
  --teacher-epochs N, --student-epochs N
  --batch N             batch size (default ${defaults.batchSize})
  --temperature T       KL temperature (default ${defaults.temperature})
  --seed N              seed of everything (default ${defaults.seed})
  --out DIR             output folder (default ${defaults.out})
  --scenes A,B,C        synthetic train,validation,test image counts (default ${defaults.scenes.join(',')})
  --on-bad-sample skip|fail
  --panels N            test images drawn as PNG panels (default ${defaults.panels})
  --teacher-lr X, --student-lr X
                        base learning rates (default ${defaults.teacherLr} and ${defaults.studentLr})
  --checkpoint-every N  training steps between checkpoints (default: one per epoch)
  --resume              continue the interrupted run in --out (same options) from its last checkpoint
  --on-nan stop|lower-lr
                        a NaN/Inf loss or gradient stops the run (default), or rolls it back to
                        the last checkpoint at half the learning rate
  --stop-after N        stop after N training steps with a checkpoint, as Ctrl-C does`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseOptions(argv: readonly string[]): RunOptions {
  const o: RunOptions = { ...defaults, scenes: [...defaults.scenes] };
  const int = (flag: string, v: string, min = 0): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} takes a whole number >= ${min}, got "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') throw new UsageError(usage);
    if (flag === '--resume') {
      o.resume = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value\n${usage}`);
    switch (flag) {
      case '--data':
        o.data = value;
        break;
      case '--config':
        if (value !== 'tiny' && value !== 'paper') throw new UsageError(`--config is tiny or paper, got "${value}"`);
        o.config = value;
        break;
      case '--loss':
        if (value !== 'kl' && value !== 'mse') throw new UsageError(`--loss is kl or mse, got "${value}"`);
        o.loss = value;
        break;
      case '--epochs':
        o.teacherEpochs = o.studentEpochs = int(flag, value, 1);
        break;
      case '--teacher-epochs':
        o.teacherEpochs = int(flag, value, 1);
        break;
      case '--student-epochs':
        o.studentEpochs = int(flag, value, 1);
        break;
      case '--batch':
        o.batchSize = int(flag, value, smallestBatch);
        break;
      case '--temperature':
        o.temperature = Number(value);
        if (!(o.temperature > 0)) throw new UsageError(`--temperature takes a positive number, got "${value}"`);
        break;
      case '--seed':
        o.seed = int(flag, value);
        break;
      case '--out':
        o.out = value;
        break;
      case '--scenes': {
        const parts = value.split(',').map((v) => int(flag, v, 1));
        if (parts.length !== 3) throw new UsageError(`--scenes takes three counts: train,validation,test`);
        o.scenes = parts as [number, number, number];
        break;
      }
      case '--on-bad-sample':
        if (value !== 'skip' && value !== 'fail') throw new UsageError(`--on-bad-sample is skip or fail, got "${value}"`);
        o.onBadSample = value;
        break;
      case '--panels':
        o.panels = int(flag, value);
        break;
      case '--teacher-lr':
      case '--student-lr': {
        const lr = Number(value);
        if (!(lr > 0)) throw new UsageError(`${flag} takes a positive number, got "${value}"`);
        if (flag === '--teacher-lr') o.teacherLr = lr;
        else o.studentLr = lr;
        break;
      }
      case '--checkpoint-every':
        o.checkpointEvery = int(flag, value, 1);
        break;
      case '--on-nan':
        if (value !== 'stop' && value !== 'lower-lr') throw new UsageError(`--on-nan is stop or lower-lr, got "${value}"`);
        o.onNan = value;
        break;
      case '--stop-after':
        o.stopAfter = int(flag, value, 1);
        break;
      default:
        throw new UsageError(`unknown option ${flag}\n${usage}`);
    }
  }
  return o;
}
