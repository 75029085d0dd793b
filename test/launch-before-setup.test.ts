// The entry points before `bash scripts/setup.sh` (no node_modules): `node
// bench/run.js`, `node bin/dicnet.js` (what `npx dicnet` runs), with or without
// an old dist/, say in one line what is missing and the command that installs
// it, exit 2, instead of a stack trace; the installed package's command names
// `npm install`. The `prepare` script that `npx dicnet` runs in such a clone
// leaves the install to the user.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('launch before set-up');
let work = '';

test.before(() => {
  work = mkdtempSync(join(tmpdir(), 'dicnet-unset-'));
});

test.after(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A copy of the checkout's `entries` under `name`, without node_modules. */
function copyOf(name: string, entries: readonly string[]): string {
  const folder = join(work, name);
  mkdirSync(folder);
  for (const entry of entries) cpSync(entry, join(folder, entry), { recursive: true });
  return folder;
}

function node(folder: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, args, { cwd: folder, env, encoding: 'utf8', timeout: 60_000 });
}

function assertOneLine(child: ReturnType<typeof node>, fix: RegExp): void {
  assert.is(child.status, 2, child.stdout + child.stderr);
  assert.is(child.stdout, '');
  assert.match(child.stderr, /^dicnet: the npm packages are not installed \([^)]*pngjs[^)]* missing\): /);
  assert.match(child.stderr, fix);
  assert.is(child.stderr.split('\n').length, 2, `one line:\n${child.stderr}`);
}

test('a clone: both entry points name what is missing and scripts/setup.sh, with or without an old dist/', () => {
  const clone = copyOf('clone', ['package.json', 'bench', 'bin', 'src', 'shaders', 'scripts']);
  const setup = /run `bash scripts\/setup\.sh` in \S+clone\n$/;
  for (const entry of ['bench/run.js', 'bin/dicnet.js']) assertOneLine(node(clone, [entry, '--help']), setup);
  assert.match(node(clone, ['bench/run.js']).stderr, /esbuild/);
  cpSync('dist', join(clone, 'dist'), { recursive: true });
  utimesSync(join(clone, 'dist', 'bench', 'run.js'), 0, 0);
  assertOneLine(node(clone, ['bench/run.js', '--help']), setup);
});

test('the installed package without its dependencies names npm install', () => {
  const installed = copyOf('installed', ['package.json', 'bin']);
  cpSync('dist/bin/dicnet.js', join(installed, 'dist', 'bin', 'dicnet.js'));
  assertOneLine(node(installed, ['bin/dicnet.js', '--help']), /run `npm install` in the app/);
});

test('npx dicnet in a clone never set up: prepare installs nothing and builds nothing', () => {
  const clone = copyOf('npx-clone', ['package.json', 'scripts']);
  const child = node(clone, ['scripts/prepare.js'], { ...process.env, npm_command: 'exec' });
  assert.is(child.status, 0, child.stdout + child.stderr);
  assert.is(child.stdout + child.stderr, '');
  assert.not.ok(existsSync(join(clone, 'node_modules')));
  assert.not.ok(existsSync(join(clone, 'dist')));
});

test.run();
