// The conv algorithm choices (src/kernels/conv2dalgorithm.ts) kept in a JSON
// file between runs, Node only: { adapter description: { choice key: algorithm } }.
// A run on another adapter adds its own section and leaves the others. The file
// is written atomically (writeFileAtomic), so a run killed mid-write leaves the
// old file; a file that does not parse counts as empty, since a lost cache only
// costs the tuning again.

import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../data/atomic';
import type { GpuRuntime } from '../gpu';
import { exportConvChoices, importConvChoices, type ConvChoiceTable } from '../kernels/conv2dalgorithm';

function readTable(path: string): ConvChoiceTable {
  try {
    const table: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return table && typeof table === 'object' && !Array.isArray(table) ? (table as ConvChoiceTable) : {};
  } catch {
    return {};
  }
}

/** Takes the file's choices for this runtime's adapter; returns how many (0 for a missing or damaged file). */
export function loadConvChoices(rt: GpuRuntime, path: string): number {
  return importConvChoices(rt, readTable(path));
}

/** Merges this runtime's choices into the file. */
export function saveConvChoices(rt: GpuRuntime, path: string): void {
  writeFileAtomic(path, `${JSON.stringify(exportConvChoices(rt, readTable(path)), null, 1)}\n`);
}
