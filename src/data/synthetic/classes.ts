// Class indices (after the dataset's minus-one) used by the scene generator.

import { ANOMALY_LABEL } from '../../base/labels';
import { STREETHAZARDS_CLASSES } from '../class-tables';

function classIndex(name: string): number {
  const index = STREETHAZARDS_CLASSES.names.indexOf(name);
  if (index < 0) throw new Error(`no StreetHazards class ${name}`);
  return index;
}

export const CLASS = {
  /** The sky: CARLA, which rendered StreetHazards, tags it unlabeled. */
  sky: classIndex('unlabeled'),
  building: classIndex('building'),
  fence: classIndex('fence'),
  other: classIndex('other'),
  pedestrian: classIndex('pedestrian'),
  pole: classIndex('pole'),
  roadLine: classIndex('road line'),
  road: classIndex('road'),
  sidewalk: classIndex('sidewalk'),
  vegetation: classIndex('vegetation'),
  car: classIndex('car'),
  wall: classIndex('wall'),
  trafficSign: classIndex('traffic sign'),
  anomaly: ANOMALY_LABEL,
} as const;
