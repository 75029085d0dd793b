// One object pasted into one frame (the Fishyscapes Static protocol): where it
// goes and how big, its edge feathered, its colours optionally matched to the
// frame around it, and the anomaly mask of the result.

import type { Random } from '../../base/random';
import type { LabelMap, RgbImage } from '../png';
import { colourStats, fromOpponent, matchColours, toOpponent, type ColourStats } from './colour-match';
import { resizeCutout, type Cutout } from './resample';

/** The mask values of the Fishyscapes / Segment-Me-If-You-Can sets. */
export const MASK_NORMAL = 0;
export const MASK_ANOMALY = 1;
export const MASK_IGNORE = 255;
/** CamVid's "Unlabelled" class, ignored by the anomaly mask as by segmentation. */
export const CAMVID_UNLABELLED = 11;

/** The pasted object's height, as fractions of the frame's height. */
export const HEIGHT_RANGE: readonly [number, number] = [0.08, 0.3];
/**
 * A pixel is anomalous where the object makes up at least 95% of it: rembg's
 * cut-outs are 254/255 opaque inside, and a pixel with a trace of the street
 * in it is still the object.
 */
export const ANOMALY_WEIGHT = 242;
/** Below this height the feathered edge leaves few pixels that are wholly the object. */
export const MIN_OBJECT_HEIGHT = 16;

export interface Placement {
  /** Top-left corner in the frame. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Mirrored left-right. */
  flip: boolean;
}

export interface PastedFrame {
  image: RgbImage;
  mask: LabelMap;
  /** Pixels marked MASK_ANOMALY. */
  anomalyPixels: number;
  /** The object's colours before matching and the frame's around it (opponent space). */
  objectColour: ColourStats;
  bandColour: ColourStats;
}

/**
 * Size and position: the object stands with its bottom in the lower half of
 * the frame (where the road is), wholly inside it.
 */
export function choosePlacement(rng: Random, object: { width: number; height: number }, frame: { width: number; height: number }): Placement {
  const lo = Math.min(frame.height, Math.max(MIN_OBJECT_HEIGHT, HEIGHT_RANGE[0] * frame.height));
  const hi = Math.min(frame.height, Math.max(lo, HEIGHT_RANGE[1] * frame.height));
  let height = Math.round(lo + rng.next() * (hi - lo));
  let width = Math.max(1, Math.round((height * object.width) / object.height));
  if (width > frame.width) {
    height = Math.max(1, Math.round((height * frame.width) / width));
    width = frame.width;
  }
  const half = Math.ceil(frame.height / 2);
  const bottom = half + rng.int(frame.height - half);
  const x = rng.int(frame.width - width + 1);
  const flip = rng.next() < 0.5;
  return { x, y: Math.max(0, bottom - height + 1), width, height, flip };
}

/** A 3x3 box blur, zero outside the plane. */
function boxBlur3(values: Float32Array, width: number, height: number): Float32Array {
  const across = new Float32Array(values.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      across[i] = (values[i]! + (x > 0 ? values[i - 1]! : 0) + (x < width - 1 ? values[i + 1]! : 0)) / 3;
    }
  }
  const out = new Float32Array(values.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      out[i] = (across[i]! + (y > 0 ? across[i - width]! : 0) + (y < height - 1 ? across[i + width]! : 0)) / 3;
    }
  }
  return out;
}

/**
 * The blending weight, in 8 bits: the alpha, softened over the 2 pixels inside
 * its edge (two 3x3 box blurs) and never above the alpha itself, so the
 * pasted pixels never carry the colours around the object in its source photo.
 */
function featheredWeights(alpha: Float32Array, width: number, height: number): Uint8Array {
  const soft = boxBlur3(boxBlur3(alpha, width, height), width, height);
  return Uint8Array.from(alpha, (a, i) => Math.round(Math.min(a, soft[i]!) * 255));
}

/** Frame pixels around the object (its box grown by half its size), the object's own pixels left out. */
function bandStats(frame: RgbImage, p: Placement, weights: Uint8Array): ColourStats {
  const margin = Math.max(4, Math.round(Math.max(p.width, p.height) / 2));
  const x0 = Math.max(0, p.x - margin);
  const x1 = Math.min(frame.width, p.x + p.width + margin);
  const y0 = Math.max(0, p.y - margin);
  const y1 = Math.min(frame.height, p.y + p.height + margin);
  const pixels = new Float32Array((x1 - x0) * (y1 - y0) * 3);
  const inBand = new Float32Array((x1 - x0) * (y1 - y0));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y - y0) * (x1 - x0) + (x - x0);
      const inBox = x >= p.x && x < p.x + p.width && y >= p.y && y < p.y + p.height;
      if (inBox && weights[(y - p.y) * p.width + (x - p.x)]! > 0) continue;
      const f = 3 * (y * frame.width + x);
      toOpponent(frame.data[f]!, frame.data[f + 1]!, frame.data[f + 2]!, pixels, 3 * i);
      inBand[i] = 1;
    }
  }
  return colourStats(pixels, inBand);
}

/**
 * The mask: CamVid's pixels normal (its Unlabelled ones ignored), the pixels
 * that are (nearly) wholly the object anomalous, and the blended ones (the
 * feathered edge, 2 pixels), with a pixel more around them, ignored: they are
 * neither normal nor anomaly.
 */
function anomalyMask(labels: LabelMap, p: Placement, weights: Uint8Array): { mask: LabelMap; anomalyPixels: number } {
  const mask = new Uint8Array(labels.labels.length);
  for (let i = 0; i < mask.length; i++) mask[i] = labels.labels[i] === CAMVID_UNLABELLED ? MASK_IGNORE : MASK_NORMAL;
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      if (weights[y * p.width + x] === 0) continue;
      for (let fy = Math.max(0, p.y + y - 1); fy <= Math.min(labels.height - 1, p.y + y + 1); fy++) {
        for (let fx = Math.max(0, p.x + x - 1); fx <= Math.min(labels.width - 1, p.x + x + 1); fx++) mask[fy * labels.width + fx] = MASK_IGNORE;
      }
    }
  }
  let anomalyPixels = 0;
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      if (weights[y * p.width + x]! < ANOMALY_WEIGHT) continue;
      mask[(p.y + y) * labels.width + p.x + x] = MASK_ANOMALY;
      anomalyPixels++;
    }
  }
  return { mask: { width: labels.width, height: labels.height, labels: mask }, anomalyPixels };
}

/** Pastes `object` into a copy of `frame` at `placement`; `labels` are the frame's CamVid classes. */
export function pasteObject(frame: RgbImage, labels: LabelMap, object: Cutout, placement: Placement, matchColour: boolean): PastedFrame {
  const p = placement;
  const scaled = resizeCutout(object, p.width, p.height, p.flip);
  const count = p.width * p.height;
  const alpha = new Float32Array(count);
  const colours = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) {
    const a = (alpha[i] = scaled.data[4 * i + 3]!);
    if (a > 0) toOpponent(scaled.data[4 * i]! / a, scaled.data[4 * i + 1]! / a, scaled.data[4 * i + 2]! / a, colours, 3 * i);
  }
  const weights = featheredWeights(alpha, p.width, p.height);
  const objectColour = colourStats(colours, Float32Array.from(weights));
  const bandColour = bandStats(frame, p, weights);
  if (matchColour) matchColours(colours, objectColour, bandColour);

  const image = new Uint8Array(frame.data);
  const rgb = [0, 0, 0];
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      const i = y * p.width + x;
      const t = weights[i]! / 255;
      if (t === 0) continue;
      fromOpponent(colours[3 * i]!, colours[3 * i + 1]!, colours[3 * i + 2]!, rgb);
      const f = 3 * ((p.y + y) * frame.width + p.x + x);
      for (let c = 0; c < 3; c++) image[f + c] = Math.round(Math.min(255, Math.max(0, frame.data[f + c]! * (1 - t) + rgb[c]! * t)));
    }
  }
  return { image: { width: frame.width, height: frame.height, data: image }, ...anomalyMask(labels, p, weights), objectColour, bandColour };
}
