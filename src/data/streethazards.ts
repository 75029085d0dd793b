// The StreetHazards dataset (Hendrycks et al., "A Benchmark for Anomaly
// Segmentation", https://github.com/hendrycks/anomaly-seg) as published:
//
//   <root>/train/images/training/t1-3/...png    <root>/train/annotations/training/t1-3/...png
//   <root>/train/images/validation/t4/...png    <root>/train/annotations/validation/t4/...png
//   <root>/test/images/test/t5/...png           <root>/test/annotations/test/t5/...png
//
// and optionally the .odgt index files of the reference code (train/train.odgt,
// train/validation.odgt, test/test.odgt; paths relative to the split folder),
// which take precedence over listing the folders. Our synthetic dataset adds a
// fourth split, test-easy (test/images/test-easy/t6, test/test-easy.odgt), that
// the published one lacks; it is read only when asked for. Annotation PNGs hold 8-bit
// values 1..14; the reference's dataset.py subtracts one (`segm - 1`), giving
// 13 known classes 0..12 and the anomaly class 13.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { ANOMALY_LABEL, IGNORE_LABEL } from '../base/labels';
import { DataError, describeError } from './errors';
import { describePngFormat, isLabelMapFormat, readImage, readLabelMap, readPngHeader } from './png';

export type SplitName = 'train' | 'validation' | 'test' | 'test-easy';
/** Every split the loader reads. */
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test', 'test-easy'];
/** The splits of the published dataset, which indexStreetHazards reads by default. */
export const PUBLISHED_SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

interface SplitLayout {
  /** Folder under the root that odgt paths are relative to. */
  folder: string;
  images: string;
  annotations: string;
  odgt: string;
}

export const SPLIT_LAYOUT: Record<SplitName, SplitLayout> = {
  train: { folder: 'train', images: 'images/training', annotations: 'annotations/training', odgt: 'train.odgt' },
  validation: { folder: 'train', images: 'images/validation', annotations: 'annotations/validation', odgt: 'validation.odgt' },
  test: { folder: 'test', images: 'images/test', annotations: 'annotations/test', odgt: 'test.odgt' },
  'test-easy': { folder: 'test', images: 'images/test-easy', annotations: 'annotations/test-easy', odgt: 'test-easy.odgt' },
};

export interface Sample {
  split: SplitName;
  image: string;
  annotation: string;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface DatasetIndex {
  root: string;
  splits: Partial<Record<SplitName, Sample[]>>;
  /** Where each split's list came from. */
  sources: Partial<Record<SplitName, 'odgt' | 'folders'>>;
  /** Samples left out by `onBadSample: 'skip'`, with the reason. */
  skipped: SkippedFile[];
}

export type BadSamplePolicy = 'skip' | 'fail';

export interface IndexOptions {
  /** Default PUBLISHED_SPLIT_NAMES. */
  splits?: readonly SplitName[];
  /** Read every PNG header to check formats and sizes up front (cheap: 33 bytes a file). Default true. */
  checkHeaders?: boolean;
  /** What a sample with a bad header does: leave the sample out ('skip') or be part of the error ('fail', default). */
  onBadSample?: BadSamplePolicy;
}

const MAX_LISTED = 25;

export function listProblems(title: string, problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_LISTED).map((p) => `  - ${p}`);
  if (problems.length > MAX_LISTED) shown.push(`  ... and ${problems.length - MAX_LISTED} more`);
  return `${title}\n${shown.join('\n')}`;
}

/**
 * Lists and checks the samples of the requested splits. Everything missing
 * (folders, index files' targets, annotations, whole splits) is collected and
 * thrown as ONE DataError, so a user fixes a broken copy in one go.
 */
export function indexStreetHazards(root: string, options: IndexOptions = {}): DatasetIndex {
  const splits = options.splits ?? PUBLISHED_SPLIT_NAMES;
  const missing: string[] = [];
  const index: DatasetIndex = { root, splits: {}, sources: {}, skipped: [] };
  if (!isDirectory(root)) {
    throw new DataError(`StreetHazards root ${root} is not a folder`, [root]);
  }
  for (const split of splits) {
    const layout = SPLIT_LAYOUT[split];
    const splitFolder = join(root, layout.folder);
    const odgt = join(splitFolder, layout.odgt);
    const found = existsSync(odgt) ? samplesFromOdgt(split, odgt, splitFolder, missing) : samplesFromFolders(split, splitFolder, missing);
    index.sources[split] = existsSync(odgt) ? 'odgt' : 'folders';
    if (found !== null && found.length === 0) missing.push(`split ${split} is empty (${index.sources[split] === 'odgt' ? odgt : join(splitFolder, layout.images)} lists no images)`);
    index.splits[split] = found ?? [];
  }
  if (missing.length > 0) {
    throw new DataError(listProblems(`StreetHazards at ${root} is incomplete:`, missing), missing);
  }
  if (options.checkHeaders ?? true) checkHeaders(index, options.onBadSample ?? 'fail');
  return index;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function samplesFromOdgt(split: SplitName, odgt: string, splitFolder: string, missing: string[]): Sample[] {
  let text: string;
  try {
    text = readFileSync(odgt, 'utf8');
  } catch (error) {
    throw new DataError(`${odgt}: cannot read the index file (${describeError(error)})`, [odgt]);
  }
  const samples: Sample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    // The ADE20K-style odgt has one object a line; anomaly-seg's create_dataset.py writes one JSON array.
    for (const entry of parseOdgtLine(line, odgt, i + 1)) {
      const image = resolveIn(splitFolder, entry.fpath_img);
      const annotation = resolveIn(splitFolder, entry.fpath_segm);
      if (!existsSync(image)) missing.push(`${image} (image, ${odgt} line ${i + 1})`);
      if (!existsSync(annotation)) missing.push(`${annotation} (annotation, ${odgt} line ${i + 1})`);
      samples.push({ split, image, annotation });
    }
  }
  return samples;
}

interface OdgtEntry {
  fpath_img: string;
  fpath_segm: string;
}

function parseOdgtLine(line: string, odgt: string, lineNumber: number): OdgtEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new DataError(`${odgt} line ${lineNumber}: not JSON (${describeError(error)})`, [odgt]);
  }
  const entries = Array.isArray(value) ? value : [value];
  return entries.map((entry: unknown) => {
    const record = entry as Partial<Record<string, unknown>> | null;
    if (typeof record?.fpath_img !== 'string' || typeof record.fpath_segm !== 'string') {
      throw new DataError(`${odgt} line ${lineNumber}: an entry lacks the string fields fpath_img and fpath_segm`, [odgt]);
    }
    return { fpath_img: record.fpath_img, fpath_segm: record.fpath_segm };
  });
}

function resolveIn(folder: string, path: string): string {
  return isAbsolute(path) ? path : join(folder, path);
}

function samplesFromFolders(split: SplitName, splitFolder: string, missing: string[]): Sample[] | null {
  const layout = SPLIT_LAYOUT[split];
  const imageDir = join(splitFolder, layout.images);
  const annotationDir = join(splitFolder, layout.annotations);
  const lacking = [imageDir, annotationDir].filter((dir) => !isDirectory(dir));
  if (lacking.length > 0) {
    missing.push(...lacking.map((dir) => `folder ${dir} (split ${split})`));
    return null;
  }
  const samples: Sample[] = [];
  for (const image of listPngs(imageDir)) {
    const annotation = join(annotationDir, relative(imageDir, image));
    if (!existsSync(annotation)) missing.push(`${annotation} (annotation of ${image})`);
    samples.push({ split, image, annotation });
  }
  return samples;
}

function listPngs(dir: string): string[] {
  const found: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => naturalCompare(a.name, b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listPngs(path));
    else if (entry.name.toLowerCase().endsWith('.png') && !entry.name.startsWith('.')) found.push(path);
  }
  return found;
}

/** Orders "2.png" before "10.png", the same on every machine (no locale). */
export function naturalCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const bothNumbers = /^\d/.test(x) && /^\d/.test(y);
    if (bothNumbers && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Problems visible in the headers alone: unreadable files, label map formats, image vs label size. */
export function sampleHeaderProblem(sample: Sample): string | null {
  try {
    const image = readPngHeader(sample.image);
    const label = readPngHeader(sample.annotation);
    if (!isLabelMapFormat(label)) {
      return `${sample.annotation}: a label map must be an 8-bit grayscale or palette PNG, this one is ${describePngFormat(label)}`;
    }
    if (image.width !== label.width || image.height !== label.height) {
      return sizeMismatch(sample, image, label);
    }
    return null;
  } catch (error) {
    return describeError(error);
  }
}

function sizeMismatch(sample: Sample, image: { width: number; height: number }, label: { width: number; height: number }): string {
  return `${sample.annotation}: label map is ${label.width}x${label.height} but its image ${sample.image} is ${image.width}x${image.height}`;
}

function checkHeaders(index: DatasetIndex, policy: BadSamplePolicy): void {
  const bad: string[] = [];
  for (const split of Object.keys(index.splits) as SplitName[]) {
    const kept: Sample[] = [];
    for (const sample of index.splits[split]!) {
      const problem = sampleHeaderProblem(sample);
      if (problem === null) kept.push(sample);
      else if (policy === 'skip') index.skipped.push({ file: sample.annotation, reason: problem });
      else bad.push(problem);
    }
    index.splits[split] = kept;
  }
  if (bad.length > 0) throw new DataError(listProblems(`StreetHazards at ${index.root} has bad samples:`, bad), bad);
}

/**
 * Annotation values to classes: v - 1 for 1..14, IGNORE_LABEL for 0 (which the
 * reference turns into -1) and for 255 (the usual "void"). Anything else is
 * not a StreetHazards annotation and is refused, naming the values found.
 */
export function annotationToClasses(annotation: Uint8Array, name: string): Uint8Array {
  const classes = new Uint8Array(annotation.length);
  let outOfRange: Map<number, number> | null = null;
  for (let p = 0; p < annotation.length; p++) {
    const v = annotation[p]!;
    if (v >= 1 && v <= ANOMALY_LABEL + 1) classes[p] = v - 1;
    else if (v === 0 || v === 255) classes[p] = IGNORE_LABEL;
    else {
      outOfRange ??= new Map();
      outOfRange.set(v, (outOfRange.get(v) ?? 0) + 1);
    }
  }
  if (outOfRange) {
    const found = [...outOfRange].sort((a, b) => a[0] - b[0]).map(([v, n]) => `${v} (${n} pixels)`);
    throw new DataError(`${name}: label values out of range: ${found.join(', ')}; StreetHazards annotations hold 1..${ANOMALY_LABEL + 1} (0 and 255 are ignored)`, [name]);
  }
  return classes;
}

/** Classes back to annotation values (class + 1, ignore -> 0), as the dataset stores them. */
export function classesToAnnotation(classes: Uint8Array): Uint8Array {
  const annotation = new Uint8Array(classes.length);
  for (let p = 0; p < classes.length; p++) {
    const c = classes[p]!;
    annotation[p] = c <= ANOMALY_LABEL ? c + 1 : 0;
  }
  return annotation;
}

export interface LoadedSample {
  sample: Sample;
  width: number;
  height: number;
  /** 8-bit RGB, interleaved. */
  image: Uint8Array;
  /** Classes 0..13 and IGNORE_LABEL, one per pixel. */
  labels: Uint8Array;
}

/** Reads and checks one sample. Throws a DataError naming the file for any problem. */
export function loadSample(sample: Sample): LoadedSample {
  const image = readImage(sample.image);
  const annotation = readLabelMap(sample.annotation);
  if (image.width !== annotation.width || image.height !== annotation.height) {
    throw new DataError(sizeMismatch(sample, image, annotation), [sample.annotation, sample.image]);
  }
  return {
    sample,
    width: image.width,
    height: image.height,
    image: image.data,
    labels: annotationToClasses(annotation.labels, sample.annotation),
  };
}
