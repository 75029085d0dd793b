import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ANOMALY_LABEL, IGNORE_LABEL } from '../src/base/labels';
import {
  DataError,
  SPLIT_NAMES,
  ensureSyntheticStreetHazards,
  indexStreetHazards,
  loadSample,
  readImage,
  readLabelMap,
  writePng,
  type Sample,
} from '../src/data';
import { gray16Png, rawPng } from './support/raw-png';

const test = suite('data: PNG io and the StreetHazards loader');

const scratch = mkdtempSync(join(tmpdir(), 'dicnet-data-loader-'));
const W = 64;
const H = 40;
const COUNTS = { train: 6, validation: 2, test: 3, 'test-easy': 2 };
const fixture = ensureSyntheticStreetHazards({ cacheRoot: join(scratch, 'cache'), width: W, height: H, counts: COUNTS, seed: 7, progress: false });

let copies = 0;
/** A private copy of the fixture to break. */
function copyOfFixture(): string {
  const root = join(scratch, `copy-${copies++}`);
  cpSync(fixture.root, root, { recursive: true });
  return root;
}

function throwsDataError(fn: () => unknown, ...mustMention: string[]): DataError {
  try {
    fn();
  } catch (error) {
    assert.instance(error, DataError, `expected a DataError, got ${String(error)}`);
    for (const text of mustMention) assert.ok((error as DataError).message.includes(text), `"${(error as DataError).message}" should mention "${text}"`);
    return error as DataError;
  }
  assert.unreachable('no error was thrown');
  throw new Error('unreachable');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

test.after(() => rmSync(scratch, { recursive: true, force: true }));

const FOLDERS = { train: 'train/images/training/t1-3', validation: 'train/images/validation/t4', test: 'test/images/test/t5', 'test-easy': 'test/images/test-easy/t6' };

test('the generated fixture loads through the loader: layout, shapes, labels, anomalies in every split but train', () => {
  assert.ok(fixture.generated);
  const index = indexStreetHazards(fixture.root, { splits: SPLIT_NAMES });
  assert.is(index.sources.train, 'folders');
  for (const split of SPLIT_NAMES) {
    const samples = index.splits[split]!;
    assert.is(samples.length, COUNTS[split], split);
    for (const sample of samples) {
      assert.ok(sample.image.includes(join(FOLDERS[split])), sample.image);
      const loaded = loadSample(sample);
      assert.is(loaded.width, W);
      assert.is(loaded.height, H);
      assert.is(loaded.image.length, W * H * 3);
      assert.is(loaded.labels.length, W * H);
      const anomalyPixels = loaded.labels.filter((c) => c === ANOMALY_LABEL).length;
      assert.ok(loaded.labels.every((c) => c < 13 || c === ANOMALY_LABEL), 'classes 0..12 and the anomaly');
      if (split !== 'train') assert.ok(anomalyPixels > 0, `${sample.image} has no anomaly`);
      else assert.is(anomalyPixels, 0, `${sample.image} has anomaly pixels`);
    }
  }
  const raw = readLabelMap(index.splits.test![0]!.annotation).labels;
  assert.ok(raw.every((v) => v >= 1 && v <= 14), 'annotation PNGs hold 1..14');
});

test('test-easy, which the published dataset lacks, is read only when asked for', () => {
  const published = indexStreetHazards(fixture.root);
  assert.equal(Object.keys(published.splits).sort(), ['test', 'train', 'validation']);
  assert.is(published.splits.test!.length, COUNTS.test, 'the test split does not take in test-easy');
  const root = copyOfFixture();
  rmSync(join(root, 'test', 'images', 'test-easy'), { recursive: true });
  assert.is(indexStreetHazards(root).splits.test!.length, COUNTS.test);
  throwsDataError(() => indexStreetHazards(root, { splits: ['test-easy'] }), `folder ${join(root, 'test', 'images', 'test-easy')} (split test-easy)`);
});

test('a second call reuses the complete cache; a folder without its marker is generated again', () => {
  const options = { cacheRoot: join(scratch, 'cache'), width: W, height: H, counts: COUNTS, seed: 7, progress: false };
  assert.is(ensureSyntheticStreetHazards(options).generated, false);
  const cacheRoot = join(scratch, 'cache-interrupted');
  const interrupted = join(cacheRoot, relative(join(scratch, 'cache'), fixture.root));
  mkdirSync(join(interrupted, 'train'), { recursive: true });
  writeFileSync(join(interrupted, 'train', 'half-written.png'), 'x');
  const redone = ensureSyntheticStreetHazards({ ...options, cacheRoot });
  assert.ok(redone.generated);
  assert.is(redone.root, interrupted);
  assert.equal(listFiles(redone.root), listFiles(fixture.root));
});

test('same seed gives the same bytes, another seed other bytes', () => {
  const options = { width: W, height: H, counts: COUNTS, progress: false };
  const again = ensureSyntheticStreetHazards({ ...options, seed: 7, cacheRoot: join(scratch, 'cache-again') });
  const other = ensureSyntheticStreetHazards({ ...options, seed: 8, cacheRoot: join(scratch, 'cache-other') });
  const pngs = listFiles(fixture.root).filter((f) => f.endsWith('.png'));
  assert.is(pngs.length, 2 * (COUNTS.train + COUNTS.validation + COUNTS.test + COUNTS['test-easy']));
  for (const file of pngs) assert.ok(readFileSync(join(fixture.root, file)).equals(readFileSync(join(again.root, file))), `${file} differs between two runs`);
  const differing = pngs.filter((file) => !readFileSync(join(fixture.root, file)).equals(readFileSync(join(other.root, file))));
  assert.ok(differing.length >= pngs.length / 2, `only ${differing.length} of ${pngs.length} files differ with another seed`);
});

test('corrupt, truncated and non-PNG files are DataErrors naming the file', () => {
  const dir = join(scratch, 'bad-files');
  mkdirSync(dir, { recursive: true });
  const good = join(dir, 'good.png');
  writePng(good, { width: 9, height: 5, data: new Uint8Array(9 * 5 * 3).fill(77) });
  assert.equal(readImage(good).data, new Uint8Array(9 * 5 * 3).fill(77));
  const bytes = readFileSync(good);

  const text = join(dir, 'text.png');
  writeFileSync(text, 'this is not an image');
  throwsDataError(() => readImage(text), text, 'not a PNG');

  const truncated = join(dir, 'truncated.png');
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  throwsDataError(() => readImage(truncated), truncated, 'truncated');

  const corrupt = join(dir, 'corrupt.png');
  const flipped = Buffer.from(bytes);
  // Inside the IDAT data (the IDAT chunk starts at byte 33): the CRC no longer matches.
  flipped[42]! ^= 0x5a;
  flipped[43]! ^= 0x5a;
  writeFileSync(corrupt, flipped);
  throwsDataError(() => readImage(corrupt), corrupt, 'corrupt PNG', 'IDAT');

  throwsDataError(() => readImage(join(dir, 'absent.png')), join(dir, 'absent.png'), 'cannot read');
  const empty = join(dir, 'empty.png');
  writeFileSync(empty, '');
  throwsDataError(() => readLabelMap(empty), empty, 'empty');
});

test('label maps: 8-bit grey and palette read as values; 16-bit and RGB are refused naming the file', () => {
  const dir = join(scratch, 'label-formats');
  mkdirSync(dir, { recursive: true });
  const values = Uint8Array.from([0, 1, 7, 14, 3, 255]);
  const gray = join(dir, 'gray.png');
  writeFileSync(gray, rawPng({ width: 3, height: 2, bitDepth: 8, colourType: 0, pixels: values }));
  assert.equal(readLabelMap(gray).labels, values);

  const palette = join(dir, 'palette.png');
  const colours = Array.from({ length: 16 }, (_, i) => (i === 15 ? [0, 0, 0] : [i * 10, 255 - i * 10, (i * 37) % 256]));
  writeFileSync(palette, rawPng({ width: 3, height: 2, bitDepth: 8, colourType: 3, pixels: Uint8Array.from([0, 1, 7, 14, 3, 2]), palette: colours }));
  assert.equal(readLabelMap(palette).labels, Uint8Array.from([0, 1, 7, 14, 3, 2]));

  const deep = join(dir, 'sixteen.png');
  writeFileSync(deep, gray16Png(4, 3, 5));
  throwsDataError(() => readLabelMap(deep), deep, '16-bit grayscale');
  assert.is(readImage(deep).width, 4, 'as an image, a 16-bit PNG is fine');

  const rgb = join(dir, 'rgb.png');
  writePng(rgb, { width: 2, height: 2, data: new Uint8Array(12) });
  throwsDataError(() => readLabelMap(rgb), rgb, '8-bit RGB');
});

test('a label map of the wrong size is named by the index check and by loadSample; skip leaves it out', () => {
  const root = copyOfFixture();
  const sample = indexStreetHazards(root).splits.train![2]!;
  writePng(sample.annotation, { width: W / 2, height: H, labels: new Uint8Array((W / 2) * H).fill(8) });
  throwsDataError(() => indexStreetHazards(root), sample.annotation, `${W / 2}x${H}`, `${W}x${H}`);
  throwsDataError(() => loadSample(sample), sample.annotation, `${W / 2}x${H}`);
  const skipping = indexStreetHazards(root, { onBadSample: 'skip' });
  assert.is(skipping.splits.train!.length, COUNTS.train - 1);
  assert.is(skipping.skipped.length, 1);
  assert.is(skipping.skipped[0]!.file, sample.annotation);
});

test('a 16-bit annotation fails the index check naming the file', () => {
  const root = copyOfFixture();
  const sample = indexStreetHazards(root).splits.validation![1]!;
  writeFileSync(sample.annotation, gray16Png(W, H, 3));
  throwsDataError(() => indexStreetHazards(root, { splits: ['validation'] }), sample.annotation, '16-bit');
});

test('label values: 1..14 minus one, 0 and 255 ignored, anything else out of range naming the file', () => {
  const root = copyOfFixture();
  const sample = indexStreetHazards(root).splits.train![0]!;
  const labels = new Uint8Array(W * H).fill(8);
  labels.set([0, 1, 14, 255], 0);
  writePng(sample.annotation, { width: W, height: H, labels });
  const loaded = loadSample(sample);
  assert.equal([...loaded.labels.subarray(0, 5)], [IGNORE_LABEL, 0, ANOMALY_LABEL, IGNORE_LABEL, 7]);
  labels[10] = 20;
  labels[11] = 20;
  writePng(sample.annotation, { width: W, height: H, labels });
  throwsDataError(() => loadSample(sample), sample.annotation, 'out of range', '20 (2 pixels)');
});

test('a copy with missing pieces is one DataError listing everything missing', () => {
  const root = copyOfFixture();
  rmSync(join(root, 'train', 'annotations', 'validation'), { recursive: true });
  rmSync(join(root, 'test'), { recursive: true });
  const missingAnnotation = indexStreetHazards(root, { splits: ['train'] }).splits.train![3]!.annotation;
  rmSync(missingAnnotation);
  const error = throwsDataError(
    () => indexStreetHazards(root),
    join(root, 'train', 'annotations', 'validation'),
    join(root, 'test', 'images', 'test'),
    join(root, 'test', 'annotations', 'test'),
    missingAnnotation,
  );
  assert.is(error.files.length, 4);
  mkdirSync(join(root, 'test', 'images', 'test'), { recursive: true });
  mkdirSync(join(root, 'test', 'annotations', 'test'), { recursive: true });
  throwsDataError(() => indexStreetHazards(root, { splits: ['test'] }), 'split test is empty');
  throwsDataError(() => indexStreetHazards(join(root, 'nowhere')), join(root, 'nowhere'));
});

test('odgt index files take precedence: order as listed, paths relative to the split folder, missing targets listed', () => {
  const root = copyOfFixture();
  const folders = indexStreetHazards(root).splits.train!;
  const chosen = [folders[4]!, folders[1]!, folders[2]!];
  const entry = (s: Sample) => ({ fpath_img: relative(join(root, 'train'), s.image), fpath_segm: relative(join(root, 'train'), s.annotation), width: W, height: H });
  writeFileSync(join(root, 'train', 'train.odgt'), chosen.map((s) => JSON.stringify(entry(s))).join('\n') + '\n');
  // anomaly-seg's create_dataset.py writes the whole list as one JSON array.
  writeFileSync(join(root, 'train', 'validation.odgt'), JSON.stringify([entry(folders[0]!), entry(folders[5]!)]));
  const index = indexStreetHazards(root, { splits: ['train', 'validation'] });
  assert.is(index.sources.train, 'odgt');
  assert.equal(index.splits.train!.map((s) => s.image), chosen.map((s) => s.image));
  assert.equal(index.splits.validation!.map((s) => s.annotation), [folders[0]!.annotation, folders[5]!.annotation]);

  writeFileSync(join(root, 'train', 'train.odgt'), [entry(chosen[0]!), { ...entry(chosen[1]!), fpath_img: 'images/training/t1-3/9/999.png' }].map((e) => JSON.stringify(e)).join('\n'));
  throwsDataError(() => indexStreetHazards(root, { splits: ['train'] }), join(root, 'train', 'images/training/t1-3/9/999.png'), 'train.odgt line 2');
  writeFileSync(join(root, 'train', 'train.odgt'), '{"fpath_img": 3}\n');
  throwsDataError(() => indexStreetHazards(root, { splits: ['train'] }), 'train.odgt line 1', 'fpath_segm');

  const easy = indexStreetHazards(root, { splits: ['test-easy'] }).splits['test-easy']!;
  const testEntry = (s: Sample) => ({ fpath_img: relative(join(root, 'test'), s.image), fpath_segm: relative(join(root, 'test'), s.annotation) });
  writeFileSync(join(root, 'test', 'test-easy.odgt'), JSON.stringify(testEntry(easy[1]!)) + '\n');
  const listed = indexStreetHazards(root, { splits: ['test', 'test-easy'] });
  assert.is(listed.sources['test-easy'], 'odgt');
  assert.is(listed.sources.test, 'folders');
  assert.equal(listed.splits['test-easy']!.map((s) => s.image), [easy[1]!.image]);
});

test.run();
