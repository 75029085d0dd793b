// StreetHazards class names, apart from the loader so that code without file
// access (the scene generator in a browser) can use them.

/**
 * Class names after the minus-one, index = class (the label convention itself,
 * KNOWN_CLASS_COUNT / ANOMALY_LABEL / IGNORE_LABEL, lives in eval/labels).
 * Order and names from the colour table in hendrycks/anomaly-seg create_dataset.py ("unlabeled = 0,
 * building = 1, ... traffic sign = 12, anomaly = 13"), which are CARLA's
 * semantic tags (CARLA tags the sky "unlabeled").
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
