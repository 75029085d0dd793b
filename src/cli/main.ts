// The `dicnet` command: one executable for the three things a user does,
// sharing the main job's code. `dicnet train` is `node bench/run.js`.

import { runEval } from './eval-command';
import { runInfer } from './infer';
import { runJob } from './job';
import { runPaste } from './paste-command';

export const overview = `usage: npx dicnet <command> [options]
  train          train the teacher and the student on the embedded scenes or --data DIR, evaluate them
                 and write the report (the main job, as node bench/run.js)
  infer IMAGE... score photos (PNG, JPEG, WebP, any size) with the trained networks
  eval           the paper's table on a StreetHazards-layout folder (--data DIR), without training
  paste          build a pasted anomaly set from CamVid frames and object cut-outs (no GPU)
Each command's options: npx dicnet <command> --help`;

const commands: Record<string, (argv: readonly string[]) => Promise<number>> = {
  train: (argv) => runJob(argv, 'npx dicnet train'),
  infer: runInfer,
  eval: runEval,
  paste: runPaste,
};

/** Runs `dicnet ARGV`; returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(overview);
    return 0;
  }
  const command = name === undefined ? undefined : commands[name];
  if (!command || !Object.hasOwn(commands, name!)) {
    console.error(`${name === undefined ? 'no command given' : `unknown command ${name}`}\n${overview}`);
    return 2;
  }
  return command(rest);
}
