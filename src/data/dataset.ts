// What every dataset layout shares: samples (an image and its label file), the
// index of a dataset's splits with its class table, and reading one sample into
// RGB pixels and engine labels (src/base/labels.ts) by the rules of its format.

import { statSync } from 'node:fs';
import { ANOMALY_LABEL, IGNORE_LABEL, UNCLASSIFIED_LABEL, type ClassTable } from '../base/labels';
import { CAMVID_CLASSES, STREETHAZARDS_CLASSES } from './class-tables';
import { DataError, describeError } from './errors';
import { readPhotoSync } from './photo';
import { describePngFormat, isLabelMapFormat, readLabelMap, readPngHeader } from './png';

export type SplitName = 'train' | 'validation' | 'test' | 'test-easy';

/**
 * How a label file's values read:
 * - streethazards: 1..13 classes + 1, 14 anomaly, 0 and 255 ignore (the dataset's minus-one);
 * - camvid: 0..10 classes, 11 (Unlabelled) and 255 ignore;
 * - anomaly-mask: 0 normal, 1 anomaly, 255 ignore (Fishyscapes, Segment-Me-If-You-Can);
 * - road-anomaly: 0 normal, 2 anomaly, 255 ignore (RoadAnomaly's labels_semantic.png).
 */
export type LabelFormat = 'streethazards' | 'camvid' | 'anomaly-mask' | 'road-anomaly';

export interface Sample {
  /** The split or anomaly set it belongs to. */
  split: string;
  image: string;
  annotation: string;
  format: LabelFormat;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface DatasetIndex {
  root: string;
  /** The layout it was read as ("StreetHazards", "CamVid"). */
  layout: string;
  classes: ClassTable;
  /** Where the data comes from and on what terms it may be used: it goes into the checkpoints trained on it. */
  origin: DataOrigin;
  splits: Partial<Record<SplitName, Sample[]>>;
  /** Where each split's list came from. */
  sources: Partial<Record<SplitName, string>>;
  /** Samples left out by `onBadSample: 'skip'`, with the reason. */
  skipped: SkippedFile[];
}

export interface DataOrigin {
  source: string;
  terms: string;
}

export type BadSamplePolicy = 'skip' | 'fail';

const MAX_LISTED = 25;

export function listProblems(title: string, problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_LISTED).map((p) => `  - ${p}`);
  if (problems.length > MAX_LISTED) shown.push(`  ... and ${problems.length - MAX_LISTED} more`);
  return `${title}\n${shown.join('\n')}`;
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
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

interface FormatRule {
  /** Engine label of a stored value, or null for a value the format does not have. */
  label: (value: number) => number | null;
  /** What the format holds, for the error message. */
  holds: string;
}

const SH = STREETHAZARDS_CLASSES.names.length;
const CV = CAMVID_CLASSES.names.length;

const FORMAT_RULES: Record<LabelFormat, FormatRule> = {
  streethazards: {
    label: (v) => (v >= 1 && v <= SH ? v - 1 : v === SH + 1 ? ANOMALY_LABEL : v === 0 || v === 255 ? IGNORE_LABEL : null),
    holds: `StreetHazards annotations hold 1..${SH + 1} (${SH + 1} the anomaly; 0 and 255 are ignored)`,
  },
  camvid: {
    label: (v) => (v < CV ? v : v === CV || v === 255 ? IGNORE_LABEL : null),
    holds: `CamVid labels hold the classes 0..${CV - 1} and ${CV} (Unlabelled) or 255, both ignored`,
  },
  'anomaly-mask': {
    label: (v) => (v === 0 ? UNCLASSIFIED_LABEL : v === 1 ? ANOMALY_LABEL : v === 255 ? IGNORE_LABEL : null),
    holds: 'anomaly masks hold 0 (normal), 1 (anomaly) and 255 (ignored)',
  },
  'road-anomaly': {
    label: (v) => (v === 0 ? UNCLASSIFIED_LABEL : v === 2 ? ANOMALY_LABEL : v === 255 ? IGNORE_LABEL : null),
    holds: 'RoadAnomaly labels hold 0 (normal), 2 (anomaly) and 255 (ignored)',
  },
};

/** Whether a file of this format can hold anomaly pixels at all (CamVid's cannot): where none can, scoring anomalies is wasted work. */
export function canHoldAnomalies(format: LabelFormat): boolean {
  const rule = FORMAT_RULES[format];
  for (let v = 0; v < 256; v++) if (rule.label(v) === ANOMALY_LABEL) return true;
  return false;
}

/** Stored label values to engine labels; refuses values the format does not have, naming them. */
export function decodeLabels(format: LabelFormat, stored: Uint8Array, name: string): Uint8Array {
  const rule = FORMAT_RULES[format];
  const lookup = new Int16Array(256);
  for (let v = 0; v < 256; v++) lookup[v] = rule.label(v) ?? -1;
  const labels = new Uint8Array(stored.length);
  let outOfRange: Map<number, number> | null = null;
  for (let p = 0; p < stored.length; p++) {
    const label = lookup[stored[p]!]!;
    if (label >= 0) labels[p] = label;
    else {
      outOfRange ??= new Map();
      outOfRange.set(stored[p]!, (outOfRange.get(stored[p]!) ?? 0) + 1);
    }
  }
  if (outOfRange) {
    const found = [...outOfRange].sort((a, b) => a[0] - b[0]).map(([v, n]) => `${v} (${n} pixels)`);
    throw new DataError(`${name}: label values out of range: ${found.join(', ')}; ${rule.holds}`, [name]);
  }
  return labels;
}

export interface LoadedSample {
  sample: Sample;
  width: number;
  height: number;
  /** 8-bit RGB, interleaved. */
  image: Uint8Array;
  /** Engine labels, one per pixel. */
  labels: Uint8Array;
}

export function sizeMismatch(sample: Sample, image: { width: number; height: number }, label: { width: number; height: number }): string {
  return `${sample.annotation}: label map is ${label.width}x${label.height} but its image ${sample.image} is ${image.width}x${image.height}`;
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

export function checkHeaders(index: DatasetIndex, policy: BadSamplePolicy): void {
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
  if (bad.length > 0) throw new DataError(listProblems(`${index.layout} at ${index.root} has bad samples:`, bad), bad);
}

/** Reads and checks one sample. Throws a DataError naming the file for any problem. */
export function loadSample(sample: Sample): LoadedSample {
  const image = readPhotoSync(sample.image);
  const annotation = readLabelMap(sample.annotation);
  if (image.width !== annotation.width || image.height !== annotation.height) {
    throw new DataError(sizeMismatch(sample, image, annotation), [sample.annotation, sample.image]);
  }
  return {
    sample,
    width: image.width,
    height: image.height,
    image: image.data,
    labels: decodeLabels(sample.format, annotation.labels, sample.annotation),
  };
}
