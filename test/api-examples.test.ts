// docs/api.md's examples as a new app meets them: an app made of the page's
// own package.json and tsconfig.json blocks and nothing else (no @types/node),
// the package linked into its node_modules as npm links a dependency, each
// example verbatim in a file of its own, compiled by tsc with the page's
// settings (Node and browser), and the first Node example run on the GPU with
// the files it reads. The other examples need the published .pth files or a
// page, so they are compiled, not run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { saveCheckpoint } from '../src/checkpoint/io';
import { Random } from '../src/base/random';
import { decodeImage } from '../src/data/png';
import { tiny } from '../src/model/config';
import { Student, Teacher } from '../src/model/networks';
import { readState } from '../src/model/state';
import { jpegBytes, ramps } from './support/photos';
import { testRuntime } from './support/runtime';
import { tsc } from './support/tsc';

const test = suite('docs/api.md examples in a new app');
const docs = readFileSync('docs/api.md', 'utf8');
let work = '';

test.before(() => {
  work = mkdtempSync(join(tmpdir(), 'dicnet-api-examples-'));
});

test.after(() => {
  rmSync(work, { recursive: true, force: true });
});

/** The first ```json block after `label` in the page. */
function jsonAfter(label: string): Record<string, unknown> {
  const at = docs.indexOf(label);
  assert.ok(at >= 0, `docs/api.md no longer says ${label}`);
  const block = /```json\n([\s\S]*?)```/.exec(docs.slice(at));
  assert.ok(block, `no json block after ${label}`);
  return JSON.parse(block[1]!) as Record<string, unknown>;
}

const examples = [...docs.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const nodeExamples = examples.filter((code) => code.includes('createNodeRuntime'));
const browserExamples = examples.filter((code) => code.includes('createBrowserRuntime'));

/** A new app folder: the page's package.json, the given tsconfig, the package linked in, one file per example. */
function newApp(name: string, tsconfig: Record<string, unknown>, code: readonly string[]): string {
  const app = join(work, name);
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name, private: true, ...jsonAfter('`package.json`'), dependencies: { 'dicnet-webgpu': '*' } }));
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
  symlinkSync(resolve('.'), join(app, 'node_modules', 'dicnet-webgpu'), 'dir');
  code.forEach((example, i) => writeFileSync(join(app, `example-${i + 1}.ts`), example));
  return app;
}

test('the page has Node and browser examples, and says what the app needs', () => {
  assert.ok(nodeExamples.length >= 2 && browserExamples.length >= 2, `${nodeExamples.length} Node and ${browserExamples.length} browser examples`);
  assert.is(jsonAfter('`package.json`').type, 'module');
});

test('every browser example compiles with the browser settings, without Node types', () => {
  tsc(join(newApp('browser-app', jsonAfter('`tsconfig.json` for a browser app'), browserExamples), 'tsconfig.json'));
});

test('every Node example compiles with the Node settings, and the first runs as the page says', async () => {
  const app = newApp('node-app', jsonAfter('`tsconfig.json` for Node'), nodeExamples);
  tsc(join(app, 'tsconfig.json'));
  const rt = await testRuntime();
  const rng = new Random(1);
  mkdirSync(join(app, 'results', 'checkpoints'), { recursive: true });
  for (const [role, model] of [['teacher', new Teacher(rt, rng, tiny)], ['student', new Student(rt, rng, tiny)]] as const) {
    await saveCheckpoint(join(app, 'results', 'checkpoints', `${role}.safetensors`), await readState(model), { config: tiny.name });
  }
  writeFileSync(join(app, 'street.jpg'), jpegBytes(ramps(203, 117), 90));
  execFileSync(process.execPath, [join('out', 'example-1.js')], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  const heatmap = decodeImage(readFileSync(join(app, 'heatmap.png')), 'heatmap.png');
  assert.equal([heatmap.width, heatmap.height], [tiny.inputWidth, tiny.inputHeight]);
});

test.run();
