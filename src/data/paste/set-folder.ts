// The output folder of a pasted set and its objects.json. A folder that holds
// anything else is refused, so the builder never writes over someone's files;
// a set it wrote before (complete or interrupted: objects.json is written
// first) is rebuilt in place, and the frames the new set no longer has are
// removed.

import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../atomic';
import { DataError, describeError } from '../errors';

export const MANIFEST = 'objects.json';
export const BUILDER = 'dicnet paste';
export const IMAGES_FOLDER = 'images';
export const MASKS_FOLDER = 'labels_masks';

/** objects.json as far as the folder check reads it. */
interface PreviousManifest {
  builder: string;
  images: { name: string }[];
}

function previousManifest(out: string): PreviousManifest | null {
  try {
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST), 'utf8')) as PreviousManifest;
    return manifest.builder === BUILDER && Array.isArray(manifest.images) ? manifest : null;
  } catch {
    return null;
  }
}

/** The image names of the set already in `out` ([] for a new or empty folder); a folder of other files is refused. */
export function previousSet(out: string): string[] {
  if (!existsSync(out)) return [];
  if (!statSync(out).isDirectory()) throw new DataError(`--out ${out}: a file, not a folder`, [out]);
  if (readdirSync(out).length === 0) return [];
  const manifest = previousManifest(out);
  if (manifest === null) throw new DataError(`--out ${out}: not empty and not a set written by ${BUILDER} (no ${MANIFEST} of its own): choose a new or empty folder`, [out]);
  // Only plain PNG names: a hand-edited objects.json must not point the clean-up outside the set.
  return manifest.images.map((image) => image.name).filter((name) => typeof name === 'string' && basename(name) === name && name.endsWith('.png'));
}

export function removeStaleImages(out: string, previous: readonly string[], current: readonly string[]): void {
  const keep = new Set(current);
  for (const name of previous) {
    if (keep.has(name)) continue;
    rmSync(join(out, IMAGES_FOLDER, name), { force: true });
    rmSync(join(out, MASKS_FOLDER, name), { force: true });
  }
}

export function writeManifest(out: string, manifest: object): void {
  const path = join(out, MANIFEST);
  try {
    writeFileAtomic(path, JSON.stringify(manifest, null, 2) + '\n');
  } catch (error) {
    throw new DataError(`${path}: cannot write the file (${describeError(error)})`, [path]);
  }
}
