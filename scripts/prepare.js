// The `prepare` script: builds what the npm package ships (scripts/build.js
// --package). npm runs it on `npm ci` / `npm install` in this folder, on
// `npm pack`, and when an app installs a clone of this repository
// (`npm install ../dicnet-webgpu`). In that last case the clone has no
// node_modules yet, so neither the build tools nor the engine's own
// dependencies: npm links the folder without installing them. This script
// then installs them first (`npm ci` here, from package-lock.json), as npm
// does for a git dependency. Not under `npx dicnet` in a clone that was never
// set up (npm runs this script then too): there the command itself says in one
// line what to install, as `node bench/run.js` does, instead of an install
// starting unasked.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const needed = ['esbuild', 'typescript', 'webgpu', 'pngjs'];
/** The parent install's settings that would turn this one into something else (global, no dev dependencies, no lockfile). */
const parentOnly = /^npm_config_(global|prefix|omit|include|production|only|dev|save.*|install_links|package_lock.*|workspaces?|dry_run)$/i;

const missing = needed.filter((name) => !existsSync(join(root, 'node_modules', name, 'package.json')));
if (missing.length && process.env.npm_command === 'exec') process.exit(0);
if (missing.length) {
  console.log(`dicnet-webgpu: ${missing.join(', ')} missing in ${root}; installing its packages (npm ci) before building`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !parentOnly.test(key)));
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  execFileSync(npm[0], [...npm.slice(1), 'ci', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: root, env, stdio: 'inherit' });
}
execFileSync(process.execPath, [join(root, 'scripts', 'build.js'), '--package'], { cwd: root, stdio: 'inherit' });
