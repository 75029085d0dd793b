// A short seeded fuzz of the PNG and label-map loader: random truncations and
// byte flips of valid files. Every case ends in a valid result or a DataError
// naming the file, never a crash, a hang or an exception from inside pngjs.
// (The safetensors reader's fuzz is test/checkpoint-fuzz.test.ts.)
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32 } from '../src/base/crc32';
import { DataError } from '../src/data/errors';
import { decodeImage, decodeLabelMap, encodePng } from '../src/data/png';
import { rawPng } from './support/raw-png';
import { rng } from './support/random';

const test = suite('reliability: PNG fuzz');

const [W, H] = [23, 11];
// Plain copies: Buffer#slice would share (and the fuzz would damage) the valid bytes.
const image = new Uint8Array(encodePng({ width: W, height: H, data: Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37) % 256) }));
const label = new Uint8Array(encodePng({ width: W, height: H, labels: Uint8Array.from({ length: W * H }, (_, i) => 1 + (i % 14)) }));
const palette = new Uint8Array(rawPng({ width: W, height: H, bitDepth: 8, colourType: 3, pixels: Uint8Array.from({ length: W * H }, (_, i) => i % 14), palette: Array.from({ length: 14 }, (_, i) => [i * 9, 255 - i * 9, i * 3]) }));

type Decoder = (bytes: Uint8Array, name: string) => { width: number; height: number };
const decoders: [string, Uint8Array, Decoder][] = [
  ['RGB image', image, decodeImage],
  ['grey label map', label, decodeLabelMap],
  ['palette label map', palette, decodeLabelMap],
];

/** Start and end (after the CRC) of each chunk of a valid PNG. */
function chunks(png: Uint8Array): [number, number][] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: [number, number][] = [];
  for (let at = 8; at < png.length; at += 12 + view.getUint32(at)) out.push([at, at + 12 + view.getUint32(at)]);
  return out;
}

/**
 * A truncation, random bytes anywhere, or bytes changed inside one chunk with
 * its CRC recomputed: those get past the CRC check into the decoder (IHDR sizes
 * and formats, zlib streams, filter bytes, palettes).
 */
function damaged(valid: Uint8Array, random: () => number): Uint8Array {
  const pick = (n: number): number => Math.floor(random() * n);
  const kind = pick(3);
  if (kind === 0) return valid.slice(0, pick(valid.length));
  const bytes = valid.slice();
  const flips = 1 + pick(4);
  if (kind === 1) {
    for (let i = 0; i < flips; i++) bytes[pick(bytes.length)] = pick(256);
    return bytes;
  }
  const [start, end] = chunks(valid)[pick(chunks(valid).length)]!;
  if (end - start === 12) return bytes;
  for (let i = 0; i < flips; i++) bytes[start + 8 + pick(end - start - 12)] = random() < 0.5 ? pick(256) : [0, 1, 255, 0x7f][pick(4)]!;
  new DataView(bytes.buffer).setUint32(end - 4, crc32(bytes.subarray(start + 4, end - 4)));
  return bytes;
}

test('truncations and byte flips of PNG images and label maps: a valid result or a DataError, nothing else', () => {
  const random = rng(20261125);
  const casesPer = 1200;
  const started = performance.now();
  const lines: string[] = [];
  for (const [kind, valid, decode] of decoders) {
    let decoded = 0;
    const reasons = new Map<string, number>();
    for (let i = 0; i < casesPer; i++) {
      const bytes = damaged(valid, random);
      const name = `fuzz-${i}.png`;
      try {
        const result = decode(bytes, name);
        assert.ok(result.width > 0 && result.height > 0, `${kind} case ${i}: a decoded file has a size`);
        decoded++;
      } catch (error) {
        if (!(error instanceof DataError)) {
          throw new Error(`${kind} case ${i}: ${String(error)} is not a DataError (file ${Buffer.from(bytes).toString('base64')})`);
        }
        assert.ok(error.message.startsWith(`${name}: `) && error.files.includes(name), `${kind} case ${i}: the error names the file: ${error.message}`);
        const reason = error.message.slice(name.length + 2).replace(/"[^"]*"|\d+/g, '_').slice(0, 32);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
    assert.ok(decoded > 0 && decoded < casesPer && reasons.size >= 8, `${kind}: damage is mostly caught, in several ways: ${[...reasons.keys()].join(' | ')}`);
    lines.push(`${kind}: ${decoded} decoded, ${casesPer - decoded} DataErrors of ${reasons.size} kinds`);
  }
  console.log(`  PNG fuzz, ${decoders.length * casesPer} cases in ${(performance.now() - started).toFixed(0)} ms: ${lines.join('; ')}`);
});

test.run();
