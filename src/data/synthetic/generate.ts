// The embedded default dataset: procedural street scenes written to disk in
// the StreetHazards layout and label values, generated once into a cache
// folder named by a hash of the generator's parameters and reused while
// complete. The folder is built under a temporary name and renamed when its
// marker file is written, so an interrupted generation leaves nothing that
// looks complete.
//
// Which anomalies go where, and why:
//   train (t1-3)        none: the networks learn what normal looks like.
//   validation (t4)     hazards of the validation kinds (tables, cabinets, tyre
//                       stacks, pipes, tents, handcarts), painted with the known
//                       classes' own materials: for tuning, on kinds the test
//                       never shows.
//   test (t5)           the headline set: hazards of the test kinds (animals,
//                       rocks, rubble, crates, barrels, sofas, logs), painted the
//                       same way, so colour rarity is near chance on them.
//   test-easy (t6)      the same scenes as test, image for image (street, known
//                       objects, light, camera noise, anomaly places and size
//                       quantiles), with the saturated, patterned anomalies of
//                       anomalies.ts instead: colour gives these away. Pairing
//                       the scenes makes the gap between the two sets the effect
//                       of the anomalies' looks alone.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ANOMALY_LABEL } from '../../base/labels';
import { STREETHAZARDS_CLASSES } from '../class-tables';
import { processAlive, writeFileAtomic } from '../atomic';
import { DataError, describeError } from '../errors';
import { writePng } from '../png';
import { createProgress } from '../progress';
import { mixSeed } from '../seed';
import type { SplitName } from '../dataset';
import { SPLIT_LAYOUT, classesToAnnotation } from '../streethazards';
import { renderScene, type AnomalyFamily } from './scene';

/** Bump whenever the generator's output changes, so caches of older output are not reused. */
export const GENERATOR_VERSION = 3;

export const DEFAULT_SYNTHETIC_CACHE = '.cache/synthetic-streethazards';

export interface SyntheticOptions {
  seed?: number;
  /** Image size; default 160 x 96. */
  width?: number;
  height?: number;
  /** Images per split; default 400 train, 100 validation, 100 test, test-easy as many as test. */
  counts?: Partial<Record<SplitName, number>>;
  /** Default DEFAULT_SYNTHETIC_CACHE (relative to the working directory). */
  cacheRoot?: string;
  /** Show progress on stderr. Default true. */
  progress?: boolean;
}

export interface SyntheticParams {
  generator: number;
  seed: number;
  width: number;
  height: number;
  counts: Record<SplitName, number>;
}

export interface SyntheticDataset {
  /** StreetHazards root to hand to indexStreetHazards. */
  root: string;
  params: SyntheticParams;
  /** False when a complete cached copy was reused. */
  generated: boolean;
  /** Pixels of each class (index = class) in each split. */
  classPixels: Record<SplitName, number[]>;
}

interface Marker {
  params: SyntheticParams;
  classPixels: Record<SplitName, number[]>;
  seconds: number;
}

const MARKER = 'complete.json';
const IMAGES_PER_SCENE_FOLDER = 50;
/** Town folders of the published dataset (t1-3 train, t4 validation, t5 test) and ours for test-easy. */
const TOWN: Record<SplitName, string> = { train: 't1-3', validation: 't4', test: 't5', 'test-easy': 't6' };
const SPLIT_ORDER: readonly SplitName[] = ['train', 'validation', 'test', 'test-easy'];
const ANOMALIES: Record<SplitName, AnomalyFamily | null> = { train: null, validation: 'validation', test: 'test', 'test-easy': 'easy' };
/** Scene seeds are mixSeed(seed, SCENES[split], index): test-easy renders the test split's scenes. */
const SCENES: Record<SplitName, number> = { train: 0, validation: 1, test: 2, 'test-easy': 2 };

export function syntheticParams(options: SyntheticOptions = {}): SyntheticParams {
  const params: SyntheticParams = {
    generator: GENERATOR_VERSION,
    seed: options.seed ?? 1,
    width: options.width ?? 160,
    height: options.height ?? 96,
    counts: withEasyCount({ train: 400, validation: 100, test: 100, ...options.counts }),
  };
  for (const [name, value] of Object.entries({ width: params.width, height: params.height, ...params.counts })) {
    if (!Number.isInteger(value) || value < (name === 'width' || name === 'height' ? 8 : 1)) {
      throw new DataError(`synthetic StreetHazards: ${name} must be an integer >= ${name === 'width' || name === 'height' ? 8 : 1}, got ${value}`);
    }
  }
  return params;
}

function withEasyCount(counts: Partial<Record<SplitName, number>> & Record<'train' | 'validation' | 'test', number>): Record<SplitName, number> {
  return { ...counts, 'test-easy': counts['test-easy'] ?? counts.test };
}

function paramsHash(params: SyntheticParams): string {
  return createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 12);
}

export function syntheticDatasetPath(options: SyntheticOptions = {}): string {
  return resolve(options.cacheRoot ?? DEFAULT_SYNTHETIC_CACHE, paramsHash(syntheticParams(options)));
}

/** Relative path of image `index` of a split under its images/ or annotations/ folder. */
export function syntheticSamplePath(split: SplitName, index: number): string {
  return join(TOWN[split], String(Math.floor(index / IMAGES_PER_SCENE_FOLDER)), `${index}.png`);
}

function readMarker(root: string, params: SyntheticParams): Marker | null {
  try {
    const marker = JSON.parse(readFileSync(join(root, MARKER), 'utf8')) as Marker;
    return JSON.stringify(marker.params) === JSON.stringify(params) ? marker : null;
  } catch {
    return null;
  }
}

/** Removes the temporary folders of generations whose process is gone. */
function removeAbandoned(cacheRoot: string, hash: string): void {
  const prefix = `.partial-${hash}-`;
  for (const name of existsSync(cacheRoot) ? readdirSync(cacheRoot) : []) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!processAlive(pid)) rmSync(join(cacheRoot, name), { recursive: true, force: true });
  }
}

/** Returns the cached dataset for these options, generating it first if no complete copy exists. */
export function ensureSyntheticStreetHazards(options: SyntheticOptions = {}): SyntheticDataset {
  const params = syntheticParams(options);
  const cacheRoot = resolve(options.cacheRoot ?? DEFAULT_SYNTHETIC_CACHE);
  const hash = paramsHash(params);
  const root = join(cacheRoot, hash);
  const cached = readMarker(root, params);
  if (cached) return { root, params, generated: false, classPixels: cached.classPixels };

  try {
    mkdirSync(cacheRoot, { recursive: true });
    removeAbandoned(cacheRoot, hash);
    // A folder without a valid marker is the remains of an older, broken run.
    rmSync(root, { recursive: true, force: true });
  } catch (error) {
    throw new DataError(`synthetic StreetHazards: cannot prepare the cache folder ${cacheRoot} (${describeError(error)})`, [cacheRoot]);
  }
  const partial = join(cacheRoot, `.partial-${hash}-${process.pid}-${Date.now()}`);
  try {
    const marker = generateInto(partial, params, options.progress ?? true);
    writeFileAtomic(join(partial, MARKER), `${JSON.stringify(marker, null, 1)}\n`);
    try {
      renameSync(partial, root);
    } catch (error) {
      // Another process finished the same dataset first: use theirs.
      const theirs = readMarker(root, params);
      if (!theirs) throw error;
      rmSync(partial, { recursive: true, force: true });
      return { root, params, generated: false, classPixels: theirs.classPixels };
    }
    return { root, params, generated: true, classPixels: marker.classPixels };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (error instanceof DataError) throw error;
    throw new DataError(`synthetic StreetHazards: generating into ${partial} failed (${describeError(error)})`, [partial]);
  }
}

function generateInto(root: string, params: SyntheticParams, showProgress: boolean): Marker {
  const start = Date.now();
  const total = SPLIT_ORDER.reduce((n, split) => n + params.counts[split], 0);
  const progress = showProgress ? createProgress('synthetic StreetHazards', total) : null;
  const classPixels = {} as Record<SplitName, number[]>;
  for (const split of SPLIT_ORDER) {
    const layout = SPLIT_LAYOUT[split];
    // The anomaly's pixels are counted after the classes', at index K.
    const k = STREETHAZARDS_CLASSES.names.length;
    const pixels = new Array<number>(k + 1).fill(0);
    for (let i = 0; i < params.counts[split]; i++) {
      const scene = renderScene(mixSeed(params.seed, SCENES[split], i), params.width, params.height, ANOMALIES[split]);
      for (const c of scene.classes) pixels[c === ANOMALY_LABEL ? k : c]! += 1;
      const path = syntheticSamplePath(split, i);
      writePng(join(root, layout.folder, layout.images, path), { width: scene.width, height: scene.height, data: scene.image });
      writePng(join(root, layout.folder, layout.annotations, path), { width: scene.width, height: scene.height, labels: classesToAnnotation(scene.classes) });
      progress?.tick();
    }
    classPixels[split] = pixels;
  }
  progress?.done();
  return { params, classPixels, seconds: (Date.now() - start) / 1000 };
}
