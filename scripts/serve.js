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

class BadRequest extends Error {}

/** The request's path, percent-decoded; BadRequest when it cannot be. */
function requestPath(request) {
  let path;
  try {
    path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  } catch {
    throw new BadRequest(`bad request: ${JSON.stringify(request.url)} is not a valid percent-encoded path`);
  }
  if (path.includes('\0')) throw new BadRequest('bad request: the path holds a NUL character');
  return path;
}

/** Errors reading a file that mean it is not there (404), rather than that the server failed (500). */
const notThere = new Set(['ENOENT', 'EISDIR', 'ENOTDIR', 'ENAMETOOLONG']);

/** Answers one request. It never throws: no request can stop the server. */
async function respond(request, response, folder) {
  try {
    const path = requestPath(request);
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, `${request.method} not allowed: this server only reads`, { allow: 'GET, HEAD' });
    const file = fileFor(path, folder);
    const body = file && (await readFile(file).catch((error) => (notThere.has(error.code) ? null : Promise.reject(error))));
    if (!body) return reply(response, 404, `not found: ${path}`);
    response.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch (error) {
    if (error instanceof BadRequest) reply(response, 400, error.message);
    else reply(response, 500, `cannot answer ${JSON.stringify(request.url)}: ${error.message}`);
  }
}

function reply(response, status, text, headers = {}) {
  if (response.headersSent) return response.destroy();
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  response.end(text);
}

/** Starts the server; resolves to its URL. */
async function startServer({ port = 0, checkpoints = defaultCheckpoints() } = {}) {
  const folder = checkpoints ? resolve(checkpoints) : null;
  const server = createServer((request, response) => void respond(request, response, folder));
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
