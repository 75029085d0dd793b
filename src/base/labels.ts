// The engine's label convention, the same for every dataset: known classes are
// 0..K-1 (K and their names come from the dataset's class table), and three
// values above every class count say what a pixel is when it is not one of them.

/** An object of no known class: the positives of every anomaly metric. */
export const ANOMALY_LABEL = 254;
/** Pixels that no loss or metric counts. */
export const IGNORE_LABEL = 255;
/** A normal pixel whose class the dataset does not give (anomaly sets label only anomaly / not anomaly). */
export const UNCLASSIFIED_LABEL = 253;
/** Classes 0..MAX_CLASSES-1 stay clear of the three values above. */
export const MAX_CLASSES = UNCLASSIFIED_LABEL;

export type Rgb = readonly [number, number, number];

/** What a dataset knows of its classes: index = class. It travels with the checkpoints. */
export interface ClassTable {
  /** The dataset it came from ("CamVid", "StreetHazards"). */
  readonly dataset: string;
  readonly names: readonly string[];
  /** Colour of each class in segmentation pictures and legends. */
  readonly colours: readonly Rgb[];
}

/** Checks a table's shape; `where` names its origin (a file, a checkpoint's metadata). */
export function checkClassTable(table: unknown, where: string): ClassTable {
  const t = table as Partial<ClassTable> | null;
  const problem = (what: string) => new Error(`${where}: the class table ${what}`);
  if (typeof t !== 'object' || t === null) throw problem('is not an object');
  if (typeof t.dataset !== 'string') throw problem('has no dataset name');
  if (!Array.isArray(t.names) || t.names.length < 2 || t.names.length > MAX_CLASSES || !t.names.every((n) => typeof n === 'string')) {
    throw problem(`needs 2..${MAX_CLASSES} class names`);
  }
  const isRgb = (c: unknown) => Array.isArray(c) && c.length === 3 && c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
  if (!Array.isArray(t.colours) || t.colours.length !== t.names.length || !t.colours.every(isRgb)) {
    throw problem(`needs one [r, g, b] colour (0..255) per class name (${t.names.length})`);
  }
  return { dataset: t.dataset, names: [...t.names], colours: t.colours.map((c) => [c[0], c[1], c[2]] as const) };
}

/** The checkpoint metadata entry that carries the table. */
export const CLASS_TABLE_KEY = 'classes';

export function classTableToJson(table: ClassTable): string {
  return JSON.stringify({ dataset: table.dataset, names: table.names, colours: table.colours });
}

export function classTableFromJson(text: string, where: string): ClassTable {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${where}: the class table is not JSON`);
  }
  return checkClassTable(parsed, where);
}
