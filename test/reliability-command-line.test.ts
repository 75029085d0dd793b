// The command line of the main job and the benchmarks: --help prints usage on
// stdout and exits 0 (so `--help | less` shows it); an unknown flag is named as
// unknown; --name=value is the same as --name value; a learning rate that is
// not a finite positive number is refused before anything runs.
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOptions } from '../src/cli/options';

const test = suite('reliability: command line');

function run(script: string, args: readonly string[], timeoutMs = 60_000) {
  const child = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return { code: child.status, signal: child.signal, stdout: child.stdout, stderr: child.stderr };
}

for (const script of ['dist/bench/run.js', 'dist/bench/ops.js', 'dist/bench/soak.js', 'dist/bench/model.js', 'dist/bench/seeds.js']) {
  test(`node ${script} --help: usage on stdout, nothing on stderr, exit 0, nothing started`, () => {
    const child = run(script, ['--help'], 30_000);
    assert.is(child.signal, null, `ended by ${child.signal} (it started the work instead of printing usage)\n${child.stdout}${child.stderr}`);
    assert.is(child.code, 0, child.stderr);
    assert.match(child.stdout, /^usage: node bench\//);
    assert.is(child.stderr, '');
  });
}

test('an unknown flag is named as unknown, also as the last argument; exit 2', () => {
  for (const args of [['--bogus'], ['--bogus', '3'], ['--epochs', '2', '--bogus']]) {
    const child = run('dist/bench/run.js', args);
    assert.is(child.code, 2, child.stdout + child.stderr);
    assert.match(child.stderr, /^unknown option --bogus\n/);
    assert.not.match(child.stderr, /needs a value/);
  }
  const benchmark = run('dist/bench/model.js', ['--runs', '2', '--bogus']);
  assert.is(benchmark.code, 2, benchmark.stdout + benchmark.stderr);
  assert.match(benchmark.stderr, /^unknown option --bogus\n/);
  const badRuns = run('dist/bench/model.js', ['--runs=0']);
  assert.is(badRuns.code, 2, badRuns.stdout + badRuns.stderr);
  assert.match(badRuns.stderr, /^--runs takes a positive integer, got 0\n/);
});

test('--name=value is read as --name value', () => {
  const o = parseOptions(['--epochs=2', '--teacher-lr=0.1', '--out=some/folder', '--scenes=6,1,2']);
  assert.is(o.teacherEpochs, 2);
  assert.is(o.studentEpochs, 2);
  assert.is(o.teacherLr, 0.1);
  assert.is(o.out, 'some/folder');
  assert.equal(o.scenes, [6, 1, 2]);
  assert.throws(() => parseOptions(['--resume=yes']), /--resume takes no value/);
  assert.throws(() => parseOptions(['--epochs=']), /--epochs takes a whole number >= 1, got ""/);
});

test('learning rates and the temperature must be finite and positive', () => {
  for (const flag of ['--teacher-lr', '--student-lr', '--temperature']) {
    for (const value of ['Infinity', '-Infinity', 'NaN', '0', '-1', '1e999', 'x']) {
      assert.throws(() => parseOptions([flag, value]), new RegExp(`^${flag} takes a finite number > 0, got "${value}"`), `${flag} ${value}`);
    }
  }
  const child = run('dist/bench/run.js', ['--teacher-lr', 'Infinity']);
  assert.is(child.code, 2);
  assert.match(child.stderr, /--teacher-lr takes a finite number > 0, got "Infinity"/);
});

test.run();
