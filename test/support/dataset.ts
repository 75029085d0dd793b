// A private StreetHazards copy (synthetic scenes at the tiny input size) for
// tests that break files or folders of it.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSyntheticStreetHazards } from '../../src/data/synthetic';
import { tempDir } from './pipeline';

const generated = new Map<string, string>();

/** A fresh copy of a generated dataset with these image counts (generated once per process). */
export function datasetCopy(counts: { train: number; validation: number; test: number }): string {
  const key = JSON.stringify(counts);
  let source = generated.get(key);
  if (!source) {
    source = ensureSyntheticStreetHazards({ seed: 3, counts, cacheRoot: tempDir('dataset-cache'), progress: false }).root;
    generated.set(key, source);
  }
  const copy = join(tempDir('dataset'), 'StreetHazards');
  cpSync(source, copy, { recursive: true });
  return copy;
}
