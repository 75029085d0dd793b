// The main job as a child process (node dist/bench/run.js), for tests of what
// the command line does: exit codes, messages, signals.
import { spawn } from 'node:child_process';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
}

export interface Watch {
  /** Sees the output so far; returns a signal to send now (each signal is sent once). */
  signalWhen?: (output: string) => NodeJS.Signals | null;
  /** Gets a function that signals the child at once, and the child's PID. */
  onStart?: (signal: (s: NodeJS.Signals) => void, pid: number) => void;
}

export function mainJob(args: readonly string[], watch: Watch = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/bench/run.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    watch.onStart?.((s) => child.kill(s), child.pid!);
    let output = '';
    const sent = new Set<NodeJS.Signals>();
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const signal = watch.signalWhen?.(output) ?? null;
      if (signal && !sent.has(signal)) {
        sent.add(signal);
        child.kill(signal);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

/** The flags of a small run (6 training images, batch 2, 3 steps an epoch, direct convs as smallRun) writing to `out`. */
export function smallRunArgs(out: string): string[] {
  return ['--scenes', '6,1,2', '--teacher-epochs', '2', '--student-epochs', '1', '--batch', '2', '--panels', '0', '--conv-choices', 'direct', '--out', out];
}
