// Builds dist/: the Node bundle, the browser bundle and demo (WGSL inlined,
// nothing Node-only), the declarations, the benchmarks, and one bundle per test
// file for uvu. `--package` builds only what the npm package ships (the two
// bundles, dist/types/ and the `dicnet` command's dist/bin/dicnet.js); the
// `prepare` script runs it, so `npm install` of a clone, `npm pack` and `npm ci` build it.
import { build } from 'esbuild';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkBrowserBundle, engineBundleAsExternal, nodeOnly } from './browser-bundle.js';
import { emitDeclarations } from './declarations.js';
import { writeNotices } from './notices.js';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const packageOnly = process.argv.includes('--package');
const unknown = process.argv.slice(2).filter((a) => a !== '--package');
if (unknown.length) throw new Error(`unknown option ${unknown.join(' ')}\nusage: node scripts/build.js [--package]`);

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: 'linked',
  loader: { '.wgsl': 'text' },
  logLevel: 'warning',
};
const nodeExternal = ['webgpu', 'pngjs', 'uvu', 'uvu/*', 'playwright-core'];
const packageOutputs = ['dist/node.js', 'dist/node.js.map', 'dist/browser.js', 'dist/browser.js.map', 'dist/browser.meta.json', 'dist/types', 'dist/bin', 'dist/THIRD-PARTY-NOTICES.md'];
/** The bundles the npm package ships, whose bundled packages' notices go with them. */
const shippedBundles = ['dist/node.js', 'dist/browser.js', 'dist/bin/dicnet.js'];
const benchExternal = [...nodeExternal, '@tensorflow/*'];

for (const path of packageOnly ? packageOutputs : ['dist']) rmSync(path, { recursive: true, force: true });
const jobs = [
  build({ ...common, platform: 'node', external: nodeExternal, metafile: true, entryPoints: ['src/index.node.ts'], outfile: 'dist/node.js' }),
  build({ ...common, platform: 'browser', external: nodeOnly, metafile: true, entryPoints: ['src/index.browser.ts'], outfile: 'dist/browser.js' }).then((r) => {
    checkBrowserBundle('dist/browser.js', r.metafile);
    writeFileSync('dist/browser.meta.json', JSON.stringify(r.metafile));
    return r;
  }),
];
jobs.push(build({ ...common, platform: 'node', external: nodeExternal, metafile: true, entryPoints: ['src/bin/dicnet.ts'], outdir: 'dist/bin' }));
if (!packageOnly) {
  const tests = readdirSync('test').filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`);
  jobs.push(
    build({ ...common, platform: 'browser', external: nodeOnly, metafile: true, plugins: [engineBundleAsExternal], entryPoints: ['examples/browser/demo.ts'], outdir: 'dist/examples/browser' }).then((r) =>
      checkBrowserBundle('the browser demo', r.metafile, ['../../browser.js']),
    ),
    build({ ...common, platform: 'node', external: nodeExternal, entryPoints: tests, outdir: 'dist/test' }),
  );
  const benches = readdirSync('bench').filter((f) => f.endsWith('.ts')).map((f) => `bench/${f}`);
  if (benches.length) {
    jobs.push(build({ ...common, platform: 'node', external: benchExternal, metafile: true, entryPoints: benches, outdir: 'dist/bench' }));
  }
}
const results = await Promise.all(jobs);
writeNotices(results.map((r) => r?.metafile).filter(Boolean), shippedBundles, 'dist/THIRD-PARTY-NOTICES.md');
emitDeclarations(root, 'dist/types');
