// The label convention of StreetHazards after the dataset's minus-one, shared by
// the loader and the synthetic generator: known classes 0..12, anomaly 13,
// 255 for pixels that no metric counts.

export const KNOWN_CLASS_COUNT = 13;
export const ANOMALY_LABEL = 13;
export const IGNORE_LABEL = 255;

/** Per-pixel class ids (ground truth or a teacher's argmax), row-major. */
export type LabelArray = Uint8Array | Uint16Array | Int16Array | Int32Array | Uint32Array;

export type PixelKind = 'known' | 'anomaly' | 'ignore';

export function pixelKind(label: number, index: number): PixelKind {
  if (label === ANOMALY_LABEL) return 'anomaly';
  if (label === IGNORE_LABEL) return 'ignore';
  if (Number.isInteger(label) && label >= 0 && label < KNOWN_CLASS_COUNT) return 'known';
  throw new RangeError(
    `label ${label} at pixel ${index} is none of: known class 0..${KNOWN_CLASS_COUNT - 1}, anomaly ${ANOMALY_LABEL}, ignore ${IGNORE_LABEL}`,
  );
}

export function checkSameLength(what: string, expected: number, actual: number): void {
  if (actual !== expected) throw new RangeError(`${what}: expected ${expected} pixels, got ${actual}`);
}
