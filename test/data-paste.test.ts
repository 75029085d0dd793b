// The pasted anomaly-set builder (dicnet paste) on a tiny CamVid-layout folder
// and objects drawn here: byte-identical output for a seed, val and test sets
// that share no object, masks of 0/1/255 with the blended rim ignored and
// CamVid's Unlabelled ignored, colour matching that moves the object toward
// its surroundings, VOC classes CamVid knows never pasted, and one-line errors
// for bad input.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../src/base/random';
import { DataError, readImage, readLabelMap, writePng } from '../src/data';
import { buildPastedSet, type PasteSetOptions } from '../src/data/paste/builder';
import { DEFAULT_EXCLUDE } from '../src/data/paste/cutouts';
import { vocColour, VOC_VOID_COLOUR } from '../src/data/paste/voc-palette';

const test = suite('data: pasted anomaly sets');

const scratch = mkdtempSync(join(tmpdir(), 'dicnet-paste-'));
const W = 48;
const H = 36;
const FRAMES = 5;
const ROAD = 3;
const UNLABELLED = 11;
/** The colour of the person in the VOC pair: no frame and no other object has it. */
const PERSON_RGB = [255, 0, 255];

function writeRgba(path: string, width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): void {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) png.data.set(pixel(x, y), 4 * (y * width + x));
  }
  writeFileSync(path, PNG.sync.write(png));
}

/** Sky above, road below (with an Unlabelled patch), a little noise. */
function makeCamvid(root: string): void {
  const rng = new Random(5);
  for (const split of ['val', 'test']) {
    mkdirSync(join(root, split), { recursive: true });
    mkdirSync(join(root, `${split}annot`), { recursive: true });
    for (let f = 0; f < FRAMES; f++) {
      const data = new Uint8Array(W * H * 3);
      const labels = new Uint8Array(W * H);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const p = y * W + x;
          const sky = y < H / 2;
          const base = sky ? [110, 150, 200] : [90, 92, 95];
          for (let c = 0; c < 3; c++) data[3 * p + c] = base[c]! + rng.int(12);
          labels[p] = sky ? 0 : x < 6 && y >= H - 6 ? UNLABELLED : ROAD;
        }
      }
      const name = `f${f}.png`;
      writePng(join(root, split, name), { width: W, height: H, data });
      writePng(join(root, `${split}annot`, name), { width: W, height: H, labels });
    }
  }
}

/** Soft-edged ellipses in strong colours, as rembg writes its cut-outs; a car-1 and a plants-1 that the default --exclude leaves out. */
function makeCutouts(folder: string): void {
  mkdirSync(folder, { recursive: true });
  const ellipse = (rgb: [number, number, number], w: number, h: number) => (x: number, y: number): [number, number, number, number] => {
    const d = Math.hypot((x + 0.5 - w / 2) / (w / 2 - 3), (y + 0.5 - h / 2) / (h / 2 - 3));
    return [...rgb, Math.round(255 * Math.min(1, Math.max(0, (1.08 - d) / 0.16)))];
  };
  writeRgba(join(folder, 'blob-1.out.png'), 70, 56, ellipse([230, 40, 30], 70, 56));
  writeRgba(join(folder, 'blob-2.out.png'), 50, 64, ellipse([40, 210, 60], 50, 64));
  writeRgba(join(folder, 'blob-3.out.png'), 64, 64, ellipse([250, 220, 20], 64, 64));
  writeRgba(join(folder, 'car-1.out.png'), 64, 64, ellipse([PERSON_RGB[0]!, PERSON_RGB[1]!, PERSON_RGB[2]!], 64, 64));
  writeRgba(join(folder, 'plants-1.out.png'), 60, 60, ellipse([PERSON_RGB[0]!, PERSON_RGB[1]!, PERSON_RGB[2]!], 60, 60));
  writeFileSync(join(folder, 'notes.txt'), 'not an object');
}

/** A VOC pair: a cow (to use) and a person (CamVid's Pedestrian: never to use), each with the void border. */
function makeVocPair(folder: string, prefix: string, withCow = true): void {
  mkdirSync(folder, { recursive: true });
  const width = 120;
  const height = 80;
  const image = new Uint8Array(width * height * 3);
  const target = new Uint8Array(width * height * 3);
  const boxes = [
    ...(withCow ? [{ x0: 8, y0: 10, x1: 60, y1: 60, cls: 10, rgb: [120, 70, 30] }] : []),
    { x0: 72, y0: 8, x1: 112, y1: 70, cls: 15, rgb: PERSON_RGB },
  ];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      let rgb = [20, 120, 20];
      let label: readonly number[] = [0, 0, 0];
      for (const b of boxes) {
        if (x < b.x0 - 2 || x > b.x1 + 2 || y < b.y0 - 2 || y > b.y1 + 2) continue;
        const inside = x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1;
        label = inside ? vocColour(b.cls) : VOC_VOID_COLOUR;
        if (inside) rgb = b.rgb;
      }
      image.set(rgb, 3 * p);
      target.set(label, 3 * p);
    }
  }
  writePng(join(folder, `${prefix}_image.png`), { width, height, data: image });
  writePng(join(folder, `${prefix}_target.png`), { width, height, data: target });
}

const camvid = join(scratch, 'CamVid');
const objects = join(scratch, 'objects');
makeCamvid(camvid);
makeCutouts(objects);
makeVocPair(objects, '5');

let outs = 0;
function build(overrides: Partial<PasteSetOptions> = {}): string {
  const out = join(scratch, `out-${outs++}`);
  buildPastedSet({ camvid, split: 'val', objects: [objects], out, count: null, seed: 1, splitSeed: 1, matchColour: true, exclude: DEFAULT_EXCLUDE, ...overrides });
  return out;
}

function filesOf(out: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(out, { recursive: true, encoding: 'utf8' }).sort()) {
    const path = join(out, name);
    if (name.endsWith('.png') || name.endsWith('.json')) files.set(name, readFileSync(path));
  }
  return files;
}

interface Manifest {
  objects: { id: string; set: string; class: string | null }[];
  images: { name: string; object: string; x: number; y: number; width: number; height: number }[];
}
const manifestOf = (out: string): Manifest => JSON.parse(readFileSync(join(out, 'objects.json'), 'utf8')) as Manifest;

function throwsDataError(fn: () => unknown, ...mustMention: string[]): DataError {
  try {
    fn();
  } catch (error) {
    assert.instance(error, DataError, `expected a DataError, got ${String(error)}`);
    for (const text of mustMention) assert.ok((error as Error).message.includes(text), `"${(error as Error).message}" should mention ${text}`);
    assert.not.ok((error as Error).message.includes('\n'), 'one line');
    return error as DataError;
  }
  assert.unreachable('expected a DataError');
  throw new Error('unreachable');
}

const val = build();
const valAgain = build();
const testSet = build({ split: 'test' });
const raw = build({ matchColour: false });
const rawTest = build({ split: 'test', matchColour: false });

test('the same seed gives byte-identical files; another seed other images', () => {
  const a = filesOf(val);
  const b = filesOf(valAgain);
  assert.equal([...a.keys()], [...b.keys()]);
  assert.is(a.size, 2 * FRAMES + 1);
  for (const [name, bytes] of a) assert.ok(bytes.equals(b.get(name)!), `${name} differs between two builds with seed 1`);
  const other = filesOf(build({ seed: 2 }));
  const changed = [...a.keys()].filter((name) => name.startsWith('images') && !a.get(name)!.equals(other.get(name)!));
  assert.ok(changed.length >= FRAMES - 1, `seed 2 changed only ${changed.length} of ${FRAMES} images`);
});

test('val and test share no object; each uses only its own, and objects.json says which is which', () => {
  const valManifest = manifestOf(val);
  const testManifest = manifestOf(testSet);
  assert.equal(valManifest.objects, testManifest.objects, 'both sets record the same assignment');
  const setOf = new Map(valManifest.objects.map((o) => [o.id, o.set]));
  const usedInVal = new Set(valManifest.images.map((i) => i.object));
  const usedInTest = new Set(testManifest.images.map((i) => i.object));
  assert.ok(usedInVal.size >= 2 && usedInTest.size >= 1, `val uses ${[...usedInVal]}, test ${[...usedInTest]}`);
  for (const id of usedInVal) assert.is(setOf.get(id), 'val', id);
  for (const id of usedInTest) assert.is(setOf.get(id), 'test', id);
  assert.equal([...usedInVal].filter((id) => usedInTest.has(id)), []);
  const sets = valManifest.objects.map((o) => o.set);
  assert.ok(sets.includes('val') && sets.includes('test'));
});

test('the masks: only 0, 1 and 255; anomaly pixels in every image; the rim and CamVid Unlabelled are 255; normal pixels untouched', () => {
  for (const out of [val, testSet, raw]) {
    const split = out === testSet ? 'test' : 'val';
    for (const image of manifestOf(out).images) {
      const mask = readLabelMap(join(out, 'labels_masks', image.name)).labels;
      const pasted = readImage(join(out, 'images', image.name)).data;
      const frame = readImage(join(camvid, split, image.name)).data;
      const camvidLabels = readLabelMap(join(camvid, `${split}annot`, image.name)).labels;
      assert.equal([...new Set(mask)].sort((a, b) => a - b).filter((v) => v !== 0 && v !== 1 && v !== 255), [], image.name);
      assert.ok(mask.filter((v) => v === 1).length >= 20, `${image.name}: too few anomaly pixels`);
      let rim = 0;
      for (let p = 0; p < W * H; p++) {
        const x = p % W;
        const y = (p - x) / W;
        if (camvidLabels[p] === UNLABELLED) assert.ok(mask[p] !== 0, `${image.name} (${x}, ${y}): Unlabelled marked normal`);
        if (mask[p] === 0) {
          assert.equal([...pasted.subarray(3 * p, 3 * p + 3)], [...frame.subarray(3 * p, 3 * p + 3)], `${image.name} (${x}, ${y}): a normal pixel was changed`);
        }
        if (mask[p] !== 1) continue;
        for (let ny = Math.max(0, y - 1); ny <= Math.min(H - 1, y + 1); ny++) {
          for (let nx = Math.max(0, x - 1); nx <= Math.min(W - 1, x + 1); nx++) {
            assert.ok(mask[ny * W + nx] !== 0, `${image.name}: anomaly (${x}, ${y}) touches a normal pixel (${nx}, ${ny})`);
            if (mask[ny * W + nx] === 255 && camvidLabels[ny * W + nx] !== UNLABELLED) rim++;
          }
        }
      }
      assert.ok(rim > 0, `${image.name}: no rim`);
      const changed = [...Array(W * H).keys()].filter((p) => mask[p] === 255 && camvidLabels[p] !== UNLABELLED && pasted[3 * p] !== frame[3 * p]);
      assert.ok(changed.length > 0, `${image.name}: no blended pixel in the rim`);
    }
  }
});

/** Mean RGB of the pixels where `keep` holds. */
function meanColour(data: Uint8Array, keep: (p: number) => boolean): number[] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < data.length / 3; p++) {
    if (!keep(p)) continue;
    n++;
    for (let c = 0; c < 3; c++) sum[c]! += data[3 * p + c]!;
  }
  return sum.map((s) => s / n);
}

test('colour matching moves the object\'s mean colour toward the frame around it', () => {
  const matchedImages = manifestOf(val).images;
  const rawImages = manifestOf(raw).images;
  const placements = (images: Manifest['images']) => images.map(({ name, object, x, y, width, height }) => ({ name, object, x, y, width, height }));
  assert.equal(placements(matchedImages), placements(rawImages), 'the same placements');
  for (const image of rawImages) {
    const mask = readLabelMap(join(raw, 'labels_masks', image.name)).labels;
    const frame = readImage(join(camvid, 'val', image.name)).data;
    const margin = Math.round(Math.max(image.width, image.height) / 2);
    const band = meanColour(frame, (p) => {
      const x = p % W;
      const y = (p - x) / W;
      return mask[p] === 0 && x >= image.x - margin && x < image.x + image.width + margin && y >= image.y - margin && y < image.y + image.height + margin;
    });
    const distance = (out: string): number => Math.hypot(...meanColour(readImage(join(out, 'images', image.name)).data, (p) => mask[p] === 1).map((v, c) => v - band[c]!));
    const before = distance(raw);
    const after = distance(val);
    assert.ok(after < before / 3, `${image.name} (${image.object}): ${before.toFixed(1)} from the band's mean colour raw, ${after.toFixed(1)} matched`);
  }
});

test('VOC classes CamVid knows (the person) and excluded files (car-1, plants-1) are never pasted', () => {
  const ids = manifestOf(val).objects.map((o) => o.id);
  assert.ok(ids.includes('5_target.png#cow-1'), ids.join(', '));
  assert.ok(!ids.some((id) => id.includes('person') || id.startsWith('car-1') || id.startsWith('plants-1')), ids.join(', '));
  // Without colour matching, a pasted person (or car-1, plants-1) would bring its colour, which no frame has.
  for (const out of [raw, rawTest]) {
    for (const name of readdirSync(join(out, 'images'))) {
      const data = readImage(join(out, 'images', name)).data;
      const near = meanColour(data, (p) => Math.hypot(data[3 * p]! - PERSON_RGB[0]!, data[3 * p + 1]! - PERSON_RGB[1]!, data[3 * p + 2]! - PERSON_RGB[2]!) < 60);
      assert.ok(near.every(Number.isNaN), `${out}/images/${name} has the person's colour`);
    }
  }
  // With no exclusion car-1 is taken, and its colour shows up somewhere.
  const withCar = build({ exclude: null, matchColour: false, split: manifestOf(build({ exclude: null, count: 1 })).objects.find((o) => o.id === 'car-1.out.png')!.set });
  assert.ok(manifestOf(withCar).images.some((i) => i.object === 'car-1.out.png'), 'car-1 used when not excluded');
});

/** The build fails with a one-line DataError mentioning each of `mustMention`, and writes nothing. */
function failsToBuild(overrides: Partial<PasteSetOptions>, ...mustMention: string[]): void {
  const out = join(scratch, `out-${outs}`);
  throwsDataError(() => build(overrides), ...mustMention);
  assert.not.ok(existsSync(out), `${out} was written`);
}

test('bad input: a missing folder, unreadable PNG, no usable objects, a VOC target without objects, an unknown split, a foreign --out; nothing written', () => {
  const nowhereOut = join(scratch, `out-${outs}`);
  assert.throws(
    () => build({ camvid: join(scratch, 'nowhere') }),
    (e: unknown) => e instanceof DataError && e.message.includes(`CamVid at ${join(scratch, 'nowhere')} is incomplete`) && e.message.includes(`folder ${join(scratch, 'nowhere', 'valannot')} (split validation)`),
    'the CamVid loader lists the missing folders',
  );
  assert.not.ok(existsSync(nowhereOut), 'nothing written');
  failsToBuild({ objects: [join(scratch, 'no-objects')] }, join(scratch, 'no-objects'));
  const broken = join(scratch, 'broken');
  makeCutouts(broken);
  writeFileSync(join(broken, 'blob-2.out.png'), '');
  failsToBuild({ objects: [broken] }, join(broken, 'blob-2.out.png'), 'empty file');
  const car = join(broken, 'car-1.out.png');
  failsToBuild({ objects: [car] }, 'no usable objects', car);
  const persons = join(scratch, 'persons');
  makeVocPair(persons, '7', false);
  failsToBuild({ objects: [persons] }, 'no usable objects', persons);
  const empty = join(scratch, 'empty-voc');
  mkdirSync(empty);
  writePng(join(empty, '9_image.png'), { width: 40, height: 40, data: new Uint8Array(40 * 40 * 3) });
  writePng(join(empty, '9_target.png'), { width: 40, height: 40, data: new Uint8Array(40 * 40 * 3) });
  failsToBuild({ objects: [objects, empty] }, join(empty, '9_target.png'), 'no usable object');
  failsToBuild({ split: 'train' }, 'unknown CamVid split "train"');
  const foreign = join(scratch, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'mine.txt'), 'keep me');
  throwsDataError(() => buildPastedSet({ camvid, split: 'val', objects: [objects], out: foreign, count: null, seed: 1, splitSeed: 1, matchColour: true, exclude: null }), `--out ${foreign}: not empty`);
  assert.equal(readdirSync(foreign), ['mine.txt']);
  // A set written before is rebuilt in place, fewer frames leaving no stale ones.
  const again = build();
  buildPastedSet({ camvid, split: 'val', objects: [objects], out: again, count: 2, seed: 1, splitSeed: 1, matchColour: true, exclude: DEFAULT_EXCLUDE });
  assert.equal(readdirSync(join(again, 'images')), ['f0.png', 'f1.png']);
});

test('the command: usage on --help, exit 2 for a bad option, exit 1 naming the folders for a missing one', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['dist/bin/dicnet.js', 'paste', ...args], { encoding: 'utf8' });
  const help = run('--help');
  assert.is(help.status, 0);
  assert.match(help.stdout, /usage: npx dicnet paste --camvid DIR --split val\|test/);
  const badSplit = run('--camvid', camvid, '--split', 'train', '--objects', objects, '--out', join(scratch, 'cli'));
  assert.is(badSplit.status, 2, badSplit.stderr);
  assert.match(badSplit.stderr, /--split is val or test, got "train"/);
  const missing = run('--camvid', join(scratch, 'absent'), '--split', 'val', '--objects', objects, '--out', join(scratch, 'cli'));
  assert.is(missing.status, 1, missing.stderr);
  assert.is(missing.stderr.split('\n')[0], `error: CamVid at ${join(scratch, 'absent')} is incomplete:`);
  assert.match(missing.stderr, `folder ${join(scratch, 'absent', 'val')} (split validation)`);
  const ok = run('--camvid', camvid, '--split', 'test', '--objects', objects, '--out', join(scratch, 'cli'), '--count', '2', '--no-match-colour');
  assert.is(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /wrote 2 images/);
  assert.match(ok.stdout, /left out by --exclude .*car-1\.out\.png/);
  assert.equal(readdirSync(join(scratch, 'cli', 'labels_masks')), ['f0.png', 'f1.png']);
});

test.run();
