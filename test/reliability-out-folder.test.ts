// The output folder: two runs never write into the same --out at once (the
// second refuses, naming the folder and the PID that holds it; a lock left by a
// dead process is taken over with a note), and an --out that cannot be written
// (a file, a folder without write permission, a read-only file system) is one
// line naming the path and what is wrong, exit 2, before any training.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { outputFolderProblem } from '../src/cli/output-folder';
import { mainJob, smallRunArgs } from './support/main-job';
import { tempDir } from './support/pipeline';

const test = suite('reliability: output folder');
const isRoot = process.getuid?.() === 0;

const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** Makes every file and folder under `path` readable (and folders enterable) by every user. */
function openToAll(path: string): void {
  chmodSync(path, 0o755);
  for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) {
    chmodSync(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
}

/**
 * The main job's bundle where another user can read it. The checkout may sit
 * in a folder only its owner enters (root's home, a `mktemp -d` folder), so
 * the bundle and the packages it imports as it loads are copied to a
 * temporary folder open to all.
 */
function readableMainJob(): string {
  const dir = tempDir('main-job-for-all');
  const bundle = join(dir, 'dist', 'bench', 'run.js');
  mkdirSync(dirname(bundle), { recursive: true });
  const source = readFileSync('dist/bench/run.js', 'utf8');
  writeFileSync(bundle, source);
  for (const [, name] of source.matchAll(/^import .* from "((?:@[^/"]+\/)?[^./"][^/"]*)";$/gm)) {
    if (!name!.startsWith('node:')) cpSync(join('node_modules', name!), join(dir, 'node_modules', name!), { recursive: true, dereference: true });
  }
  openToAll(dir);
  return bundle;
}

/** The main job as another user where this process is root (root writes anywhere), else as this user; null where that user cannot run node. */
function mainJobAs(args: readonly string[], asNobody: boolean) {
  const command = asNobody ? [...nobody, process.execPath, readableMainJob()] : [process.execPath, 'dist/bench/run.js'];
  const child = spawnSync(command[0]!, [...command.slice(1), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: child.status, output: child.stdout + child.stderr };
}

/** Why the user nobody cannot run this node here (a node installed under a closed home folder), or null. */
function nodeClosedToNobody(): string | null {
  const probe = spawnSync(nobody[0]!, [...nobody.slice(1), process.execPath, '-e', ''], { encoding: 'utf8' });
  return probe.status === 0 ? null : `the user nobody cannot run ${process.execPath}: ${(probe.error?.message ?? probe.stderr).trim()}`;
}

function expectOneLine(child: { code: number | null; output: string }, pattern: RegExp): void {
  assert.is(child.code, 2, child.output);
  const lines = child.output.trimEnd().split('\n');
  assert.is(lines.length, 1, `one line, got:\n${child.output}`);
  assert.match(lines[0]!, pattern);
  assert.not.match(child.output, /\n\s+at /, 'no stack trace');
}

test('a second run on the same --out refuses at once, naming the folder and the PID; a dead run\'s lock is taken over with a note', async () => {
  const out = tempDir('lock');
  const args = [...smallRunArgs(out), '--teacher-epochs', '30'];
  let firstPid = 0;
  let second: Awaited<ReturnType<typeof mainJob>> | null = null;
  let secondSeconds = 0;
  const first = await mainJob(args, {
    onStart: (_signal, pid) => (firstPid = pid),
    signalWhen: (output) => {
      if (second === null && /teacher \((class-weighted )?cross-entropy\) \d+\/90/.test(output)) {
        const started = performance.now();
        const child = spawnSync(process.execPath, ['dist/bench/run.js', ...args], { encoding: 'utf8', timeout: 120_000 });
        secondSeconds = (performance.now() - started) / 1000;
        second = { code: child.status, signal: child.signal, output: child.stdout + child.stderr };
        return 'SIGKILL';
      }
      return null;
    },
  });
  assert.is(first.signal, 'SIGKILL', first.output);
  const refused = second as Awaited<ReturnType<typeof mainJob>> | null;
  assert.ok(refused, 'the second run was started');
  assert.is(refused!.code, 2, refused!.output);
  assert.match(refused!.output, new RegExp(`error: --out ${out} is in use by another run \\(PID ${firstPid}\\)`));
  assert.ok(secondSeconds < 30, `refused at once (${secondSeconds.toFixed(1)} s)`);

  // The killed run's lock is still there; the next run takes it over and resumes.
  assert.ok(existsSync(join(out, '.dicnet.lock')), 'the killed run left its lock');
  const resumed = await mainJob([...args, '--resume', '--stop-after', '1']);
  assert.is(resumed.code, 0, resumed.output);
  assert.match(resumed.output, new RegExp(`note: took over the lock of ${out} from PID ${firstPid}, which is no longer running`));
  assert.not.ok(existsSync(join(out, '.dicnet.lock')), 'a run that ends removes its lock');
});

test('--out an existing file (or a folder inside one): one line, exit 2', () => {
  const dir = tempDir('out-file');
  const file = join(dir, 'results');
  writeFileSync(file, 'not a folder');
  expectOneLine(mainJobAs(['--out', file], false), new RegExp(`^error: --out ${file}: this is a file, not a folder$`));
  expectOneLine(mainJobAs(['--out', join(file, 'run')], false), new RegExp(`^error: --out ${join(file, 'run')}: ${file} is a file, not a folder$`));
  assert.is(readFileSync(file, 'utf8'), 'not a folder', 'the file is untouched');
});

test('--out in a folder without write permission: one line, exit 2', () => {
  const closed = isRoot ? nodeClosedToNobody() : null;
  if (closed) {
    console.log(`  (not run: ${closed})`);
    return;
  }
  const dir = tempDir('out-denied');
  const locked = join(dir, 'locked');
  mkdirSync(locked);
  // Root may write anywhere: the run goes as nobody, for whom a root-owned 0755 folder is read-only.
  if (!isRoot) chmodSync(locked, 0o555);
  chmodSync(dir, 0o755);
  expectOneLine(mainJobAs(['--out', join(locked, 'run')], isRoot), new RegExp(`^error: --out ${join(locked, 'run')}: no permission to write in ${locked}$`));
  expectOneLine(mainJobAs(['--out', locked], isRoot), new RegExp(`^error: --out ${locked}: no permission to write in ${locked}$`));
});

test('--out on a read-only file system: one line, exit 2', () => {
  const dir = tempDir('out-readonly');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,ro', 'tmpfs', dir], { encoding: 'utf8' });
  // The message from the error a read-only file system gives, also where this process cannot mount one.
  const erofs = Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
  assert.is(outputFolderProblem(join(dir, 'run'), erofs), `--out ${join(dir, 'run')}: ${dir} is on a read-only file system`);
  if (mounted.status !== 0) {
    console.log(`  (only the message checked: no read-only mount here, ${mounted.stderr.trim()})`);
    return;
  }
  try {
    expectOneLine(mainJobAs(['--out', join(dir, 'run')], false), new RegExp(`^error: --out ${join(dir, 'run')}: ${dir} is on a read-only file system$`));
    expectOneLine(mainJobAs(['--out', dir], false), new RegExp(`^error: --out ${dir}: ${dir} is on a read-only file system$`));
  } finally {
    spawnSync('umount', [dir]);
  }
});

test.run();
