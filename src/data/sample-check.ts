// Every sample of a dataset index read once before training: each image PNG
// checked whole (chunks, CRCs, pixel data size) and each label map decoded and
// its values checked. A bad file in a split that is read only after training
// (the test split, at evaluation) is then found in seconds, not hours later.

import { annotationToClasses, listProblems, type BadSamplePolicy, type DatasetIndex, type SkippedFile, type SplitName } from './streethazards';
import { DataError, describeError } from './errors';
import { readLabelMap, verifyPng } from './png';
import { createProgress } from './progress';

/**
 * Checks every sample of every split of `index`. 'fail': one DataError listing
 * every bad file; 'skip': the bad samples are taken out of their split, added
 * to index.skipped and passed to `onSkip`.
 */
export function checkSamples(index: DatasetIndex, policy: BadSamplePolicy, onSkip: (s: SkippedFile) => void = () => {}): void {
  const splits = Object.keys(index.splits) as SplitName[];
  const total = splits.reduce((n, split) => n + index.splits[split]!.length, 0);
  const progress = createProgress('checking the data', total);
  const bad: string[] = [];
  const badFiles: string[] = [];
  for (const split of splits) {
    index.splits[split] = index.splits[split]!.filter((sample) => {
      progress.tick();
      try {
        verifyPng(sample.image);
        annotationToClasses(readLabelMap(sample.annotation).labels, sample.annotation);
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
}
