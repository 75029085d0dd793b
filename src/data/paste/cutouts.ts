// The objects to paste, read from the files given with --objects: RGBA
// cut-outs (rembg's examples/*.out.png: the soft alpha blends, alpha >= 128 is
// the object) and Pascal VOC pairs N_image.png + N_target.png (the target an
// RGB rendering of the VOC palette), from which each connected object of a
// class CamVid does not know is cut. Every file is read and checked here,
// before anything is written.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PNG } from 'pngjs';
import { DataError, describeError } from '../errors';
import { readImage, readPngHeader, verifyPng, type RgbImage } from '../png';
import type { Cutout } from './resample';
import { CAMVID_COVERED_VOC_CLASSES, packRgb, VOC_CLASS_NAMES, VOC_CLASS_OF_COLOUR } from './voc-palette';

export interface PasteObject extends Cutout {
  /** The file the object comes from (a VOC pair by its target): objects of one photo go to the same set. */
  group: string;
  /** The source file's name, and for a VOC pair the class and which of its objects: "8_target.png#horse-1". */
  id: string;
  /** The file its pixels come from. */
  source: string;
  kind: 'cut-out' | 'voc';
  /** The VOC class; null for a cut-out. */
  className: string | null;
  /** Pixels of the object (alpha >= 128). */
  pixels: number;
}

export interface ObjectSourceOptions {
  /** Files whose name matches are left out (rembg's cars and people). */
  exclude: RegExp | null;
  /** Smaller objects (in pixels of the source) are not used. */
  minPixels: number;
}

export interface ObjectSources {
  /** In file-name order. */
  objects: PasteObject[];
  /** What was passed over and why, one line each. */
  notes: string[];
}

/**
 * rembg's examples that CamVid knows: cars, people, and plants (its Tree class;
 * newer copies of rembg have a `plants-1` example).
 */
export const DEFAULT_EXCLUDE = /^(car|girl|anime|plants)/;
export const MIN_OBJECT_PIXELS = 1500;
const OBJECT_ALPHA = 128;

interface SourceFiles {
  cutOuts: string[];
  vocPairs: { image: string; target: string }[];
  excluded: string[];
  unused: string[];
}

function hasAlpha(path: string): boolean {
  const { colourType } = readPngHeader(path);
  return colourType === 4 || colourType === 6;
}

function vocPartner(path: string): string | null {
  const match = /^(.*)_(image|target)\.png$/i.exec(path);
  if (!match) return null;
  const partner = `${match[1]}_${match[2]!.toLowerCase() === 'image' ? 'target' : 'image'}.png`;
  return existsSync(partner) ? partner : null;
}

/**
 * Sorts the files into cut-outs and VOC pairs. In a folder, files that are
 * neither (the photos rembg started from, other pictures) are passed over and
 * named; a file given on its own must be one.
 */
function findSourceFiles(paths: readonly string[], exclude: RegExp | null): SourceFiles {
  const files: SourceFiles = { cutOuts: [], vocPairs: [], excluded: [], unused: [] };
  const seen = new Set<string>();
  const add = (path: string, given: boolean): void => {
    if (seen.has(path)) return;
    seen.add(path);
    if (exclude?.test(basename(path))) {
      files.excluded.push(path);
      return;
    }
    const partner = vocPartner(path);
    if (partner !== null) {
      seen.add(partner);
      const target = /_target\.png$/i.test(path) ? path : partner;
      files.vocPairs.push({ image: target === path ? partner : path, target });
    } else if (path.toLowerCase().endsWith('.png') && hasAlpha(path)) {
      files.cutOuts.push(path);
    } else if (given) {
      throw new DataError(`${path}: not an object source (an RGBA PNG cut-out, or a VOC pair N_image.png + N_target.png side by side)`, [path]);
    } else {
      files.unused.push(path);
    }
  };
  for (const path of paths) {
    let folder: boolean;
    try {
      folder = statSync(path).isDirectory();
    } catch (error) {
      throw new DataError(`${path}: cannot read the objects (${describeError(error)})`, [path]);
    }
    if (!folder) add(path, true);
    else for (const name of readdirSync(path).sort()) add(join(path, name), false);
  }
  return files;
}

function readRgba(path: string): { width: number; height: number; rgba: Uint8Array } {
  verifyPng(path);
  try {
    const png = PNG.sync.read(readFileSync(path));
    return { width: png.width, height: png.height, rgba: png.data };
  } catch (error) {
    throw new DataError(`${path}: corrupt PNG (${describeError(error)})`, [path]);
  }
}

function readCutOut(path: string, minPixels: number): PasteObject {
  const { width, height, rgba } = readRgba(path);
  let pixels = 0;
  const box = { x0: width, y0: height, x1: -1, y1: -1 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (rgba[4 * (y * width + x) + 3]! < OBJECT_ALPHA) continue;
      pixels++;
      box.x0 = Math.min(box.x0, x);
      box.y0 = Math.min(box.y0, y);
      box.x1 = Math.max(box.x1, x);
      box.y1 = Math.max(box.y1, y);
    }
  }
  if (pixels < minPixels) throw new DataError(`${path}: no usable object (${pixels} pixels with alpha >= ${OBJECT_ALPHA}, at least ${minPixels} needed)`, [path]);
  // A margin keeps the soft edge just outside the thresholded object.
  const margin = 2;
  const x0 = Math.max(0, box.x0 - margin);
  const y0 = Math.max(0, box.y0 - margin);
  const cropWidth = Math.min(width - 1, box.x1 + margin) - x0 + 1;
  const cropHeight = Math.min(height - 1, box.y1 + margin) - y0 + 1;
  const rgb = new Uint8Array(cropWidth * cropHeight * 3);
  const alpha = new Uint8Array(cropWidth * cropHeight);
  for (let y = 0; y < cropHeight; y++) {
    for (let x = 0; x < cropWidth; x++) {
      const from = 4 * ((y0 + y) * width + x0 + x);
      const to = y * cropWidth + x;
      rgb.set(rgba.subarray(from, from + 3), 3 * to);
      alpha[to] = rgba[from + 3]!;
    }
  }
  return { id: basename(path), group: basename(path), source: path, kind: 'cut-out', className: null, width: cropWidth, height: cropHeight, rgb, alpha, pixels };
}

interface Component {
  classIndex: number;
  /** Pixel indices of the class, in the order the fill reached them. */
  members: number[];
}

const VOID = -1;
/** Wider void lines than this (in source pixels) are not bridged. */
const MAX_BRIDGED_GAP = 16;

/**
 * The objects of one class each (background left out), in raster order of
 * their first pixel. VOC draws a void line wherever something passes in front
 * of an object (a fence across a horse), so the fill goes through void pixels
 * too: a horse behind bars is one object, not its eight pieces.
 */
function components(classes: Int8Array, width: number, height: number): Component[] {
  const done = new Uint8Array(classes.length);
  const visited = new Int32Array(classes.length).fill(-1);
  const found: Component[] = [];
  for (let start = 0; start < classes.length; start++) {
    const classIndex = classes[start]!;
    if (done[start] || classIndex <= 0) continue;
    const members: number[] = [];
    const stack = [start];
    visited[start] = found.length;
    while (stack.length) {
      const i = stack.pop()!;
      if (classes[i] === classIndex) {
        members.push(i);
        done[i] = 1;
      }
      const x = i % width;
      const y = (i - x) / width;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
          const n = ny * width + nx;
          if (visited[n] !== found.length && (classes[n] === classIndex || classes[n] === VOID)) {
            visited[n] = found.length;
            stack.push(n);
          }
        }
      }
    }
    found.push({ classIndex, members });
  }
  return found;
}

/**
 * Fills the void lines inside an object (alpha 0 between two of its pixels
 * within MAX_BRIDGED_GAP along a row or a column), which would otherwise show
 * the street through it; the void border around it has the background on one
 * side and stays transparent.
 */
function bridgeVoidLines(alpha: Uint8Array, isVoid: (x: number, y: number) => boolean, width: number, height: number): void {
  const inside = (x: number, y: number, dx: number, dy: number): boolean => {
    for (let k = 1; k <= MAX_BRIDGED_GAP; k++) {
      const [sx, sy] = [x + k * dx, y + k * dy];
      if (sx < 0 || sy < 0 || sx >= width || sy >= height) return false;
      if (alpha[sy * width + sx] === 255) return true;
      if (!isVoid(sx, sy)) return false;
    }
    return false;
  };
  const bridged: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (alpha[y * width + x] !== 0 || !isVoid(x, y)) continue;
      if ((inside(x, y, -1, 0) && inside(x, y, 1, 0)) || (inside(x, y, 0, -1) && inside(x, y, 0, 1))) bridged.push(y * width + x);
    }
  }
  for (const i of bridged) alpha[i] = 255;
}

function cropComponent(image: RgbImage, classes: Int8Array, component: Component): Cutout {
  let [x0, y0, x1, y1] = [image.width, image.height, 0, 0];
  for (const i of component.members) {
    const x = i % image.width;
    const y = (i - x) / image.width;
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  }
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const rgb = new Uint8Array(width * height * 3);
  const alpha = new Uint8Array(width * height);
  for (const from of component.members) {
    const x = from % image.width;
    alpha[((from - x) / image.width - y0) * width + x - x0] = 255;
  }
  bridgeVoidLines(alpha, (x, y) => classes[(y0 + y) * image.width + x0 + x] === VOID, width, height);
  for (let y = 0; y < height; y++) {
    const from = 3 * ((y0 + y) * image.width + x0);
    rgb.set(image.data.subarray(from, from + 3 * width), 3 * y * width);
  }
  return { width, height, rgb, alpha };
}

function readVocPair(pair: { image: string; target: string }, minPixels: number, notes: string[]): PasteObject[] {
  const image = readImage(pair.image);
  const target = readImage(pair.target);
  if (image.width !== target.width || image.height !== target.height) {
    throw new DataError(`${pair.target}: ${target.width}x${target.height}, its image ${pair.image} is ${image.width}x${image.height}`, [pair.target, pair.image]);
  }
  const classes = new Int8Array(target.width * target.height);
  for (let p = 0; p < classes.length; p++) {
    const [r, g, b] = target.data.subarray(3 * p, 3 * p + 3);
    const classIndex = VOC_CLASS_OF_COLOUR.get(packRgb(r!, g!, b!));
    if (classIndex === undefined) {
      throw new DataError(`${pair.target}: colour (${r}, ${g}, ${b}) at (${p % target.width}, ${Math.floor(p / target.width)}) is not in the VOC palette`, [pair.target]);
    }
    classes[p] = classIndex;
  }
  const large = components(classes, target.width, target.height).filter((c) => c.members.length >= minPixels);
  if (large.length === 0) throw new DataError(`${pair.target}: no usable object (no object of ${minPixels} pixels or more)`, [pair.target]);
  const objects: PasteObject[] = [];
  const perClass = new Map<string, number>();
  for (const component of large) {
    const className = VOC_CLASS_NAMES[component.classIndex]!;
    if (CAMVID_COVERED_VOC_CLASSES.includes(className)) continue;
    const k = (perClass.get(className) ?? 0) + 1;
    perClass.set(className, k);
    const id = `${basename(pair.target)}#${className}-${k}`;
    objects.push({ id, group: basename(pair.target), source: pair.image, kind: 'voc', className, pixels: component.members.length, ...cropComponent(image, classes, component) });
  }
  if (objects.length === 0) {
    const known = [...new Set(large.map((c) => VOC_CLASS_NAMES[c.classIndex]))].join(', ');
    notes.push(`${pair.target}: passed over, its objects are of classes CamVid knows (${known})`);
  }
  return objects;
}

/** Every object of the sources, checked; a bad file is a DataError naming it. */
export function readObjectSources(paths: readonly string[], options: ObjectSourceOptions): ObjectSources {
  const files = findSourceFiles(paths, options.exclude);
  const notes: string[] = [];
  if (files.excluded.length) notes.push(`left out by --exclude ${options.exclude!.source}: ${files.excluded.map((f) => basename(f)).join(', ')}`);
  if (files.unused.length) notes.push(`passed over (neither an RGBA cut-out nor a VOC pair): ${files.unused.map((f) => basename(f)).join(', ')}`);
  const objects = [
    ...files.cutOuts.map((path) => readCutOut(path, options.minPixels)),
    ...files.vocPairs.flatMap((pair) => readVocPair(pair, options.minPixels, notes)),
  ].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < objects.length; i++) {
    if (objects[i]!.id === objects[i - 1]!.id) {
      throw new DataError(`two objects named ${objects[i]!.id}: ${objects[i - 1]!.source} and ${objects[i]!.source} (object names are file names; rename one)`, [objects[i - 1]!.source, objects[i]!.source]);
    }
  }
  if (objects.length === 0) throw new DataError(`no usable objects in ${paths.join(', ')} (after leaving out CamVid's classes${options.exclude ? ` and --exclude ${options.exclude.source}` : ''})`, [...paths]);
  return { objects, notes };
}
