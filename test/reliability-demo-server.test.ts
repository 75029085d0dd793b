// The demo's static server (scripts/serve.js) against bad requests: a path that
// is not valid percent-encoding gets 400 and the server stays up; then 1,000
// seeded random request lines and headers, over raw sockets on 127.0.0.1, each
// answered (never with a 5xx) or refused at the HTTP level within a time
// limit, and the server still serves the page afterwards.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoServer, type DemoServer } from './support/browser';
import { rng } from './support/random';

const test = suite('reliability: demo server');
const requests = 1000;
const parallel = 8;
const timeoutMs = 5000;

let server: DemoServer | null = null;
let folder = '';

test.before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'dicnet-serve-'));
  server = await startDemoServer(folder);
});

test.after(() => {
  server?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/**
 * The server's answer to raw request bytes: its status code (null when it closed
 * the connection without one) and whether scripts/serve.js itself wrote it,
 * rather than Node's HTTP parser refusing the request before it reached the server.
 */
function send(raw: Buffer): Promise<{ status: number | null; byServer: boolean }> {
  const { port } = new URL(server!.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`));
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(new Error(`${error.message} (the server is down?)`))));
    socket.on('close', () => {
      const answer = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1];
      resolve({ status: status === undefined ? null : Number(status), byServer: /\r\ncontent-type: /i.test(answer) });
    });
    socket.write(raw);
  });
}

const get = async (path: string) => (await send(Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1'))).status;

const pathPieces = ['/', '/dist/', '/examples/', '/checkpoints/', 'teacher.safetensors', 'index.html', '..', '%2e%2e', '%2F', '%', '%E0%A4%A', '%ZZ', '%00', '%C0%AF', '%FF', '?a=%', '#', '//', '\\', 'é', '\u{1F600}', ' ', '\t'];
const methods = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'G\u00c9T', ''];

/** A random request: a path built from pieces and random bytes, a method, random headers (names sometimes not tokens, values any non-CRLF byte, now and then huge). */
function randomRequest(random: () => number): Buffer {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const bytes = (n: number, lo: number, hi: number) => String.fromCharCode(...Array.from({ length: n }, () => lo + Math.floor(random() * (hi - lo + 1)))).replace(/[\r\n]/g, '');
  let path = random() < 0.9 ? '/' : '';
  for (let i = Math.floor(random() * 6); i > 0; i--) path += random() < 0.7 ? pick(pathPieces) : bytes(1 + Math.floor(random() * 12), 0x21, random() < 0.8 ? 0x7e : 0xff);
  if (random() < 0.02) path += 'a'.repeat(20_000);
  const headers = ['Host: 127.0.0.1'];
  for (let i = Math.floor(random() * 5); i > 0; i--) {
    const name = random() < 0.9 ? bytes(1 + Math.floor(random() * 10), 0x61, 0x7a) : bytes(1 + Math.floor(random() * 10), 0x20, 0xff);
    const value = random() < 0.03 ? 'v'.repeat(20_000) : bytes(Math.floor(random() * 40), 0x20, random() < 0.8 ? 0x7e : 0xff);
    headers.push(`${name}: ${value}`);
  }
  headers.push('Connection: close');
  return Buffer.from(`${pick(methods)} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1');
}

test('a path that is not valid percent-encoding gets 400, and the server stays up', async () => {
  assert.is(await get('/%E0%A4%A'), 400);
  assert.is(await get('/%'), 400);
  assert.is(await get('/dist/%00'), 400);
  assert.is(await get('/'), 200);
});

test(`${requests} random request paths and headers: each answered without a 5xx or refused, none hangs; the server still serves`, async () => {
  const random = rng(2026);
  const cases = Array.from({ length: requests }, () => randomRequest(random));
  const counts = new Map<string, number>();
  for (let start = 0; start < cases.length; start += parallel) {
    const answers = await Promise.all(cases.slice(start, start + parallel).map(send));
    answers.forEach(({ status, byServer }, i) => {
      assert.ok(status === null || status < 500, `status ${status} for ${JSON.stringify(cases[start + i]!.toString('latin1').slice(0, 300))}`);
      const kind = status === null ? 'closed' : `${status}${byServer ? '' : ' (HTTP parser)'}`;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    });
  }
  console.log(`  answers: ${[...counts].sort().map(([kind, n]) => `${kind} x${n}`).join(', ')}`);
  // The fuzz means something only if many requests got past Node's parser to the server's own path handling.
  assert.ok((counts.get('200') ?? 0) + (counts.get('404') ?? 0) >= 50, 'fewer than 50 requests reached the file lookup');
  assert.ok((counts.get('400') ?? 0) >= 50, 'fewer than 50 requests were refused by the server for their path');
  assert.is(await get('/'), 200);
  assert.is(await get('/examples/browser/index.html'), 200);
});

test.run();
