// Every sample of a dataset index read once before training: each image PNG
// checked whole (chunks, CRCs, pixel data size) and each label map decoded and
// its values checked. A bad file in a split that is read only after training
// (the test split, at evaluation) is then found in seconds, not hours later.

import { ANOMALY_LABEL } from '../base/labels';
import { annotationToClasses, listProblems, type BadSamplePolicy, type DatasetIndex, type SkippedFile, type SplitName } from './streethazards';
import { DataError, describeError } from './errors';
import { readLabelMap, verifyPng } from './png';
import { createProgress } from './progress';

/** Pixels of each class (index = class, 0..13) per split, counted while checking; ignored pixels are not counted. */
export type ClassPixelCounts = Partial<Record<SplitName, number[]>>;

/**
 * Checks every sample of every split of `index` and counts its classes. 'fail':
 * one DataError listing every bad file; 'skip': the bad samples are taken out of
 * their split, added to index.skipped and passed to `onSkip`.
 */
export function checkSamples(index: DatasetIndex, policy: BadSamplePolicy, onSkip: (s: SkippedFile) => void = () => {}): ClassPixelCounts {
  const splits = Object.keys(index.splits) as SplitName[];
  const total = splits.reduce((n, split) => n + index.splits[split]!.length, 0);
  const progress = createProgress('checking the data', total);
  const bad: string[] = [];
  const badFiles: string[] = [];
  const counts: ClassPixelCounts = {};
  for (const split of splits) {
    const splitCounts = (counts[split] = new Array<number>(ANOMALY_LABEL + 1).fill(0));
    index.splits[split] = index.splits[split]!.filter((sample) => {
      progress.tick();
      try {
        verifyPng(sample.image);
        const classes = annotationToClasses(readLabelMap(sample.annotation).labels, sample.annotation);
        for (const c of classes) if (c <= ANOMALY_LABEL) splitCounts[c]!++;
        return true;
      } catch (error) {
        if (!(error instanceof DataError)) throw error;
        const file = error.files[0] ?? sample.image;
        if (policy === 'fail') {
          bad.push(describeError(error));
          badFiles.push(file);
          return true;
        }
        const skipped = { file, reason: describeError(error) };
        index.skipped.push(skipped);
        onSkip(skipped);
        return false;
      }
    });
  }
  progress.done();
  if (bad.length > 0) throw new DataError(listProblems(`${index.root} has bad samples:`, bad), badFiles);
  return counts;
}
