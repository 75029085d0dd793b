// What each ground-truth pixel is to the metrics: known, anomaly, or ignored.

import { ANOMALY_LABEL, IGNORE_LABEL, MAX_CLASSES, UNCLASSIFIED_LABEL } from '../base/labels';

/** Per-pixel class ids (ground truth or a teacher's argmax), row-major. */
export type LabelArray = Uint8Array | Uint16Array | Int16Array | Int32Array | Uint32Array;

export type PixelKind = 'known' | 'anomaly' | 'ignore';

export function pixelKind(label: number, index: number): PixelKind {
  if (label === ANOMALY_LABEL) return 'anomaly';
  if (label === IGNORE_LABEL) return 'ignore';
  if (Number.isInteger(label) && label >= 0 && (label < MAX_CLASSES || label === UNCLASSIFIED_LABEL)) return 'known';
  throw new RangeError(
    `label ${label} at pixel ${index} is none of: a class 0..${MAX_CLASSES - 1}, normal of no given class ${UNCLASSIFIED_LABEL}, anomaly ${ANOMALY_LABEL}, ignore ${IGNORE_LABEL}`,
  );
}

export function checkSameLength(what: string, expected: number, actual: number): void {
  if (actual !== expected) throw new RangeError(`${what}: expected ${expected} pixels, got ${actual}`);
}
