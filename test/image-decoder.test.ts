// One decoder for PNG, JPEG and WebP, told apart by content, in both bundles:
// the Node bundle's readImage (a file) and decodeImage (bytes), and the browser
// bundle's decodeImage in headless Chromium, give the picture's pixels (JPEG,
// decoded by different libraries, within a few levels) and refuse other files
// with the same DataError.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePng } from '../src/data/png';
import { DataError } from '../src/data/errors';
import { decodeImage, readImage } from '../src/index.node';
import { launchChromium, startDemoServer } from './support/browser';
import { jpegBytes, meanAbsoluteDifference, ramps, webpBytes } from './support/photos';

const test = suite('image decoder (Node and browser bundles)');
const picture = ramps(61, 37);

/** Name, bytes, and the mean difference allowed from the picture (lossless formats: none). */
async function files(): Promise<[string, Uint8Array, number][]> {
  return [
    ['street.png', encodePng(picture), 0],
    ['street.jpg', jpegBytes(picture, 95), 3],
    ['street.webp', await webpBytes(picture, { lossless: 1 }), 0],
    ['named.png', jpegBytes(picture, 95), 3],
  ];
}
const refused: [string, Uint8Array, RegExp][] = [
  ['anim.gif', new TextEncoder().encode('GIF89a and the rest'), /^anim\.gif: a GIF image, which is not read here \(PNG, JPEG and WebP are/],
  ['notes.txt', new TextEncoder().encode('just some text'), /^notes\.txt: not an image this reads/],
];

test('Node: readImage reads PNG, JPEG and WebP files by their content', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'dicnet-decoder-'));
  try {
    for (const [name, bytes, tolerance] of await files()) {
      writeFileSync(join(folder, name), bytes);
      for (const decoded of [await readImage(join(folder, name)), await decodeImage(bytes, name)]) {
        assert.equal([decoded.width, decoded.height], [picture.width, picture.height], name);
        assert.ok(meanAbsoluteDifference(decoded.data, picture.data) <= tolerance, name);
      }
    }
    for (const [name, bytes, message] of refused) {
      await decodeImage(bytes, name).then(() => assert.unreachable(name), (error: unknown) => {
        assert.instance(error, DataError);
        assert.match((error as Error).message, message);
      });
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

interface PageResult {
  width?: number;
  height?: number;
  data?: number[];
  error?: string;
}

test("the browser bundle's decodeImage gives the same pixels and the same refusals", async () => {
  const checkpoints = mkdtempSync(join(tmpdir(), 'dicnet-decoder-page-'));
  const server = await startDemoServer(checkpoints);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}a-page-of-the-same-origin`);
    const inputs = [...(await files()), ...refused].map(([name, bytes]) => ({ name, bytes: Array.from(bytes) }));
    const results = await page.evaluate(async ({ bundle, inputs }) => {
      const { decodeImage: decode } = (await import(bundle)) as typeof import('../src/index.browser');
      const out: PageResult[] = [];
      for (const { name, bytes } of inputs) {
        try {
          const image = await decode(new Uint8Array(bytes), name);
          out.push({ width: image.width, height: image.height, data: Array.from(image.data) });
        } catch (error) {
          out.push({ error: `${(error as Error).name}: ${(error as Error).message}` });
        }
      }
      return out;
    }, { bundle: '/dist/browser.js', inputs });
    const expected = await files();
    for (const [i, [name, , tolerance]] of expected.entries()) {
      const result = results[i]!;
      assert.is(result.error, undefined, `${name}: ${result.error}`);
      assert.equal([result.width, result.height], [picture.width, picture.height], name);
      const difference = meanAbsoluteDifference(Uint8Array.from(result.data!), picture.data);
      assert.ok(difference <= tolerance, `${name}: mean difference ${difference.toFixed(2)} > ${tolerance}`);
    }
    for (const [i, [name, , message]] of refused.entries()) {
      const error = results[expected.length + i]!.error ?? '';
      assert.match(error, /^DataError: /, `${name}: ${error}`);
      assert.match(error.slice('DataError: '.length), message);
    }
  } finally {
    await browser.close();
    server.stop();
    rmSync(checkpoints, { recursive: true, force: true });
  }
});

test.run();
