// What `dicnet infer` reads and writes around the networks: photos in PNG, JPEG
// and WebP (told apart by content, damaged ones named), the score map resized
// to the photo's size (bilinear, as PyTorch's align_corners=False; classes
// nearest), and the .npy file of a float32 score map.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../src/data/errors';
import { encodeNpy } from '../src/data/npy';
import { decodePhoto, readPhoto } from '../src/data/photo';
import { encodePng } from '../src/data/png';
import { resizeBilinear, resizeNearest } from '../src/data/resize';
import { jpegBytes, meanAbsoluteDifference, ramps, webpBytes } from './support/photos';
import { tempDir } from './support/pipeline';

const test = suite('cli: photos, resizing, .npy');

test('PNG, JPEG and WebP (lossless and lossy) decode to the same picture at its own size', async () => {
  const picture = ramps(203, 117);
  const cases: [string, Uint8Array, number][] = [
    ['PNG', encodePng(picture), 0],
    ['JPEG', jpegBytes(picture, 95), 3],
    ['WebP lossless', await webpBytes(picture, { lossless: 1 }), 0],
    ['WebP lossy', await webpBytes(picture, { quality: 90 }), 4],
  ];
  for (const [name, bytes, tolerance] of cases) {
    const decoded = await decodePhoto(bytes, `picture (${name})`);
    assert.is(decoded.width, picture.width, name);
    assert.is(decoded.height, picture.height, name);
    const difference = meanAbsoluteDifference(decoded.data, picture.data);
    assert.ok(difference <= tolerance, `${name}: mean difference ${difference.toFixed(2)} > ${tolerance}`);
  }
});

test('the format comes from the bytes, not the name', async () => {
  const dir = tempDir('photo-names');
  const picture = ramps(31, 17);
  const path = join(dir, 'photo.png');
  writeFileSync(path, jpegBytes(picture, 95));
  const decoded = await readPhoto(path);
  assert.is(decoded.width, 31);
});

test('a damaged, empty, missing or unsupported file is a DataError naming it', async () => {
  const dir = tempDir('photo-bad');
  const picture = ramps(64, 48);
  const jpeg = jpegBytes(picture, 90);
  const webp = await webpBytes(picture, { quality: 80 });
  const files: [string, Uint8Array | null, RegExp][] = [
    ['cut.jpg', jpeg.subarray(0, 300), /cut\.jpg: corrupt or unsupported JPEG/],
    ['cut.webp', webp.subarray(0, 40), /cut\.webp: corrupt or unsupported WebP/],
    ['empty.jpg', new Uint8Array(0), /empty\.jpg: empty file, not an image/],
    ['anim.gif', new TextEncoder().encode('GIF89a and the rest'), /anim\.gif: a GIF image, which is not read here \(PNG, JPEG and WebP are/],
    ['notes.jpg', new TextEncoder().encode('just some text'), /notes\.jpg: not an image this reads/],
    ['missing.jpg', null, /missing\.jpg: cannot read the file \(ENOENT/],
  ];
  for (const [name, bytes, message] of files) {
    const path = join(dir, name);
    if (bytes) writeFileSync(path, bytes);
    try {
      await readPhoto(path);
      assert.unreachable(`${name} was read`);
    } catch (error) {
      assert.instance(error, DataError, `${name}: ${String(error)}`);
      assert.match((error as DataError).message, message);
      assert.equal((error as DataError).files, [path]);
    }
  }
});

/** PyTorch's bilinear resize (align_corners=False, no antialias), in float64, one output pixel at a time. */
function referenceBilinear(values: ArrayLike<number>, w: number, h: number, outW: number, outH: number): number[] {
  const source = (o: number, size: number, outSize: number): [number, number, number] => {
    const s = Math.min(Math.max(((o + 0.5) * size) / outSize - 0.5, 0), size - 1);
    const low = Math.floor(s);
    return [low, Math.min(low + 1, size - 1), s - low];
  };
  const out: number[] = [];
  for (let y = 0; y < outH; y++) {
    const [y0, y1, fy] = source(y, h, outH);
    for (let x = 0; x < outW; x++) {
      const [x0, x1, fx] = source(x, w, outW);
      const at = (yy: number, xx: number): number => values[yy * w + xx]!;
      out.push((1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1)));
    }
  }
  return out;
}

test('resizeBilinear: half-pixel centres, edges clamped, up and down, odd sizes', () => {
  assert.equal(Array.from(resizeBilinear(Float32Array.from([0, 1]), 2, 1, 4, 1)), [0, 0.25, 0.75, 1]);
  const values = Float32Array.from({ length: 5 * 3 }, (_, i) => Math.sin(i * 1.7) * 3 + i);
  for (const [outW, outH] of [[13, 7], [3, 2], [5, 3], [1, 1], [160, 1]] as const) {
    const got = resizeBilinear(values, 5, 3, outW, outH);
    const want = referenceBilinear(values, 5, 3, outW, outH);
    assert.is(got.length, outW * outH);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-5, `${outW}x${outH} [${i}]: ${got[i]} vs ${want[i]}`);
  }
  assert.throws(() => resizeBilinear(new Float32Array(5), 2, 2, 4, 4), /a 2x2 map needs 4 values, got 5/);
});

test('resizeNearest: every output pixel takes the class of the input pixel under its centre', () => {
  const classes = Int32Array.from([1, 2, 3, 4, 5, 6]);
  assert.equal(Array.from(resizeNearest(classes, 3, 2, 6, 4)), [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6]);
  assert.equal(Array.from(resizeNearest(classes, 3, 2, 3, 2)), Array.from(classes));
});

test('encodeNpy: a version 1.0 header numpy reads (64-byte aligned, <f4, C order, the shape), then the values', () => {
  const values = Float32Array.from([0.5, -2, 3.25, Infinity, NaN, 1e-30]);
  const bytes = encodeNpy(values, [2, 3]);
  assert.equal(Array.from(bytes.subarray(0, 8)), [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const headerLength = bytes[8]! | (bytes[9]! << 8);
  assert.is((10 + headerLength) % 64, 0);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
  const stored = new Float32Array(bytes.slice(10 + headerLength).buffer);
  assert.equal(Array.from(stored), Array.from(values));
  assert.match(new TextDecoder().decode(encodeNpy(new Float32Array(4), [4]).subarray(10, 80)), /'shape': \(4,\)/);
  assert.throws(() => encodeNpy(new Float32Array(5), [2, 3]), /shape \(2, 3\) needs 6 values, got 5/);
});

test.run();
