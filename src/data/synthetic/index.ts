// The embedded default dataset, for callers that only need its root folder.
import { ensureSyntheticStreetHazards, type SyntheticOptions } from './generate';

export { ensureSyntheticStreetHazards, syntheticDatasetPath, syntheticParams, type SyntheticDataset, type SyntheticOptions, type SyntheticParams } from './generate';

/** The StreetHazards root of the cached synthetic dataset (generated on first use). */
export function ensureSyntheticDataset(options: SyntheticOptions = {}): string {
  return ensureSyntheticStreetHazards(options).root;
}
