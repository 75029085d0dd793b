// Class indices (after the dataset's minus-one) used by the scene generator.

import { classIndex } from '../../base/labels';

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
  anomaly: classIndex('anomaly'),
} as const;
