// Every sample of a dataset index (and of each anomaly set) read once before
// training: each PNG image checked whole (chunks, CRCs, pixel data size), other
// images decoded, and each label map decoded and its values checked. A bad file
// in a split that is read only after training (the test split, at evaluation)
// is then found in seconds, not hours later.

import type { AnomalySet } from './anomaly-set';
import { decodeLabels, listProblems, type BadSamplePolicy, type DatasetIndex, type Sample, type SkippedFile, type SplitName } from './dataset';
import { DataError, describeError } from './errors';
import { forgetPhotos, preloadPhotos, readPhotoSync } from './photo';
import { FORMAT_BYTES, photoFormat } from './photo-format';
import { readFileHead, readLabelMap, verifyPng } from './png';
import { createProgress } from './progress';

/** Anomaly sets' photos decoded at a time (WebP ahead, asynchronously): a set of any size is checked in bounded memory. */
const PHOTOS_AT_ONCE = 8;

/** Pixels of each class (index = class) per split, counted while checking; other labels are not counted. */
export type ClassPixelCounts = Partial<Record<SplitName, number[]>>;

function checkImage(path: string): void {
  if (photoFormat(readFileHead(path, FORMAT_BYTES)) === 'PNG') verifyPng(path);
  else readPhotoSync(path);
}

/**
 * Checks `samples` and adds their class pixels to `counts`. 'fail': one
 * DataError listing every bad file; 'skip': the bad samples are left out of the
 * returned list and passed to `onSkip`.
 */
function checkList(samples: readonly Sample[], classCount: number, counts: number[], policy: BadSamplePolicy, onSkip: (s: SkippedFile) => void, tick: () => void, bad: string[], badFiles: string[]): Sample[] {
  return samples.filter((sample) => {
    tick();
    try {
      checkImage(sample.image);
      const labels = decodeLabels(sample.format, readLabelMap(sample.annotation).labels, sample.annotation);
      for (const c of labels) if (c < classCount) counts[c]!++;
      return true;
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      const file = error.files[0] ?? sample.image;
      if (policy === 'fail') {
        bad.push(describeError(error));
        badFiles.push(file);
        return true;
      }
      onSkip({ file, reason: describeError(error) });
      return false;
    }
  });
}

/**
 * Checks every sample of every split of `index` and of every anomaly set, and
 * counts the dataset's classes per split. 'fail': one DataError listing every
 * bad file; 'skip': the bad samples are taken out, added to the skipped list of
 * their index or set and passed to `onSkip`.
 */
export async function checkSamples(index: DatasetIndex, policy: BadSamplePolicy, onSkip: (s: SkippedFile) => void = () => {}, anomalySets: readonly AnomalySet[] = []): Promise<ClassPixelCounts> {
  const splits = Object.keys(index.splits) as SplitName[];
  const classCount = index.classes.names.length;
  const total = splits.reduce((n, split) => n + index.splits[split]!.length, 0) + anomalySets.reduce((n, set) => n + set.samples.length, 0);
  const progress = createProgress('checking the data', total);
  const tick = () => progress.tick();
  const bad: string[] = [];
  const badFiles: string[] = [];
  const counts: ClassPixelCounts = {};
  const skipInto = (list: SkippedFile[]) => (s: SkippedFile) => {
    list.push(s);
    onSkip(s);
  };
  for (const split of splits) {
    counts[split] = new Array<number>(classCount).fill(0);
    index.splits[split] = checkList(index.splits[split]!, classCount, counts[split], policy, skipInto(index.skipped), tick, bad, badFiles);
  }
  for (const set of anomalySets) {
    const kept: Sample[] = [];
    for (let i = 0; i < set.samples.length; i += PHOTOS_AT_ONCE) {
      const chunk = set.samples.slice(i, i + PHOTOS_AT_ONCE);
      const paths = chunk.map((s) => s.image);
      await preloadPhotos(paths);
      kept.push(...checkList(chunk, classCount, new Array<number>(classCount).fill(0), policy, skipInto(set.skipped), tick, bad, badFiles));
      forgetPhotos(paths);
    }
    set.samples = kept;
  }
  progress.done();
  if (bad.length > 0) throw new DataError(listProblems(`${index.root} has bad samples:`, bad), badFiles);
  return counts;
}
