// A command's options as one table. Each row names the flag, how its value is
// read, its default and help line, and what a resumed run must repeat; the
// usage text, the parser and the resume check are all made from the rows, so
// an option cannot be listed in --help and yet be unknown to the parser, or be
// read and yet be missing from --help or from the resume check.

import { parseFlags } from './flags';

/** A value a resumed run must share with the interrupted one (kept in its checkpoint). */
export type ResumeValue = string | number | null;

export interface OptionRow<T> {
  flag: `--${string}`;
  /** The value as the usage shows it (`N`, `DIR`, `kl|mse`); none for a switch. */
  value?: string;
  /** The usage's description; a `\n` starts another line. */
  help: string;
  /** The default as the usage shows it, "(default X)"; none where the help says it or there is none. */
  default?: string | number;
  /** Given more than once, each occurrence adds to the option (`read` gets what the earlier ones made); else the last one counts. */
  repeatable?: boolean;
  /** The fields this flag sets from its value ('' for a switch); throws UsageError on a bad value. */
  read: (value: string, flag: string, current: Readonly<T>) => Partial<T>;
  /** What a resumed run must share with the interrupted one; none where the option may change on resume. */
  resume?: (options: Readonly<T>) => ResumeValue;
}

const helpColumn = 24;

function usageLine<T>(row: OptionRow<T>): string {
  const name = row.value === undefined ? row.flag : `${row.flag} ${row.value}`;
  const notes = [row.default === undefined ? '' : ` (default ${row.default})`, row.repeatable ? ' (repeatable)' : ''].join('');
  const [first, ...more] = `${row.help}${notes}`.split('\n');
  const indent = ' '.repeat(helpColumn);
  const head = name.length > helpColumn - 4 ? `  ${name}\n${indent}${first}` : `  ${name.padEnd(helpColumn - 2)}${first}`;
  return [head, ...more.map((line) => indent + line)].join('\n');
}

/** One line (or more) per option, aligned, ending with --help. */
export function optionLines<T>(rows: readonly OptionRow<T>[]): string {
  return [...rows.map(usageLine), usageLine({ flag: '--help', help: 'this text', read: () => ({}) })].join('\n');
}

export interface ParsedCommandLine<T> {
  options: T;
  positionals: string[];
}

/** Reads `argv` against the table, starting from `defaults` (which stay untouched); throws UsageError or HelpRequested. */
export function parseWithTable<T>(argv: readonly string[], rows: readonly OptionRow<T>[], defaults: T, positionals = false): ParsedCommandLine<T> {
  const byFlag = new Map<string, OptionRow<T>>(rows.map((row) => [row.flag, row]));
  const parsed = parseFlags(argv, {
    values: rows.filter((row) => row.value !== undefined).map((row) => row.flag),
    switches: rows.filter((row) => row.value === undefined).map((row) => row.flag),
    positionals,
  });
  let options = { ...defaults };
  for (const [flag, value] of parsed.flags) options = { ...options, ...byFlag.get(flag)!.read(value ?? '', flag, options) };
  return { options, positionals: parsed.positionals };
}

/** The options a resumed run must share with the interrupted one, by flag. */
export function resumeFingerprint<T>(rows: readonly OptionRow<T>[], options: Readonly<T>): Record<string, ResumeValue> {
  return Object.fromEntries(rows.flatMap((row) => (row.resume ? [[row.flag, row.resume(options)]] : [])));
}
