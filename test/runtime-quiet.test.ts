// Dawn's two "maxDynamic...artificially reduced" warnings, which it writes from
// C++ to fd 2 on lavapipe, do not reach the user: a command that fails after
// starting the GPU prints its one line and nothing else, with stderr on a file
// or a pipe as a shell gives it (a terminal is the same case: /proc/self/fd
// reopens it; a socket, which Node's own 'pipe' stdio is, cannot be reopened
// and is left unfiltered). Whatever else is written to fd 2 meanwhile still
// gets through, once.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { filterDawnWarnings, withoutKnownWarnings } from '../src/gpu/dawn-stderr';

const warning = (kind: string) => `Warning: maxDynamic${kind}BuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n`;

// This file run as a child: native-style writes to fd 2 inside the filter.
if (process.env.DICNET_STDERR_CHILD) {
  await filterDawnWarnings(async () => {
    writeSync(2, warning('Uniform'));
    writeSync(2, 'a line of its own\n');
    writeSync(2, warning('Storage'));
    process.stderr.write('from JavaScript\n');
  });
  process.stderr.write('after\n');
  process.exit(0);
}

const test = suite('runtime: quiet start');

test('the known warning lines are dropped, every other line is kept', () => {
  assert.is(withoutKnownWarnings(`${warning('Uniform')}one\n${warning('Storage')}two`), 'one\ntwo');
  assert.is(withoutKnownWarnings('Warning: something else\n'), 'Warning: something else\n');
});

/** Runs node with `args`, its stderr into a file as `2>file` would; returns the exit code and what it wrote there. */
function runToFile(args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stderr: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'dicnet-quiet-')), 'stderr');
  const fd = openSync(file, 'w');
  const child = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', fd], timeout: 120_000 });
  closeSync(fd);
  return { status: child.status, stderr: readFileSync(file, 'utf8') };
}

test('what is written to fd 2 while the adapter is found reaches stderr, less the known warnings', () => {
  const child = runToFile([fileURLToPath(import.meta.url)], { ...process.env, DICNET_STDERR_CHILD: '1' });
  assert.is(child.status, 0, child.stderr);
  assert.is(child.stderr, 'a line of its own\nfrom JavaScript\nafter\n');
});

test('a command that starts the GPU prints only its own line on stderr (to a file, through a pipe)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'dicnet-quiet-'));
  const args = ['dist/bin/dicnet.js', 'infer', 'photo.png', '--checkpoints', join(folder, 'none'), '--out', join(folder, 'out')];
  const toFile = runToFile(args);
  const throughPipe = spawnSync('sh', ['-c', `"$0" "$@" 2>&1 >/dev/null | cat`, process.execPath, ...args], { encoding: 'utf8', timeout: 120_000 });
  for (const stderr of [toFile.stderr, throughPipe.stdout]) {
    assert.not.match(stderr, 'artificially reduced');
    assert.match(stderr, /^error: .*no trained networks here/);
    assert.is(stderr.trimEnd().split('\n').length, 1, stderr);
  }
  assert.is(toFile.status, 1);
});

test.run();
