// A full disk while the results are written: the table reaches the terminal
// first, no result file is left half-written, the message names the file and
// says what ENOSPC means, and the printed resume finishes what is missing.
// The full disk is simulated: node:fs's writeFileSync (through which every
// result file is written) fails with ENOSPC for the chosen files, the way a
// full file system fails a write; the production code path is unchanged.
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { failureMessage } from '../src/cli/failure';
import type { RunOptions } from '../src/cli/options';
import { control, expectValue, runQuietly, smallRun, tempDir } from './support/pipeline';
import { fullDiskFor } from './support/full-disk';
import { testRuntime } from './support/runtime';

const test = suite('reliability: disk full');

const filesIn = (dir: string): string[] => readdirSync(dir).filter((name) => !name.startsWith('.'));

/**
 * A small run whose writes to the paths `full` accepts fail with ENOSPC: what
 * it printed, the message the command line shows, then a resume on a disk
 * with room again.
 */
async function runOnFullDisk(name: string, overrides: Partial<RunOptions>, full: (path: string) => boolean) {
  const rt = await testRuntime();
  const out = tempDir(name);
  const o = smallRun(out, overrides);
  const c = control();
  const restore = fullDiskFor(full);
  let run;
  try {
    run = await runQuietly(rt, o, c);
  } finally {
    restore();
  }
  assert.ok(run.error, 'the run fails');
  const message = failureMessage(run.error, { options: o, checkpoint: c.lastCheckpoint, resumeCommand: 'node bench/run.js --resume', adapter: rt.describe() });
  assert.ok(message, `a message, not a stack trace: ${String(run.error)}`);
  assert.match(message!, /To resume: node bench\/run\.js --resume/);
  console.log(`  ${message!.split('\n')[0]}`);
  return { out, output: run.output, message: message!, resume: async () => expectValue(await runQuietly(rt, { ...o, resume: true })) };
}

test('disk full writing report.md: the table is printed first, no report.md, a message naming the file and ENOSPC, resume writes it', async () => {
  const { out, output, message, resume } = await runOnFullDisk('enospc-report', {}, (path) => path.includes('report.md'));
  assert.match(output, /\nDiCNet \(KL\) +\d/, 'the results table was printed');
  assert.not.ok(filesIn(out).includes('report.md'), 'no (empty) report.md');
  assert.equal(readdirSync(out).filter((name) => name.includes('.tmp-')), [], 'no temp file left');
  assert.match(message, new RegExp(`cannot write ${join(out, 'report.md')}: the disk is full \\(ENOSPC: no space left on the device\\)`));

  assert.is((await resume()).status, 'done');
  assert.ok(statSync(join(out, 'report.md')).size > 0, 'the resumed run wrote report.md');
});

test('disk full writing a panel: a message about the disk (not --on-bad-sample), and resume writes every panel and the report', async () => {
  const { out, message, resume } = await runOnFullDisk('enospc-panel', { panels: 2 }, (path) => path.includes(`${sep}panels${sep}`));
  assert.match(message, new RegExp(`cannot write ${join(out, 'panels')}${sep}test-\\d{3}\\.png: the disk is full \\(ENOSPC: no space left on the device\\)`));
  assert.not.match(message, /on-bad-sample/);

  assert.is((await resume()).status, 'done');
  assert.is(filesIn(join(out, 'panels')).length, 4, 'two panels for each of the test and test-easy splits');
  assert.ok(filesIn(out).includes('report.md'));
});

test.run();
