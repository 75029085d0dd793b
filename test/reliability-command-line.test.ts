// The command line of the main job and the benchmarks: --help prints usage on
// stdout and exits 0 (so `--help | less` shows it); an unknown flag is named as
// unknown; --name=value is the same as --name value; a learning rate that is
// not a finite positive number is refused before anything runs. Every option
// a command's usage lists is read by its parser, with every value the usage
// promises.
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { evalUsage, parseEvalOptions } from '../src/cli/eval-command';
import { inferUsage, parseInferOptions } from '../src/cli/infer';
import { DATASET_DEFAULTS, parseOptions, resolveOptions, trainUsage } from '../src/cli/options';
import { parsePasteOptions, pasteUsage } from '../src/cli/paste-command';
import { runFingerprint } from '../src/cli/training';
import { checkSameOptions } from '../src/training/training-state';
import { everyListedOption, listedOptions } from './support/usage';

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

test('every option in the usage of train, infer, eval and paste is read, with every value the usage names', () => {
  const commands = [
    { usage: trainUsage(), parse: (args: string[]) => parseOptions(args) },
    { usage: inferUsage, parse: (args: string[]) => parseInferOptions(['photo.jpg', ...args]) },
    { usage: evalUsage, parse: (args: string[]) => parseEvalOptions(['--data', 'folder', ...args]) },
    { usage: pasteUsage, parse: (args: string[]) => parsePasteOptions(['--camvid', 'c', '--split', 'val', '--objects', 'o', '--out', 'x', ...args]) },
  ];
  for (const { usage, parse } of commands) {
    assert.ok(listedOptions(usage).length >= 3, usage);
    for (const args of everyListedOption(usage)) {
      try {
        parse(args);
      } catch (error) {
        assert.unreachable(`${args.join(' ')}: ${(error as Error).message}\n${usage}`);
      }
    }
  }
});

test('every option in the usage of the scripts is known to the script', () => {
  for (const script of ['dist/bench/run.js', 'dist/bench/ops.js', 'dist/bench/soak.js', 'dist/bench/model.js', 'dist/bench/seeds.js', 'scripts/serve.js']) {
    const usage = run(script, ['--help'], 30_000).stdout;
    const args = everyListedOption(usage).flat();
    assert.ok(args.length > 0, `${script}: no options listed\n${usage}`);
    const child = run(script, [...args, '--help'], 30_000);
    assert.is(child.code, 0, `${script} ${args.join(' ')} --help: ${child.stderr}`);
    assert.is(child.stdout, usage);
  }
});

test('--class-weights none trains without weights, and a resumed run must repeat it', () => {
  assert.is(parseOptions(['--class-weights', 'none']).classWeights, 'none');
  assert.is(parseOptions(['--class-weights=sqrt']).classWeights, 'sqrt');
  assert.throws(() => parseOptions(['--class-weights', 'cube']), /^--class-weights is sqrt or none, got "cube"/);
  assert.is(runFingerprint(resolveOptions(parseOptions(['--class-weights', 'none']), 'StreetHazards'))['--class-weights'], 'none');
});

test('--student-start: random or teacher; the student\'s learning rate follows it unless given', () => {
  assert.throws(() => parseOptions(['--student-start', 'copy']), /^--student-start is random or teacher, got "copy"/);
  const started = resolveOptions(parseOptions(['--student-start', 'teacher']), 'StreetHazards');
  assert.equal([started.studentStart, started.studentLr], ['teacher', 3e-4]);
  assert.is(resolveOptions(parseOptions(['--student-start', 'teacher', '--student-lr', '1e-4']), 'StreetHazards').studentLr, 1e-4);
  assert.equal([resolveOptions(parseOptions([]), 'StreetHazards').studentStart, resolveOptions(parseOptions([]), 'StreetHazards').studentLr], ['random', 1e-3]);
  const fingerprint = runFingerprint(started);
  assert.equal([fingerprint['--student-start'], fingerprint['--student-lr']], ['teacher', 3e-4], 'a resumed run must repeat both');
});

test('the resume check keeps the options of earlier checkpoints, and only those', () => {
  const fingerprint = runFingerprint(resolveOptions(parseOptions([]), 'StreetHazards'));
  assert.equal(Object.keys(fingerprint).sort(), [
    '--batch', '--class-weights', '--config', '--data', '--input', '--loss', '--outlier-weight', '--scenes', '--seed', '--student-epochs', '--student-jitter', '--student-lr', '--student-outliers', '--student-start', '--teacher', '--teacher-epochs', '--teacher-lr', '--temperature',
  ]);
  assert.is(fingerprint['--student-start'], null, 'checkpoints from before --student-start hold none: a random-start student');
  assert.is(fingerprint['--student-lr'], 0.001, 'the learning rate those checkpoints hold');
  assert.equal(
    [fingerprint['--teacher'], fingerprint['--student-jitter'], fingerprint['--student-outliers'], fingerprint['--outlier-weight']],
    [null, null, null, null],
    'checkpoints from before --teacher, --student-jitter and --student-outliers hold none of them: trained here, no jitter, no outliers',
  );
  assert.is(fingerprint['--scenes'], '400,100,100');
  assert.is(fingerprint['--input'], null, 'the default input, as in checkpoints from before --input');
  assert.equal([fingerprint['--teacher-epochs'], fingerprint['--student-epochs']], [33, 14], 'the dataset\'s default epochs, as earlier checkpoints hold them');
  const camvid = runFingerprint(resolveOptions(parseOptions(['--data', 'x', '--input', '120x160']), 'CamVid'));
  assert.equal([camvid['--scenes'], camvid['--input'], camvid['--teacher-epochs'], camvid['--student-epochs']], [null, '120x160', 36, 16]);
  assert.equal([camvid['--student-outliers'], camvid['--outlier-weight']], ['opposite', 20], "CamVid's default student is outlier-exposed, and says so");
  assert.equal([camvid['--student-start'], camvid['--student-lr']], ['teacher', 3e-4], "CamVid's default student starts as the teacher, and says so");
  const older = runFingerprint(resolveOptions(parseOptions(['--data', 'x', '--input', '120x160', '--student-start', 'random']), 'CamVid'));
  assert.equal([older['--student-start'], older['--student-lr']], [null, 1e-3], 'CamVid runs from before that default resume with --student-start random');
  assert.throws(
    () => checkSameOptions(older, camvid, 'state.safetensors'),
    (e: Error) => e.message.includes('--student-start is "teacher" in this run but unset in the checkpoint'),
    'an older CamVid run resumed without --student-start random is refused',
  );
  const plain = runFingerprint(resolveOptions(parseOptions(['--data', 'x', '--student-outliers', 'none']), 'CamVid'));
  assert.equal([plain['--student-outliers'], plain['--outlier-weight']], [null, null], 'CamVid runs from before that default resume with --student-outliers none');
  assert.throws(
    () => checkSameOptions(plain, camvid, 'state.safetensors'),
    (e: Error) => e.message.includes('--student-outliers is "opposite" in this run but unset in the checkpoint') && e.message.includes('(unset: off, or at the default of its time)'),
    'an older CamVid run resumed without --student-outliers none is refused, and the message says what unset means',
  );
  assert.is(camvid['--student-jitter'], 'colour', "CamVid's default student sees colour-jittered frames, and says so");
  const unjittered = runFingerprint(resolveOptions(parseOptions(['--data', 'x', '--student-jitter', 'none']), 'CamVid'));
  assert.is(unjittered['--student-jitter'], null, 'CamVid runs from before that default resume with --student-jitter none');
  assert.throws(
    () => checkSameOptions(unjittered, camvid, 'state.safetensors'),
    (e: Error) => e.message.includes('--student-jitter is "colour" in this run but unset in the checkpoint'),
    'an older CamVid run resumed without --student-jitter none is refused',
  );
});

test("the usage gives each dataset's defaults from DATASET_DEFAULTS, where they differ from the synthetic scenes'", () => {
  const usage = trainUsage();
  const { StreetHazards: synthetic, CamVid: camvid } = DATASET_DEFAULTS;
  assert.match(usage, `(default ${synthetic!.studentJitter}; CamVid ${camvid!.studentJitter})`);
  assert.match(usage, `(default ${synthetic!.studentOutliers}; CamVid ${camvid!.studentOutliers})`);
  assert.match(usage, `(default ${synthetic!.teacherEpochs} and ${synthetic!.studentEpochs}; CamVid ${camvid!.teacherEpochs} and ${camvid!.studentEpochs})`);
  assert.match(usage, `network input size (default ${synthetic!.inputSize.join('x')}; CamVid ${camvid!.inputSize.join('x')})`);
});

test('node scripts/serve.js --help: usage on stdout, exit 0; a bad option: exit 2, named', () => {
  const help = run('scripts/serve.js', ['--help'], 30_000);
  assert.is(help.code, 0, help.stderr);
  assert.match(help.stdout, /^usage: node scripts\/serve\.js/);
  assert.is(help.stderr, '');
  for (const [args, message] of [[['--bogus'], /^unknown option --bogus\n/], [['--port'], /^--port needs a value\n/], [['--port=x'], /^--port takes a port number/]] as const) {
    const child = run('scripts/serve.js', [...args], 30_000);
    assert.is(child.code, 2, child.stdout + child.stderr);
    assert.match(child.stderr, message);
  }
});

test.run();
