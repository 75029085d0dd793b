// The package's TypeScript declarations: tsc (tsconfig.types.json) writes one
// .d.ts per source module under dist/types/, then every relative import in them
// gets the extension Node's ESM resolution asks for (`./engine` -> `./engine.js`,
// `./graph` -> `./graph/index.js`), so an app typechecks against them under any
// moduleResolution (node16, nodenext, bundler). The two entry points reference
// the DOM lib, where TypeScript keeps the WebGPU types, so an app whose own
// `lib` lacks "dom" still gets GPUBuffer and friends.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

const entryPoints = ['index.node.d.ts', 'index.browser.d.ts'];
const relativeSpecifier = /(\bfrom\s+|\bimport\s*\(\s*)(['"])(\.\.?\/[^'"]*)\2/g;

export function emitDeclarations(root, outDir) {
  const typescript = createRequire(join(root, 'package.json')).resolve('typescript/package.json');
  const tsc = join(dirname(typescript), JSON.parse(readFileSync(typescript, 'utf8')).bin.tsc);
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.types.json')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    throw new Error(`tsc -p tsconfig.types.json failed, so the package has no declarations:\n${error.stdout}${error.stderr}`);
  }
  for (const file of declarationFiles(outDir)) {
    let text = readFileSync(file, 'utf8').replace(relativeSpecifier, (_, before, quote, specifier) => `${before}${quote}${withExtension(file, specifier, outDir)}${quote}`);
    if (entryPoints.includes(relative(outDir, file))) text = `/// <reference lib="dom" />\n${text}`;
    writeFileSync(file, text);
  }
  for (const entry of entryPoints) if (!existsSync(join(outDir, entry))) throw new Error(`tsc wrote no ${join(outDir, entry)}`);
}

function declarationFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

function withExtension(file, specifier, outDir) {
  const target = join(dirname(file), specifier);
  if (existsSync(`${target}.d.ts`)) return `${specifier}.js`;
  if (existsSync(join(target, 'index.d.ts'))) return `${specifier}/index.js`;
  throw new Error(`${relative(outDir, file)} imports "${specifier}", which has no declaration file`);
}
