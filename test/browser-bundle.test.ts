// The browser bundle (dist/browser.js, written by scripts/build.js) holds the
// engine with its WGSL inlined and nothing Node-only; the build's check refuses
// a bundle that reaches Node-only code, naming the file that does.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const test = suite('browser bundle');
const nodeOnlySources = ['src/gpu/node.ts', 'src/checkpoint/io.ts', 'src/data/png.ts', 'src/data/streethazards.ts', 'src/data/synthetic/generate.ts'];

test('dist/browser.js holds the engine, its shaders, and nothing Node-only', () => {
  const meta = JSON.parse(readFileSync('dist/browser.meta.json', 'utf8')) as { inputs: Record<string, { imports: { path: string; external?: boolean }[] }> };
  const inputs = Object.keys(meta.inputs);
  for (const wanted of ['src/gpu/browser.ts', 'src/model/networks.ts', 'src/checkpoint/safetensors.ts', 'src/eval/heatmap.ts', 'src/data/synthetic/scene.ts', 'shaders/conv2d.wgsl']) {
    assert.ok(inputs.includes(wanted), `${wanted} is not in the browser bundle`);
  }
  for (const file of inputs) {
    assert.not.ok(nodeOnlySources.includes(file) || file.includes('node_modules/'), `${file} is in the browser bundle`);
    const external = meta.inputs[file]!.imports.filter((i) => i.external);
    assert.equal(external, [], `${file} imports ${external.map((i) => i.path).join(', ')}`);
  }
  const bundle = readFileSync('dist/browser.js', 'utf8');
  assert.not.ok(/\bfrom\s*["'](node:|fs|path|pngjs|webgpu)|\brequire\(|import\(["']/.test(bundle), 'the bundle imports a module');
  assert.ok(bundle.includes('@compute'), 'no WGSL entry point inlined');
  assert.ok(/export\s*\{[^}]*\bcreateBrowserRuntime as createRuntime\b/.test(bundle), 'createRuntime is not the browser runtime');
});

test("the build's check names the file that reaches Node-only code", () => {
  const script = `
    import { build } from 'esbuild';
    import { checkBrowserBundle, nodeOnly } from './scripts/browser-bundle.js';
    const r = await build({ bundle: true, format: 'esm', platform: 'browser', write: false, metafile: true, external: nodeOnly, loader: { '.wgsl': 'text' }, entryPoints: ['src/index.node.ts'], outfile: 'leak.js', logLevel: 'silent' });
    checkBrowserBundle('the Node entry point', r.metafile);`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is.not(run.status, 0, 'the check passed a bundle of the Node entry point');
  assert.match(run.stderr, 'the Node entry point must run in browsers, but it reaches Node-only code');
  assert.match(run.stderr, 'src/data/png.ts imports pngjs');
  assert.match(run.stderr, 'src/gpu/node.ts imports webgpu');
});

test.run();
