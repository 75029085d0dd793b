// A training dataset by its layout: `--data DIR` is StreetHazards or CamVid,
// told apart by its folders. A path that is neither is refused in one line
// naming the layouts known and what the path lacks, before any work.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CAMVID_SPLIT_FOLDERS, indexCamVid, looksLikeCamVid } from './camvid';
import type { BadSamplePolicy, DatasetIndex, SplitName } from './dataset';
import { DataError } from './errors';
import { indexStreetHazards, SPLIT_LAYOUT } from './streethazards';

export interface OpenOptions {
  /** The splits wanted; each layout reads those it has. */
  splits: readonly SplitName[];
  onBadSample?: BadSamplePolicy;
}

const LAYOUTS = [
  { name: 'StreetHazards', mark: join(SPLIT_LAYOUT.train.folder, SPLIT_LAYOUT.train.images), alt: join(SPLIT_LAYOUT.test.folder, SPLIT_LAYOUT.test.images) },
  { name: 'CamVid', mark: 'trainannot', alt: 'testannot' },
] as const;

/** What a user is told a dataset folder must look like. */
export const DATASET_LAYOUTS_HELP = 'StreetHazards (train/images/training, test/images/test) or CamVid (train/ + trainannot/, val/ + valannot/, test/ + testannot/)';

function isStreetHazards(root: string): boolean {
  return existsSync(join(root, LAYOUTS[0].mark)) || existsSync(join(root, LAYOUTS[0].alt)) || existsSync(join(root, 'train', 'train.odgt'));
}

/** One line for a path that is no dataset, or null when it looks like one. */
export function datasetPathProblem(root: string): string | null {
  let stats;
  try {
    stats = statSync(root);
  } catch {
    return `${root} does not exist`;
  }
  if (!stats.isDirectory()) return `${root} is not a folder`;
  if (isStreetHazards(root) || looksLikeCamVid(root)) return null;
  return `${root} is in no known layout: it lacks ${LAYOUTS[0].mark}/ (${LAYOUTS[0].name}) and ${LAYOUTS[1].mark}/ (${LAYOUTS[1].name}); the layouts read are ${DATASET_LAYOUTS_HELP}`;
}

export function openDataset(root: string, options: OpenOptions): DatasetIndex {
  const problem = datasetPathProblem(root);
  if (problem) throw new DataError(problem, [root]);
  if (isStreetHazards(root)) return indexStreetHazards(root, { splits: options.splits, onBadSample: options.onBadSample });
  const splits = options.splits.filter((s) => CAMVID_SPLIT_FOLDERS[s] !== undefined);
  return indexCamVid(root, { splits, onBadSample: options.onBadSample });
}
