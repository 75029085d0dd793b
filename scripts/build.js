// Builds dist/: the Node bundle, the browser bundle and demo (WGSL inlined,
// nothing Node-only), the benchmarks, and one bundle per test file for uvu.
import { build } from 'esbuild';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { checkBrowserBundle, engineBundleAsExternal, nodeOnly } from './browser-bundle.js';

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: 'linked',
  loader: { '.wgsl': 'text' },
  logLevel: 'warning',
};
const nodeExternal = ['webgpu', 'pngjs', 'uvu', 'uvu/*', 'playwright-core'];

rmSync('dist', { recursive: true, force: true });
const tests = readdirSync('test').filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`);
const jobs = [
  build({ ...common, platform: 'node', external: nodeExternal, entryPoints: ['src/index.node.ts'], outfile: 'dist/node.js' }),
  build({ ...common, platform: 'browser', external: nodeOnly, metafile: true, entryPoints: ['src/index.browser.ts'], outfile: 'dist/browser.js' }).then((r) => {
    checkBrowserBundle('dist/browser.js', r.metafile);
    writeFileSync('dist/browser.meta.json', JSON.stringify(r.metafile));
  }),
  build({ ...common, platform: 'browser', external: nodeOnly, metafile: true, plugins: [engineBundleAsExternal], entryPoints: ['examples/browser/demo.ts'], outdir: 'dist/examples/browser' }).then((r) =>
    checkBrowserBundle('the browser demo', r.metafile, ['../../browser.js']),
  ),
  build({ ...common, platform: 'node', external: nodeExternal, entryPoints: tests, outdir: 'dist/test' }),
];
const benches = readdirSync('bench').filter((f) => f.endsWith('.ts')).map((f) => `bench/${f}`);
if (benches.length) {
  jobs.push(build({ ...common, platform: 'node', external: [...nodeExternal, '@tensorflow/*'], entryPoints: benches, outdir: 'dist/bench' }));
}
await Promise.all(jobs);
