// The frames of a CamVid split to paste into, as the CamVid loader lists them
// (src/data/camvid.ts), each checked whole before anything is written.

import { basename } from 'node:path';
import { indexCamVid } from '../camvid';
import { DataError } from '../errors';
import { readLabelMap, readPngHeader, verifyPng } from '../png';
import { CAMVID_UNLABELLED } from './paste';

/** The splits a pasted set may come from: validation sets paste into val, test sets into test. */
const PASTE_SPLITS = { val: 'validation', test: 'test' } as const;
export const CAMVID_SPLITS = Object.keys(PASTE_SPLITS) as (keyof typeof PASTE_SPLITS)[];
export type CamvidSplit = keyof typeof PASTE_SPLITS;

export interface CamvidFrame {
  name: string;
  image: string;
  labels: string;
}

/** The split's frames in the loader's order, the first `count` where given. */
export function listCamvidFrames(root: string, split: string, count: number | null): CamvidFrame[] {
  if (!Object.hasOwn(PASTE_SPLITS, split)) throw new DataError(`unknown CamVid split "${split}" (val or test)`);
  const samples = indexCamVid(root, { splits: [PASTE_SPLITS[split as CamvidSplit]] }).splits[PASTE_SPLITS[split as CamvidSplit]]!;
  return samples.slice(0, count ?? samples.length).map((s) => ({ name: basename(s.image), image: s.image, labels: s.annotation }));
}

/** The frame and its labels are whole PNGs of one size, the labels CamVid class ids. */
export function checkCamvidFrame(frame: CamvidFrame): void {
  verifyPng(frame.image);
  const { width, height } = readPngHeader(frame.image);
  const labels = readLabelMap(frame.labels);
  if (labels.width !== width || labels.height !== height) {
    throw new DataError(`${frame.labels}: ${labels.width}x${labels.height}, its frame ${frame.image} is ${width}x${height}`, [frame.labels, frame.image]);
  }
  const bad = labels.labels.findIndex((v) => v > CAMVID_UNLABELLED);
  if (bad >= 0) throw new DataError(`${frame.labels}: value ${labels.labels[bad]} at (${bad % width}, ${Math.floor(bad / width)}), CamVid's are 0-${CAMVID_UNLABELLED}`, [frame.labels]);
}
