// Small datasets in the layouts of real ones, made from the synthetic scenes
// (never from fetched data): CamVid (train/ + trainannot/, ...), and anomaly
// sets as Fishyscapes (images/ + labels_masks/) and RoadAnomaly (frames/) lay
// them out.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { ANOMALY_LABEL } from '../../src/base/labels';
import { writePng } from '../../src/data/png';
import { renderScene } from '../../src/data/synthetic/scene';
import { tempDir } from './pipeline';

/** StreetHazards class -> CamVid label: sky, building, fence, other (Unlabelled), pedestrian, pole, road line and road, sidewalk, vegetation, car, wall, sign. */
const TO_CAMVID = [0, 1, 7, 11, 9, 2, 3, 3, 4, 5, 8, 1, 6];

export const FRAME = { width: 64, height: 48 };

/** A CamVid-layout folder of synthetic frames: counts per split, 64x48, labels 0..10 and 11. */
export function camvidCopy(counts: { train: number; val: number; test: number }): string {
  const root = join(tempDir('camvid'), 'CamVid');
  let seed = 100;
  for (const [split, count] of Object.entries(counts)) {
    mkdirSync(join(root, split), { recursive: true });
    mkdirSync(join(root, `${split}annot`), { recursive: true });
    for (let i = 0; i < count; i++) {
      const scene = renderScene(seed++, FRAME.width, FRAME.height, null);
      const name = `0001TP_${String(i).padStart(6, '0')}.png`;
      writePng(join(root, split, name), { width: scene.width, height: scene.height, data: scene.image });
      writePng(join(root, `${split}annot`, name), { width: scene.width, height: scene.height, labels: Uint8Array.from(scene.classes, (c) => TO_CAMVID[c]!) });
    }
  }
  return root;
}

export interface AnomalySetOptions {
  layout: 'images + labels_masks' | 'RoadAnomaly frames';
  count: number;
  /** Write the photos as JPEG (under a .jpg name), else PNG. */
  jpeg?: boolean;
  /** The mask's name after the image's stem (Segment-Me-If-You-Can: "_labels_semantic"). */
  maskSuffix?: string;
}

/** An anomaly set of synthetic test scenes in a published layout; its folder. */
export function anomalySet(o: AnomalySetOptions): string {
  const root = tempDir('anomaly-set');
  let seed = 500;
  for (let i = 0; i < o.count; i++) {
    const scene = renderScene(seed++, FRAME.width, FRAME.height, 'test');
    const stem = `frame${i}`;
    const anomaly = o.layout === 'RoadAnomaly frames' ? 2 : 1;
    const mask = { width: scene.width, height: scene.height, labels: Uint8Array.from(scene.classes, (c) => (c === ANOMALY_LABEL ? anomaly : 0)) };
    const folder = join(root, o.layout === 'RoadAnomaly frames' ? 'frames' : 'images');
    mkdirSync(folder, { recursive: true });
    const image = join(folder, `${stem}.${o.jpeg ? 'jpg' : 'png'}`);
    if (o.jpeg) writeFileSync(image, jpegBytes(scene.image, scene.width, scene.height));
    else writePng(image, { width: scene.width, height: scene.height, data: scene.image });
    if (o.layout === 'RoadAnomaly frames') {
      mkdirSync(join(folder, `${stem}.labels`), { recursive: true });
      writePng(join(folder, `${stem}.labels`, 'labels_semantic.png'), mask);
    } else {
      mkdirSync(join(root, 'labels_masks'), { recursive: true });
      writePng(join(root, 'labels_masks', `${stem}${o.maskSuffix ?? ''}.png`), mask);
    }
  }
  return root;
}

export function jpegBytes(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba.set([rgb[3 * p]!, rgb[3 * p + 1]!, rgb[3 * p + 2]!, 255], 4 * p);
  return jpeg.encode({ data: rgba, width, height }, 95).data;
}
