// Command-line flags as every command here reads them: `--name value` and
// `--name=value`, switches that take no value, and the arguments that are not
// flags where a command takes them. A flag the command does not have is named
// as unknown; --help (or -h) asks for the usage, which goes to stdout.

/** A command line the command cannot run; the message says what to change. Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** --help or -h: print the usage on stdout and exit 0. */
export class HelpRequested extends Error {
  override name = 'HelpRequested';
}

export interface FlagSpec {
  /** Flags that take a value (`--out DIR`, `--out=DIR`). */
  values: readonly string[];
  /** Flags that take none (`--resume`). */
  switches?: readonly string[];
  /** Whether arguments that are not flags are taken (image paths); else each is an error. */
  positionals?: boolean;
}

export interface ParsedFlags {
  /** In command-line order, so a later flag overrides an earlier one; a switch's value is null. */
  flags: [flag: string, value: string | null][];
  positionals: string[];
}

export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const parsed: ParsedFlags = { flags: [], positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') throw new HelpRequested();
    if (arg === '--') {
      if (!spec.positionals) throw new UsageError(`unexpected argument "--"`);
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (!spec.positionals) throw new UsageError(`unexpected argument "${arg}" (every option starts with --)`);
      parsed.positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const flag = equals < 0 ? arg : arg.slice(0, equals);
    const inline = equals < 0 ? null : arg.slice(equals + 1);
    if (spec.switches?.includes(flag)) {
      if (inline !== null) throw new UsageError(`${flag} takes no value`);
      parsed.flags.push([flag, null]);
    } else if (spec.values.includes(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      parsed.flags.push([flag, value]);
    } else {
      throw new UsageError(`unknown option ${flag}`);
    }
  }
  return parsed;
}

export function wholeNumber(flag: string, value: string, min = 0): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} takes a whole number >= ${min}, got "${value}"`);
  return n;
}

/** Learning rates, temperatures: Infinity or NaN here would only show up as a NaN loss at the first step. */
export function finitePositive(flag: string, value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} takes a finite number > 0, got "${value}"`);
  return n;
}

export function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} is ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}, got "${value}"`);
  }
  return value as T;
}

/**
 * Reads a command's options: --help prints `usage` on stdout (exit 0), a bad
 * command line its reason on stderr (exit 2). Returns the options, or the exit code.
 */
export function readCommandLine<T>(argv: readonly string[], parse: (argv: readonly string[]) => T, usage: string, command: string): T | number {
  try {
    return parse(argv);
  } catch (error) {
    if (error instanceof HelpRequested) {
      console.log(usage);
      return 0;
    }
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n(${command} --help lists the options)`);
    return 2;
  }
}
