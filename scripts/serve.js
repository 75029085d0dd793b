// A tiny static server for the browser demo, on 127.0.0.1 only:
//   /                      -> examples/browser/index.html
//   /examples/..., /dist/... files of this checkout
//   /checkpoints/<name>    teacher.safetensors and student.safetensors from the
//                          checkpoint folder (--checkpoints DIR, $DICNET_CHECKPOINTS,
//                          results/checkpoints when it exists, else weights/camvid-tiny);
//                          404 without one.
// `node scripts/serve.js --help` lists the options.
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
  const found = [join(repoRoot, 'results', 'checkpoints'), join(repoRoot, 'weights', 'camvid-tiny')].find((dir) => existsSync(join(dir, 'student.safetensors')));
  return found ?? null;
}

const usage = `usage: node scripts/serve.js [options]
  serves the browser demo on 127.0.0.1 and prints its address
  --port N              the port (default 0: the OS picks a free one)
  --checkpoints DIR     the trained networks the page loads (default $DICNET_CHECKPOINTS,
                        or results/checkpoints where the main job wrote them, else the CamVid-trained
                        ones shipped in weights/camvid-tiny; without any, the page asks for the files)
  --help                this text
Options are --name value or --name=value.`;

class UsageError extends Error {}

/** The options, or null for --help; UsageError names what is wrong. */
function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') return null;
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag !== '--port' && flag !== '--checkpoints') throw new UsageError(`unknown option ${flag}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === '--checkpoints') options.checkpoints = value;
    else if (/^\d+$/.test(value) && Number(value) <= 65535) options.port = Number(value);
    else throw new UsageError(`--port takes a port number (0-65535), got "${value}"`);
  }
  return options;
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n(node scripts/serve.js --help lists the options)`);
  process.exit(2);
}
if (options === null) {
  console.log(usage);
  process.exit(0);
}
try {
  const { url, checkpoints } = await startServer(options);
  console.log(`serving the DiCNet demo at ${url} (checkpoints: ${checkpoints ?? 'none; pick the files on the page'})`);
} catch (error) {
  console.error(`serve: ${error.message}`);
  process.exit(1);
}
