// The Pascal VOC colour map, as a VOC target rendered to RGB shows it: class i's
// colour comes from the bits of i spread over the high bits of R, G and B (the
// palette of the VOC devkit's labelcolormap), and the void border around every
// object is (224, 224, 192).

export const VOC_CLASS_NAMES = [
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
] as const;

export type VocClassName = (typeof VOC_CLASS_NAMES)[number];

/**
 * The VOC classes CamVid's 11 classes already cover (Car, Pedestrian,
 * Bicyclist): pasted, they would be known objects rather than anomalies.
 */
export const CAMVID_COVERED_VOC_CLASSES: readonly VocClassName[] = ['person', 'bicycle', 'motorbike', 'car', 'bus', 'train'];

export const VOC_VOID_COLOUR = [224, 224, 192] as const;

export function vocColour(classIndex: number): [number, number, number] {
  const rgb: [number, number, number] = [0, 0, 0];
  for (let bit = 0, c = classIndex; c > 0; bit++, c >>= 3) {
    for (let channel = 0; channel < 3; channel++) rgb[channel]! |= ((c >> channel) & 1) << (7 - bit);
  }
  return rgb;
}

export function packRgb(r: number, g: number, b: number): number {
  return (r << 16) | (g << 8) | b;
}

/** Packed RGB -> class index, with the void border as -1. */
export const VOC_CLASS_OF_COLOUR: ReadonlyMap<number, number> = new Map([
  ...VOC_CLASS_NAMES.map((_, i) => [packRgb(...vocColour(i)), i] as const),
  [packRgb(...VOC_VOID_COLOUR), -1] as const,
]);
