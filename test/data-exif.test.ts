// JPEG photos turned as their EXIF orientation says, as a browser shows them:
// every orientation 1..8 against a float64-free reference (pixel moves only),
// through the decoder on a real JPEG made by the test, and damaged or absent
// EXIF blocks read as "no turn".
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyOrientation, jpegOrientation } from '../src/data/exif';
import { decodePhoto } from '../src/data/photo';
import { jpegBytes } from './support/camvid';

const test = suite('data: EXIF orientation');

/** An EXIF APP1 segment holding one Orientation entry, in either byte order. */
function exifSegment(orientation: number, little: boolean): Uint8Array {
  const tiff = new DataView(new ArrayBuffer(26));
  tiff.setUint16(0, little ? 0x4949 : 0x4d4d);
  tiff.setUint16(2, 42, little);
  tiff.setUint32(4, 8, little);
  tiff.setUint16(8, 1, little);
  tiff.setUint16(10, 0x0112, little);
  tiff.setUint16(12, 3, little);
  tiff.setUint32(14, 1, little);
  tiff.setUint16(18, orientation, little);
  const body = new Uint8Array([...'Exif\0\0'].map((c) => c.charCodeAt(0)).concat([...new Uint8Array(tiff.buffer)]));
  return new Uint8Array([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]);
}

function withExif(jpeg: Uint8Array, orientation: number, little = true): Uint8Array {
  return new Uint8Array([...jpeg.subarray(0, 2), ...exifSegment(orientation, little), ...jpeg.subarray(2)]);
}

/** 3x2 pixels numbered 0..5 row by row (the number in every channel). */
const stored = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => Math.floor(i / 3)) };
const numbers = (image: { data: Uint8Array }) => Array.from({ length: image.data.length / 3 }, (_, p) => image.data[3 * p]!);

test('the eight orientations move the pixels as the EXIF specification draws them', () => {
  // Stored:  0 1 2     Displayed for each orientation, row by row:
  //          3 4 5
  const expected: Record<number, [number, number, number[]]> = {
    1: [3, 2, [0, 1, 2, 3, 4, 5]],
    2: [3, 2, [2, 1, 0, 5, 4, 3]],
    3: [3, 2, [5, 4, 3, 2, 1, 0]],
    4: [3, 2, [3, 4, 5, 0, 1, 2]],
    5: [2, 3, [0, 3, 1, 4, 2, 5]],
    6: [2, 3, [3, 0, 4, 1, 5, 2]],
    7: [2, 3, [5, 2, 4, 1, 3, 0]],
    8: [2, 3, [2, 5, 1, 4, 0, 3]],
  };
  for (const [orientation, [width, height, pixels]] of Object.entries(expected)) {
    const turned = applyOrientation(stored, Number(orientation));
    assert.equal([turned.width, turned.height, numbers(turned)], [width, height, pixels], `orientation ${orientation}`);
  }
});

test('a phone photo stored sideways (orientation 6) decodes upright; both byte orders; no EXIF or a damaged one: as stored', async () => {
  // 32x16, left half red, right half blue: turned 90 degrees clockwise, red is on top.
  const rgb = new Uint8Array(32 * 16 * 3);
  for (let p = 0; p < 32 * 16; p++) rgb.set(p % 32 < 16 ? [220, 20, 20] : [20, 20, 220], 3 * p);
  const plain = jpegBytes(rgb, 32, 16);
  for (const little of [true, false]) {
    const upright = await decodePhoto(withExif(plain, 6, little), 'phone.jpg');
    assert.equal([upright.width, upright.height], [16, 32]);
    assert.ok(upright.data[0]! > 150 && upright.data[2]! < 100, 'top left is red');
    const last = (16 * 32 - 1) * 3;
    assert.ok(upright.data[last + 2]! > 150 && upright.data[last]! < 100, 'bottom right is blue');
  }
  assert.is(jpegOrientation(plain), 1);
  const asStored = await decodePhoto(plain, 'plain.jpg');
  assert.equal([asStored.width, asStored.height], [32, 16]);
  const truncated = withExif(plain, 6).slice();
  truncated[4] = 0;
  truncated[5] = 12;
  assert.is(jpegOrientation(truncated), 1, 'an EXIF block too short to hold its IFD');
  assert.is(jpegOrientation(withExif(plain, 9)), 1, 'an orientation outside 1..8');
});

test.run();
