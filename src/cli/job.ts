// The main job as a command: options, the GPU, the pipeline, and the ways a
// run ends. Ctrl-C (SIGINT) or SIGTERM lets the current step finish, saves a
// checkpoint and exits 128 + the signal's number with the command that
// resumes; a second signal quits at once. A failure prints what to fix.

import { constants } from 'node:os';
import type { GpuRuntime } from '../gpu';
import { GpuError } from '../gpu/errors';
import { createNodeRuntime } from '../gpu/node';
import { newControl } from '../training/trainer';
import { describeCheckpoint, failureMessage } from './failure';
import { readCommandLine } from './flags';
import { parseOptions, trainUsage } from './options';
import { claimOrExplain } from './command';
import { runPipeline, type PipelineControl, type PipelineResult } from './pipeline';

const stopSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** The command line to run again to continue: the same options, --resume, and no --stop-after. */
export function resumeCommandLine(command: string, argv: readonly string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--stop-after') i++;
    else if (argv[i] !== '--resume' && !argv[i]!.startsWith('--stop-after=')) kept.push(argv[i]!);
  }
  return [command, ...[...kept, '--resume'].map(shellWord)].join(' ');
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function signalExitCode(signal: string): number {
  return 128 + (constants.signals[signal as NodeJS.Signals] ?? 0);
}

function installStopHandlers(control: PipelineControl): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    if (control.stopRequested === null) {
      control.stopRequested = signal;
      process.stderr.write(`\n${signal}: finishing the current step, then saving a checkpoint (${signal} again quits without saving)\n`);
      return;
    }
    const last = control.lastCheckpoint ? `the last checkpoint (${describeCheckpoint(control.lastCheckpoint)}) is intact: ${control.lastCheckpoint.path}` : 'no checkpoint was written';
    process.stderr.write(`\n${signal} again: quitting without saving; ${last}\n`);
    process.exit(signalExitCode(signal));
  };
  for (const s of stopSignals) process.on(s, onSignal);
  return () => {
    for (const s of stopSignals) process.off(s, onSignal);
  };
}

function stoppedMessage(result: Extract<PipelineResult, { status: 'stopped' }>, resumeCommand: string): string {
  const where = result.checkpoint ? ` at ${describeCheckpoint(result.checkpoint)}` : "";
  const saved = result.checkpoint ? `\nThe training state is saved in ${result.checkpoint.path}` : '';
  return `\nstopped by ${result.reason}${where}.${saved}\nTo resume: ${resumeCommand}`;
}

/** Runs the main job; returns the process's exit code. */
export async function runJob(argv: readonly string[], command = 'node bench/run.js'): Promise<number> {
  const options = readCommandLine(argv, parseOptions, trainUsage(command), command);
  if (typeof options === 'number') return options;
  const lock = claimOrExplain(options.out);
  if (typeof lock === 'number') return lock;
  const control: PipelineControl = newControl(options.stopAfter);
  let removeHandlers = (): void => {};
  control.onTrainingStart = () => (removeHandlers = installStopHandlers(control));
  const resumeCommand = resumeCommandLine(command, argv);

  let rt: GpuRuntime;
  try {
    rt = await createNodeRuntime();
  } catch (error) {
    lock.release();
    if (!(error instanceof GpuError)) throw error;
    console.error(`error: ${error.message}`);
    return 1;
  }
  try {
    const result = await runPipeline(rt, options, control);
    if (result.status === 'done') return 0;
    console.error(stoppedMessage(result, resumeCommand));
    return result.reason.startsWith('SIG') ? signalExitCode(result.reason) : 0;
  } catch (error) {
    const message = failureMessage(error, { options, checkpoint: control.lastCheckpoint, resumeCommand, adapter: rt.describe() });
    if (message === null) throw error;
    console.error(`\n${message}`);
    return 1;
  } finally {
    removeHandlers();
    rt.destroy();
    lock.release();
  }
}
