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

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { ANOMALY_LABEL } from '../base/labels';
import { STREETHAZARDS_CLASSES } from './class-tables';
import { checkHeaders, isDirectory, listProblems, naturalCompare, type BadSamplePolicy, type DataOrigin, type DatasetIndex, type Sample, type SplitName } from './dataset';
import { DataError, describeError } from './errors';
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

export const STREETHAZARDS_ORIGIN: DataOrigin = {
  source: 'a folder in the StreetHazards layout (Hendrycks et al., "A Benchmark for Anomaly Segmentation"; the embedded synthetic scenes use it too)',
  terms: 'those of the folder\'s data',
};

export interface IndexOptions {
  /** Default PUBLISHED_SPLIT_NAMES. */
  splits?: readonly SplitName[];
  /** Read every PNG header to check formats and sizes up front (cheap: 33 bytes a file). Default true. */
  checkHeaders?: boolean;
  /** What a sample with a bad header does: leave the sample out ('skip') or be part of the error ('fail', default). */
  onBadSample?: BadSamplePolicy;
}

/**
 * Lists and checks the samples of the requested splits. Everything missing
 * (folders, index files' targets, annotations, whole splits) is collected and
 * thrown as ONE DataError, so a user fixes a broken copy in one go.
 */
export function indexStreetHazards(root: string, options: IndexOptions = {}): DatasetIndex {
  const splits = options.splits ?? PUBLISHED_SPLIT_NAMES;
  const missing: string[] = [];
  const index: DatasetIndex = { root, layout: 'StreetHazards', classes: STREETHAZARDS_CLASSES, origin: STREETHAZARDS_ORIGIN, splits: {}, sources: {}, skipped: [] };
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
      samples.push({ split, image, annotation, format: 'streethazards' });
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
    samples.push({ split, image, annotation, format: 'streethazards' });
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

/** Engine labels back to annotation values (class + 1, the anomaly K + 1, ignore 0), as the dataset stores them. */
export function classesToAnnotation(classes: Uint8Array): Uint8Array {
  const k = STREETHAZARDS_CLASSES.names.length;
  const annotation = new Uint8Array(classes.length);
  for (let p = 0; p < classes.length; p++) {
    const c = classes[p]!;
    annotation[p] = c < k ? c + 1 : c === ANOMALY_LABEL ? k + 1 : 0;
  }
  return annotation;
}

