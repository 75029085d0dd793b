// The tiled entry points of a kernel family, written out from the one body in
// shaders/tiled-product.wgsl with each direction's read and write functions.
// A text template rather than WGSL functions: an entry point may only reach the
// buffers its bindings list, so the body cannot call all directions' readers
// and pick one at run time. The text goes after the family's own WGSL, so
// compile errors in the family's file keep their line numbers.

import template from '../../shaders/tiled-product.wgsl';

export interface TiledDirection {
  /** The inner size of the product, a WGSL expression of the uniforms. */
  depth: string;
  /** The starts of the calls that read A (row, k), read B (k, col) and write C (row, col, value). */
  readA: string;
  readB: string;
  write: string;
}

const marker = '// ==== per entry point ====\n';

/** WGSL declaring TILE, the tiles and one entry point per direction (keyed by the entry point's name). */
export function tiledEntryPoints(directions: Readonly<Record<string, TiledDirection>>): string {
  const at = template.indexOf(marker);
  if (at < 0) throw new Error(`shaders/tiled-product.wgsl has no "${marker.trim()}" line`);
  const body = template.slice(at + marker.length);
  const entries = Object.entries(directions).map(([entry, d]) =>
    body.replace('fn ENTRY(', `fn ${entry}(`).replace('= DEPTH;', `= ${d.depth};`).replace('READ_A(', d.readA).replace('READ_B(', d.readB).replace('WRITE(', d.write),
  );
  return [template.slice(0, at), ...entries].join('\n');
}
