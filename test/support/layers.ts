// The import rule of the layer table in docs/design.md: a file imports only from
// its own layer and the layers below it; layers named in one row are peers and
// import nothing of each other. Pure functions on file paths and texts, so a test
// can plant a wrong import in a synthetic file list.
import { posix } from 'node:path';

/** One folder (ending in `/`) or file of the table, and where it stands. */
export interface LayerEntry {
  path: string;
  layer: string;
  /** The row, from 0 at the top. */
  row: number;
  /** The table says "(no GPU)" of it: it imports nothing of the gpu layer. */
  gpuFree: boolean;
}

export interface SourceFile {
  /** Relative to the repository root, with `/`. */
  path: string;
  text: string;
}

/**
 * Reads the table under the `## Layers` heading: the first column names the
 * layer (several names, one per entry of the second column, for a row of peers),
 * the second lists its folders and files in backticks, top row first; the
 * third says "(no GPU)" of a layer (of each peer in its own `name: ...` part)
 * that may not import the gpu layer.
 */
export function parseLayerTable(markdown: string): LayerEntry[] {
  const section = /^## Layers\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(markdown)?.[1];
  if (section === undefined) throw new Error('docs/design.md has no "## Layers" section');
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()))
    .slice(2);
  const entries: LayerEntry[] = [];
  rows.forEach((cells, row) => {
    const names = (cells[0] ?? '').split(',').map((name) => name.trim());
    const paths = [...(cells[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    if (paths.length === 0) throw new Error(`layer table row ${row + 1} (${cells[0]}) lists no folder`);
    if (names.length > 1 && names.length !== paths.length) {
      throw new Error(`layer table row ${row + 1} names ${names.length} peer layers (${cells[0]}) for ${paths.length} folders`);
    }
    const holds = cells[2] ?? '';
    const gpuFree = (layer: string): boolean =>
      (names.length > 1 ? (holds.split(';').find((part) => part.trim().startsWith(`${layer}:`)) ?? '') : holds).includes('(no GPU)');
    paths.forEach((path, i) => {
      const layer = names.length > 1 ? names[i]! : names[0]!;
      entries.push({ path, layer, row, gpuFree: gpuFree(layer) });
    });
  });
  return entries;
}

/** The module specifiers a TypeScript file imports or re-exports, comments ignored. */
export function importSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)/g, (_, literal?: string) => literal ?? '');
  const patterns = [
    /(?:^|[;{}])\s*(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1/g,
    /(?:^|[;{}])\s*import\s*(['"])([^'"]+)\1/g,
    /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((m) => m[2]!));
}

/** The entry a path (a file, or an import resolved without extension) belongs to: the longest that matches. */
export function entryOf(path: string, entries: readonly LayerEntry[]): LayerEntry | undefined {
  const matches = entries.filter((e) =>
    e.path.endsWith('/') ? `${path}/`.startsWith(e.path) : path === e.path || `${path}.ts` === e.path,
  );
  return matches.sort((a, b) => b.path.length - a.path.length)[0];
}

/** Every import that breaks the rule, and every file or import target the table does not place, one sentence each. */
export function layerViolations(files: readonly SourceFile[], entries: readonly LayerEntry[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const own = entryOf(file.path, entries);
    if (!own) {
      problems.push(`${file.path} is in no layer of the table`);
      continue;
    }
    for (const specifier of importSpecifiers(file.text)) {
      if (!specifier.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file.path), specifier));
      const theirs = entryOf(target, entries);
      const where = `${file.path} (layer ${own.layer}) imports '${specifier}'`;
      if (!theirs) problems.push(`${where}, which is in no layer of the table`);
      else if (theirs.row < own.row) problems.push(`${where} from layer ${theirs.layer}, above its own`);
      else if (theirs.row === own.row && theirs.layer !== own.layer) problems.push(`${where} from layer ${theirs.layer}, its peer`);
      else if (own.gpuFree && theirs.layer === 'gpu') problems.push(`${where} from layer gpu, though the table says it has no GPU`);
    }
  }
  return problems;
}
