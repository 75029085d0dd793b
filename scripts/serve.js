// A tiny static server for the browser demo, on 127.0.0.1 only:
//   /                      -> examples/browser/index.html
//   /examples/..., /dist/... files of this checkout
//   /checkpoints/<name>    teacher.safetensors and student.safetensors from the
//                          checkpoint folder (--checkpoints DIR, $DICNET_CHECKPOINTS,
//                          or results/checkpoints when it exists); 404 without one.
// usage: node scripts/serve.js [--port N (0: the OS picks)] [--checkpoints DIR]
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const servedFolders = ['examples', 'dist'];
const checkpointNames = ['teacher.safetensors', 'student.safetensors'];
const contentTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.safetensors': 'application/octet-stream',
};

/** Where a request path's file lies, or null when it is outside what we serve. */
function fileFor(urlPath, checkpoints) {
  if (urlPath === '/' || urlPath === '/index.html') return join(repoRoot, 'examples', 'browser', 'index.html');
  const name = urlPath.slice('/checkpoints/'.length);
  if (urlPath.startsWith('/checkpoints/')) return checkpoints && checkpointNames.includes(name) ? join(checkpoints, name) : null;
  const file = resolve(repoRoot, `.${urlPath}`);
  return servedFolders.some((folder) => file.startsWith(join(repoRoot, folder) + sep)) ? file : null;
}

/** Starts the server; resolves to its URL. */
async function startServer({ port = 0, checkpoints = defaultCheckpoints() } = {}) {
  const folder = checkpoints ? resolve(checkpoints) : null;
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = request.method === 'GET' || request.method === 'HEAD' ? fileFor(path, folder) : null;
    try {
      if (!file) throw Object.assign(new Error('not served'), { code: 'ENOENT' });
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      const missing = error.code === 'ENOENT' || error.code === 'EISDIR';
      response.writeHead(missing ? 404 : 500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(missing ? `not found: ${path}` : `cannot read ${path}: ${error.message}`);
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const url = `http://127.0.0.1:${server.address().port}/`;
  return { url, checkpoints: folder };
}

function defaultCheckpoints() {
  if (process.env.DICNET_CHECKPOINTS) return process.env.DICNET_CHECKPOINTS;
  const results = join(repoRoot, 'results', 'checkpoints');
  return existsSync(results) ? results : null;
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--port' && value !== undefined && /^\d+$/.test(value)) options.port = Number(argv[++i]);
    else if (argv[i] === '--checkpoints' && value !== undefined) options.checkpoints = argv[++i];
    else throw new Error(`unknown or incomplete option "${argv[i]}"\nusage: node scripts/serve.js [--port N] [--checkpoints DIR]`);
  }
  return options;
}

try {
  const { url, checkpoints } = await startServer(parseArgs(process.argv.slice(2)));
  console.log(`serving the DiCNet demo at ${url} (checkpoints: ${checkpoints ?? 'none; pick the files on the page'})`);
} catch (error) {
  console.error(`serve: ${error.message}`);
  process.exit(1);
}
