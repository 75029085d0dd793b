// The npm package as an app gets it: `npm pack` of a fresh clone (no dist/;
// the `prepare` script builds it), the tarball installed into a temporary
// TypeScript project, test/package-app/ and the examples of docs/api.md
// typechecked against the package's declarations (Node, and the browser
// condition without Node types), the app run on the GPU and the installed
// `dicnet` command asked for its usage; and a fresh clone installed by path. Nothing here reaches the
// network: the app's package-lock.json pins the tarball's dependencies to the
// versions and hashes of ours, and `npm ci --offline` takes them from npm's
// cache, which `npm ci` of this repository (scripts/setup.sh) filled.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { tiny } from '../src/model/config';
import { tsc } from './support/tsc';

const test = suite('npm package');
const root = process.cwd();
const appSources = join(root, 'test', 'package-app');
const shipped = ['package.json', 'README.md', 'LICENSE', 'dist/THIRD-PARTY-NOTICES.md', 'dist/node.js', 'dist/browser.js', 'dist/types/index.node.d.ts', 'dist/types/index.browser.d.ts', 'bin/dicnet.js', 'bin/launch.js', 'dist/bin/dicnet.js'];
/** Sources, tests, caches and the benchmarks stay out of the tarball (the `dicnet` command is bin/ and dist/bin/). */
const notShipped = /^(test|src|shaders|scripts|examples|results|bench|\.cache|scratch|test-artifacts|node_modules)\/|^dist\/(test|examples|bench)\/|\.test\.|\.meta\.json$/;

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dev?: boolean;
  [field: string]: unknown;
}

let work = '';
let tarball = '';

test.before(() => {
  work = mkdtempSync(join(tmpdir(), 'dicnet-package-'));
});

test.after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A copy of this checkout as a fresh clone has it: no .git and none of what .gitignore names (node_modules, dist, caches). */
function freshClone(name: string): string {
  const ignored = readFileSync(join(root, '.gitignore'), 'utf8').split('\n').map((l) => l.trim().replace(/\/$/, '')).filter(Boolean);
  const isIgnored = (entry: string) => entry === '.git' || ignored.some((p) => (p.startsWith('*') ? entry.endsWith(p.slice(1)) : entry === p));
  const clone = join(work, name);
  mkdirSync(clone);
  for (const entry of readdirSync(root)) if (!isIgnored(entry)) cpSync(join(root, entry), join(clone, entry), { recursive: true });
  return clone;
}

/** The environment for a child npm: the caller's npm cache and config files, none of `npm test`'s own run (prefix, package, lifecycle). */
function npmEnv(): NodeJS.ProcessEnv {
  const kept = /^npm_config_(cache|userconfig|globalconfig|registry|cafile)$/;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || kept.test(key)));
}

function run(what: string, file: string, args: string[], cwd: string, timeout = 300_000): string {
  try {
    return execFileSync(file, args, { cwd, env: { ...npmEnv(), NO_COLOR: '1' }, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${what} failed in ${cwd}: ${message}\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

function npm(what: string, args: string[], cwd: string): string {
  const cli = process.env.npm_execpath;
  return cli ? run(what, process.execPath, [cli, ...args], cwd) : run(what, 'npm', args, cwd);
}

/**
 * The entries of our package-lock.json that the tarball's dependencies resolve
 * to (transitively, as Node resolves them), at the same places: an app's lockfile
 * made of them installs exactly the packages `npm ci` put in npm's cache.
 */
function dependencyClosure(names: readonly string[]): Record<string, LockEntry> {
  const lock = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const found: Record<string, LockEntry> = {};
  const visit = (from: string, name: string, optional: boolean) => {
    let key: string | null = null;
    for (let at = from; key === null; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
      const candidate = `${at ? `${at}/` : ''}node_modules/${name}`;
      if (lock[candidate]) key = candidate;
      else if (!at) break;
    }
    if (key === null) {
      if (optional) return;
      throw new Error(`package-lock.json has no entry for ${name} (needed by ${from || 'the package'})`);
    }
    if (found[key]) return;
    const { dev: _, ...entry } = lock[key]!;
    found[key] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(key, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(key, dep, true);
  };
  for (const name of names) visit('', name, false);
  return found;
}

test('npm pack of a fresh clone builds dist/ (prepare) and ships the bundles and declarations, no tests or caches', () => {
  const clone = freshClone('clone');
  assert.not.ok(existsSync(join(clone, 'dist')), 'the clone has a dist/ already');
  symlinkSync(realpathSync(join(root, 'node_modules')), join(clone, 'node_modules'), 'dir');
  const [packed] = JSON.parse(npm('npm pack', ['pack', '--json', '--pack-destination', work], clone)) as { filename: string; size: number; files: { path: string }[] }[];
  tarball = join(work, packed!.filename);
  const files = packed!.files.map((f) => f.path);
  console.log(`  ${packed!.filename}: ${(packed!.size / 1024).toFixed(0)} KiB, ${files.length} files`);
  for (const file of shipped) assert.ok(files.includes(file), `the tarball lacks ${file}`);
  const unwanted = files.filter((f) => notShipped.test(f));
  assert.equal(unwanted, [], `the tarball ships ${unwanted.join(', ')}`);
  const manifest = JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')) as { exports: unknown };
  const targets = exportTargets(manifest.exports).map((t) => t.replace(/^\.\//, ''));
  const missing = targets.filter((t) => !files.includes(t));
  assert.equal(missing, [], `package.json exports files the tarball lacks: ${missing.join(', ')}`);
});

test('an app installs the tarball offline, typechecks against its declarations (Node and browser) and runs on the GPU', () => {
  assert.ok(tarball, 'no tarball: the packing test failed');
  const app = join(work, 'app');
  cpSync(appSources, app, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; bin?: Record<string, string>; dependencies: Record<string, string> };
  const closure = dependencyClosure([...Object.keys(manifest.dependencies), '@types/node']);
  const spec = `file:${basename(tarball)}`;
  const appManifest = { name: 'dicnet-app', version: '1.0.0', private: true, type: 'module', dependencies: { [manifest.name]: spec }, devDependencies: { '@types/node': closure['node_modules/@types/node']!.version } };
  // npm links the commands a lockfile entry lists, so the entry carries the package's `bin` as npm itself writes it.
  const packageEntry = { version: manifest.version, resolved: spec, dependencies: manifest.dependencies, ...(manifest.bin ? { bin: manifest.bin } : {}) };
  const rootEntry = { name: appManifest.name, version: appManifest.version, dependencies: appManifest.dependencies, devDependencies: appManifest.devDependencies };
  const lock = { name: appManifest.name, version: appManifest.version, lockfileVersion: 3, requires: true, packages: { '': rootEntry, [`node_modules/${manifest.name}`]: packageEntry, ...closure } };
  cpSync(tarball, join(app, basename(tarball)));
  writeFileSync(join(app, 'package.json'), JSON.stringify(appManifest, null, 2));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock, null, 2));
  try {
    npm('npm ci --offline', ['ci', '--offline', '--no-audit', '--no-fund'], app);
  } catch (error) {
    const hint = /ENOTCACHED/.test(String(error)) ? '\nnpm\'s cache lacks a package this test installs offline: `npm ci` in this repository (scripts/setup.sh) fills it.' : '';
    throw new Error(`${(error as Error).message}${hint}`);
  }

  writeDocExamples(app);
  tsc(join(app, 'tsconfig.json'));
  tsc(join(app, 'tsconfig.browser.json'));
  const report = runApp(join(app, 'out', 'main.js'));
  console.log(`  the installed package ran on ${report.adapter}`);
  const help = run('npx dicnet --help', join(app, 'node_modules', '.bin', 'dicnet'), ['--help'], app);
  assert.match(help, 'usage: npx dicnet <command>');
});

test('an app that installs a fresh clone by path gets a built dist/ and runs it', () => {
  const clone = freshClone('bare-clone');
  const app = join(work, 'clone-app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'dicnet-clone-app', version: '1.0.0', private: true, type: 'module' }));
  npm('npm install <clone>', ['install', '--offline', '--no-audit', '--no-fund', resolve(clone)], app);
  assert.ok(existsSync(join(clone, 'dist', 'node.js')), 'installing the clone did not build dist/node.js');
  assert.ok(existsSync(join(work, 'app', 'out', 'main.js')), 'no compiled app: the tarball test failed');
  cpSync(join(work, 'app', 'out'), join(app, 'out'), { recursive: true });
  runApp(join(app, 'out', 'main.js'));
});

/**
 * The Node and browser examples of the installed docs/api.md as files of the app
 * (api-node.ts, api-browser.ts), so the typecheck holds the docs to the declarations.
 */
function writeDocExamples(app: string): void {
  const docs = readFileSync(join(app, 'node_modules', 'dicnet-webgpu', 'docs', 'api.md'), 'utf8');
  const examples = [...docs.matchAll(/^## (Node|Browser)\n\n```ts\n([\s\S]*?)```/gm)].map((m) => [m[1]!, m[2]!]);
  assert.equal(examples.map(([where]) => where), ['Node', 'Browser'], 'docs/api.md lacks its Node or Browser example');
  for (const [where, code] of examples) writeFileSync(join(app, `api-${where.toLowerCase()}.ts`), `export {};\n${code}`);
}

/** The files an `exports` map points to (its leaves, whatever the conditions). */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  return exports && typeof exports === 'object' ? Object.values(exports).flatMap(exportTargets) : [];
}

interface AppReport {
  adapter: string;
  pixels: number;
  finite: boolean;
  maxDifference: number;
  samePrediction: boolean;
  refusal: { name: string; problems: number } | null;
  gpuErrorIsError: boolean;
}

/** Runs the compiled test/package-app/main.ts and checks what it printed. */
function runApp(main: string): AppReport {
  const output = run('the app', process.execPath, [main], dirname(main), 120_000);
  const report = JSON.parse(output.trim().split('\n').at(-1)!) as AppReport;
  assert.is(report.pixels, tiny.inputHeight * tiny.inputWidth, 'the DiCNet map has one score per input pixel');
  assert.ok(report.finite, 'a score map has a value that is not finite');
  assert.is(report.maxDifference, 0, 'networks loaded from the saved checkpoint score differently from the saved ones');
  assert.ok(report.samePrediction, 'the loaded teacher predicts other classes');
  assert.is(report.refusal?.name, 'CheckpointError', 'loading the student checkpoint into the teacher was not refused with a CheckpointError');
  assert.ok(report.refusal!.problems > 0);
  assert.ok(report.gpuErrorIsError);
  return report;
}

test.run();
