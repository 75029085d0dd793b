// The label convention of StreetHazards after the dataset's minus-one, shared by
// the loader, the scene generator, the losses and the metrics: known classes
// 0..12, anomaly 13, IGNORE_LABEL for pixels that no loss or metric counts.

export const KNOWN_CLASS_COUNT = 13;
export const ANOMALY_LABEL = 13;
export const IGNORE_LABEL = 255;

/**
 * Class names, index = class. Order and names from the colour table in
 * hendrycks/anomaly-seg create_dataset.py ("unlabeled = 0, building = 1, ...
 * traffic sign = 12, anomaly = 13"), which are CARLA's semantic tags (CARLA
 * tags the sky "unlabeled").
 */
export const STREETHAZARDS_CLASS_NAMES = [
  'unlabeled',
  'building',
  'fence',
  'other',
  'pedestrian',
  'pole',
  'road line',
  'road',
  'sidewalk',
  'vegetation',
  'car',
  'wall',
  'traffic sign',
  'anomaly',
] as const;

export type ClassName = (typeof STREETHAZARDS_CLASS_NAMES)[number];

export function classIndex(name: ClassName): number {
  return STREETHAZARDS_CLASS_NAMES.indexOf(name);
}
