// Anomaly sets: folders of photos with a mask of what is anomalous, read for
// evaluation only. Two layouts:
//
//   <root>/images/NAME.{png,jpg,webp}   <root>/labels_masks/NAME[_labels_semantic].png
//       0 normal, 1 anomaly, 255 ignore (Fishyscapes, Segment-Me-If-You-Can, and
//       the sets `dicnet paste` writes);
//   <root>/frames/NAME.jpg              <root>/frames/NAME.labels/labels_semantic.png
//       0 normal, 2 anomaly (RoadAnomaly as published, Lis et al. 2019).
//
// Images are read by content (PNG, JPEG or WebP), whatever their extension says.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { isDirectory, listProblems, naturalCompare, type LabelFormat, type Sample, type SkippedFile } from './dataset';
import { DataError } from './errors';

export interface AnomalySet {
  /** What the report calls it (`--anomalies NAME=DIR`). */
  name: string;
  root: string;
  layout: string;
  samples: Sample[];
  skipped: SkippedFile[];
}

interface AnomalyLayout {
  name: string;
  format: LabelFormat;
  /** The folders (or files) that tell the layout apart. */
  marks: readonly string[];
  list: (root: string, missing: string[]) => { image: string; annotation: string }[];
}

/** Files that sit beside images in published sets and are not images. */
const NOT_IMAGES = new Set(['.txt', '.json', '.md', '.csv', '.npy', '.zip']);

function imageFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.') && !NOT_IMAGES.has(extname(name).toLowerCase()) && statSync(join(dir, name)).isFile())
    .sort(naturalCompare);
}

function stem(name: string): string {
  return basename(name, extname(name));
}

/** The mask of image `name`: NAME.png, else the one NAME_* file that is not a colour rendering. */
function maskOf(name: string, masks: readonly string[]): string | undefined {
  const s = stem(name);
  const exact = masks.find((m) => stem(m) === s);
  if (exact) return exact;
  const candidates = masks.filter((m) => m.startsWith(`${s}_`) && !/colou?r/i.test(m));
  return candidates.find((m) => /labels_semantic/.test(m)) ?? (candidates.length === 1 ? candidates[0] : undefined);
}

export const ANOMALY_LAYOUTS: readonly AnomalyLayout[] = [
  {
    name: 'images + labels_masks',
    format: 'anomaly-mask',
    marks: ['images', 'labels_masks'],
    list(root, missing) {
      const masks = readdirSync(join(root, 'labels_masks')).filter((m) => extname(m).toLowerCase() === '.png');
      return imageFiles(join(root, 'images')).flatMap((name) => {
        const mask = maskOf(name, masks);
        if (mask === undefined) {
          missing.push(`${join(root, 'labels_masks', `${stem(name)}.png`)} (mask of ${join(root, 'images', name)})`);
          return [];
        }
        return [{ image: join(root, 'images', name), annotation: join(root, 'labels_masks', mask) }];
      });
    },
  },
  {
    name: 'RoadAnomaly frames',
    format: 'road-anomaly',
    marks: ['frames'],
    list(root, missing) {
      const frames = join(root, 'frames');
      return imageFiles(frames).flatMap((name) => {
        const annotation = join(frames, `${stem(name)}.labels`, 'labels_semantic.png');
        if (!existsSync(annotation)) {
          missing.push(`${annotation} (labels of ${join(frames, name)})`);
          return [];
        }
        return [{ image: join(frames, name), annotation }];
      });
    },
  },
];

export function anomalyLayoutOf(root: string): AnomalyLayout | undefined {
  return ANOMALY_LAYOUTS.find((layout) => layout.marks.every((mark) => isDirectory(join(root, mark))));
}

/** Lists a set's samples; a missing mask or an empty set is a DataError naming them all. */
export function indexAnomalySet(root: string, name: string): AnomalySet {
  const layout = anomalyLayoutOf(root);
  if (!layout) {
    const known = ANOMALY_LAYOUTS.map((l) => l.marks.map((m) => `${m}/`).join(' + ')).join(' or ');
    throw new DataError(`${root}: not an anomaly set (it needs ${known})`, [root]);
  }
  const missing: string[] = [];
  const samples = layout.list(root, missing).map((s): Sample => ({ split: name, ...s, format: layout.format }));
  if (samples.length === 0 && missing.length === 0) missing.push(`no images in ${join(root, layout.marks[0]!)}`);
  if (missing.length > 0) throw new DataError(listProblems(`the anomaly set ${name} at ${root} is incomplete:`, missing), missing);
  return { name, root, layout: layout.name, samples, skipped: [] };
}
