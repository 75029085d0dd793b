// The browser bundles: the engine (dist/browser.js) and the demo page's module,
// which imports the engine bundle at run time instead of a copy of it. Node-only
// modules are marked external here only so that the check below can name the
// file that imports them; a browser bundle with any external import fails.
import { builtinModules } from 'node:module';

export const nodeOnly = ['node:*', ...builtinModules, 'webgpu', 'pngjs', 'playwright-core'];

/** The demo imports the engine as `../../src/index.browser`; in dist it is the engine bundle beside it. */
export const engineBundleAsExternal = {
  name: 'engine-bundle-as-external',
  setup(build) {
    build.onResolve({ filter: /\/src\/index\.browser(\.ts)?$/ }, () => ({ path: '../../browser.js', external: true }));
  },
};

/** Every import of a Node-only module in an esbuild metafile, as "file imports module" lines. */
export function nodeOnlyImports(metafile, allowed = []) {
  const found = [];
  for (const [file, input] of Object.entries(metafile.inputs)) {
    if (/node_modules\/(webgpu|pngjs)\//.test(file)) found.push(`${file} is bundled`);
    for (const i of input.imports) if (i.external && !allowed.includes(i.path)) found.push(`${file} imports ${i.path}`);
  }
  return found;
}

export function checkBrowserBundle(name, metafile, allowed = []) {
  const found = nodeOnlyImports(metafile, allowed);
  if (found.length) throw new Error(`${name} must run in browsers, but it reaches Node-only code:\n  ${found.join('\n  ')}`);
}
