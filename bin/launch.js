// Runs a built entry point (dist/bin/dicnet.js, dist/bench/<name>.js), building
// first when dist/ is missing or older than the sources, so `npx dicnet` and
// `node bench/<name>.js` work on a fresh clone. The npm package ships
// dist/bin/dicnet.js without sources: it runs as it is.
// Before set-up (no node_modules) every entry point says so in one line, exit 2,
// rather than with the stack trace of the first import that fails.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** What building dist/ imports. */
const buildTools = ['esbuild', 'typescript'];

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Whether Node would find the package from here: a node_modules/<name> in this folder or one above, as its resolution looks. */
function installed(name) {
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', name, 'package.json'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

function exitUnlessInstalled(names, clone) {
  const missing = names.filter((name) => !installed(name));
  if (missing.length === 0) return;
  const fix = clone ? `run \`bash scripts/setup.sh\` in ${root}` : 'run `npm install` in the app that depends on dicnet-webgpu';
  console.error(`dicnet: the npm packages are not installed (${missing.join(', ')} missing): ${fix}`);
  process.exit(2);
}

/** Runs dist/<entry>.js (`bin/dicnet`, `bench/run`). */
export async function launch(entry) {
  const target = join(root, 'dist', `${entry}.js`);
  const clone = existsSync(join(root, 'src'));
  const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const sources = clone ? Math.max(...['src', 'shaders', 'bench'].map((d) => newest(join(root, d)))) : 0;
  const stale = !existsSync(target) || statSync(target).mtimeMs < sources;
  exitUnlessInstalled([...(stale ? buildTools : []), ...Object.keys(dependencies)], clone);
  if (stale) {
    console.error('building dist/ ...');
    try {
      execFileSync(process.execPath, [join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'inherit' });
    } catch {
      console.error('dicnet: building dist/ failed (the errors are above)');
      process.exit(1);
    }
  }
  await import(pathToFileURL(target).href);
}
