import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ColourHistogram, colourBin, gaussianTaps, type RgbImage } from '../src/eval';
import { rng } from './support/random';

const test = suite('eval: colour rarity');

/** An image of random colours drawn from a few palette entries plus fully random ones, so counts vary. */
function randomImage(width: number, height: number, seed: number): RgbImage {
  const r = rng(seed);
  const palette = [
    [10, 20, 30],
    [200, 40, 90],
    [128, 128, 128],
    [255, 255, 255],
  ];
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const colour = r() < 0.7 ? palette[Math.floor(r() * palette.length)]! : [0, 0, 0].map(() => Math.floor(r() * 256));
    data.set(colour, 3 * p);
  }
  return { width, height, data };
}

/**
 * The definition spelled out the slow way: colours counted under a string key,
 * and the blur as one 2-D sum over the (2R+1)^2 window with clamped
 * coordinates, weighted by the product of the unnormalised Gaussians.
 */
function referenceScores(training: RgbImage[], image: RgbImage): Float64Array {
  const key = (d: Uint8Array, p: number) => `${Math.floor(d[3 * p]! / 16)},${Math.floor(d[3 * p + 1]! / 16)},${Math.floor(d[3 * p + 2]! / 16)}`;
  const counts = new Map<string, number>();
  let total = 0;
  for (const t of training) {
    for (let p = 0; p < t.width * t.height; p++) {
      counts.set(key(t.data, p), (counts.get(key(t.data, p)) ?? 0) + 1);
      total++;
    }
  }
  const { width, height } = image;
  const raw = (x: number, y: number) => {
    const p = Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x));
    return -Math.log(((counts.get(key(image.data, p)) ?? 0) + 1) / (total + 4096));
  };
  const sigma = width / 80;
  const radius = Math.ceil(3 * sigma);
  const g = (d: number) => Math.exp(-(d * d) / (2 * sigma * sigma));
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let weight = 0;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          sum += g(dx) * g(dy) * raw(x + dx, y + dy);
          weight += g(dx) * g(dy);
        }
      }
      out[y * width + x] = sum / weight;
    }
  }
  return out;
}

test('bins: 16 levels a channel, red most significant', () => {
  assert.is(colourBin(0, 0, 0), 0);
  assert.is(colourBin(15, 15, 15), 0);
  assert.is(colourBin(0, 0, 16), 1);
  assert.is(colourBin(0, 16, 0), 16);
  assert.is(colourBin(16, 0, 0), 256);
  assert.is(colourBin(200, 40, 90), 12 * 256 + 2 * 16 + 5);
  assert.is(colourBin(255, 255, 255), 4095);
});

test('taps: radius ceil(3 sigma), symmetric, summing to 1', () => {
  const taps = gaussianTaps(2);
  assert.is(taps.length, 13);
  assert.ok(Math.abs(taps.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  for (let d = 0; d <= 6; d++) assert.is(taps[6 + d], taps[6 - d]);
  assert.ok(Math.abs(taps[6 + 2]! / taps[6]! - Math.exp(-0.5)) < 1e-12, 'one sigma away: exp(-1/2) of the centre');
  assert.is(gaussianTaps(1.0625).length, 2 * 4 + 1);
});

test('scores match the slow reference on odd sizes, the blur reaching past every edge', () => {
  // 83 wide: sigma 1.0375, radius 4, more than the 3 rows, so the clamped edges carry weight.
  const training = [randomImage(83, 3, 1), randomImage(83, 3, 2), randomImage(9, 7, 3)];
  const histogram = new ColourHistogram();
  for (const image of training) histogram.add(image);
  assert.is(histogram.total, 2 * 83 * 3 + 63);
  for (const [image, what] of [
    [randomImage(83, 3, 4), 'an unseen 83x3 image'],
    [training[0]!, 'a training image'],
    [randomImage(165, 5, 5), 'a 165x5 image (sigma 2.0625, radius 7)'],
  ] as const) {
    const expected = referenceScores(training, image);
    const actual = histogram.score(image);
    assert.is(actual.length, image.width * image.height);
    for (let p = 0; p < expected.length; p++) {
      assert.ok(Math.abs(actual[p]! - expected[p]!) <= 1e-6 * expected[p]!, `${what}, pixel ${p}: ${actual[p]} vs ${expected[p]}`);
    }
  }
});

test('a colour never seen scores ln(total + 4096); the commonest colour scores least', () => {
  const histogram = new ColourHistogram();
  const grey = { width: 5, height: 3, data: new Uint8Array(5 * 3 * 3).fill(128) };
  histogram.add(grey);
  const flatUnseen = histogram.score({ width: 5, height: 3, data: new Uint8Array(5 * 3 * 3).fill(7) });
  for (const s of flatUnseen) assert.ok(Math.abs(s - Math.log(15 + 4096)) < 1e-5);
  const seen = histogram.score(grey);
  for (const s of seen) assert.ok(Math.abs(s - -Math.log(16 / (15 + 4096))) < 1e-5);
});

test('bad image sizes are RangeErrors naming the size', () => {
  const histogram = new ColourHistogram();
  assert.throws(() => histogram.add({ width: 4, height: 2, data: new Uint8Array(23) }), /4x2 RGB image needs 24 bytes, got 23/);
  assert.throws(() => histogram.score({ width: 0, height: 2, data: new Uint8Array(0) }), /0x2/);
});

test.run();
