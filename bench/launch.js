// Runs a TypeScript benchmark from dist/bench/, building first when dist/ is
// missing or older than the sources, so `node bench/<name>.js` works on a fresh clone.
// The npm package ships dist/bench/dicnet.js without sources: it runs as it is.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export async function launch(name) {
  const target = join(root, 'dist', 'bench', `${name}.js`);
  const installed = !existsSync(join(root, 'src'));
  const sources = installed ? 0 : Math.max(...['src', 'shaders', 'bench'].map((d) => newest(join(root, d))));
  if (!existsSync(target) || statSync(target).mtimeMs < sources) {
    console.error('building dist/ ...');
    execFileSync(process.execPath, [join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'inherit' });
  }
  await import(pathToFileURL(target).href);
}
