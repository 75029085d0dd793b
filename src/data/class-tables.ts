// The class tables of the datasets the engine reads, as their publishers give
// them. Kept free of Node imports: the browser demo falls back to the
// StreetHazards table for checkpoints written before tables travelled with them.

import type { ClassTable } from '../base/labels';

/**
 * StreetHazards after the dataset's minus-one. Order and names from the colour
 * table in hendrycks/anomaly-seg create_dataset.py ("unlabeled = 0, building = 1,
 * ... traffic sign = 12, anomaly = 13"), which are CARLA's semantic tags (CARLA
 * tags the sky "unlabeled"); colours are CARLA's (the Cityscapes palette).
 */
export const STREETHAZARDS_CLASSES: ClassTable = {
  dataset: 'StreetHazards',
  names: ['unlabeled', 'building', 'fence', 'other', 'pedestrian', 'pole', 'road line', 'road', 'sidewalk', 'vegetation', 'car', 'wall', 'traffic sign'],
  colours: [
    [0, 0, 0],
    [70, 70, 70],
    [190, 153, 153],
    [250, 170, 160],
    [220, 20, 60],
    [153, 153, 153],
    [157, 234, 50],
    [128, 64, 128],
    [244, 35, 232],
    [107, 142, 35],
    [0, 0, 142],
    [102, 102, 156],
    [220, 220, 0],
  ],
};

/** The 11 classes of the SegNet tutorial's CamVid copy (label values 0..10; 11 is Unlabelled), with its colours. */
export const CAMVID_CLASSES: ClassTable = {
  dataset: 'CamVid',
  names: ['sky', 'building', 'pole', 'road', 'pavement', 'tree', 'sign', 'fence', 'car', 'pedestrian', 'bicyclist'],
  colours: [
    [128, 128, 128],
    [128, 0, 0],
    [192, 192, 128],
    [128, 64, 128],
    [60, 40, 222],
    [128, 128, 0],
    [192, 128, 128],
    [64, 64, 128],
    [64, 0, 128],
    [64, 64, 0],
    [0, 128, 192],
  ],
};
