// Buffers computed from other buffers (a conv's weights with its batch norm
// folded in, Winograd's transformed kernels), kept between launches while
// none of their sources has been written since (GpuRuntime.contentVersion).
// At inference the same frozen weights are otherwise prepared again for every
// batch: on lavapipe a network's folds and kernel transforms are dozens of
// launches per batch. A derivation is kept from its second use with the same
// source contents on, so a network in training, whose weights change every
// step, keeps nothing for them and holds no extra memory; a frozen teacher
// beside it keeps its own. Derivations chain (the transformed kernels of a
// folded weight), so each link needs its own two uses: a network's folds are
// skipped from its third batch on, the kernels transformed from them from its
// fourth.

import type { GpuBuffer } from './pool';
import type { GpuRuntime } from './runtime';

interface Derivation {
  sources: readonly GpuBuffer[];
  versions: number[];
  /** Null until a use finds the sources as the last one left them. */
  kept: GpuBuffer[] | null;
}

const derivations = new WeakMap<GpuRuntime, Map<string, Derivation>>();

function versionsOf(rt: GpuRuntime, sources: readonly GpuBuffer[]): number[] {
  return sources.map((b) => rt.contentVersion(b));
}

function unchanged(rt: GpuRuntime, d: Derivation): boolean {
  return versionsOf(rt, d.sources).every((v, i) => v === d.versions[i]);
}

/**
 * Forgets the derivations whose sources were written since, releasing what
 * they kept: they can never match again (versions only grow), and keys name
 * buffer ids, which a pool acquisition never reuses, so the table would
 * otherwise grow with every buffer a derivation was once made from.
 */
function dropStale(rt: GpuRuntime, table: Map<string, Derivation>): void {
  for (const [key, d] of table) {
    if (unchanged(rt, d)) continue;
    for (const b of d.kept ?? []) rt.pool.release(b);
    table.delete(key);
  }
}

export interface Derived {
  buffers: GpuBuffer[];
  /** Whether they stay with the cache; if not, the caller releases them after use. */
  kept: boolean;
}

/**
 * The buffers `make` computes from `sources` (recorded now, so the result
 * follows the sources' pending writes), or the ones kept under `key` when no
 * source has been written since they were made. `key` names the derivation:
 * what it computes and from which buffers (their ids), with every setting
 * that changes the result.
 */
export function derived(rt: GpuRuntime, key: string, sources: readonly GpuBuffer[], make: () => GpuBuffer[]): Derived {
  let table = derivations.get(rt);
  if (!table) derivations.set(rt, (table = new Map()));
  const known = table.get(key);
  if (known?.kept && unchanged(rt, known)) return { buffers: known.kept, kept: true };
  const secondUse = known !== undefined && !known.kept && unchanged(rt, known);
  if (known?.kept) for (const b of known.kept) rt.pool.release(b);
  const buffers = make();
  table.set(key, { sources, versions: versionsOf(rt, sources), kept: secondUse ? buffers : null });
  if (secondUse) dropStale(rt, table);
  return { buffers, kept: secondUse };
}
