// The options a command's --help text lists, and values each of them must
// accept, read from the text itself: what a user would copy from the usage.

export interface ListedOption {
  flag: string;
  /** The value's placeholder (`N`, `DIR`, `kl|mse`); null for a switch. */
  value: string | null;
}

/** Every option line of a usage text (`  --name VALUE  help`), --help left out. */
export function listedOptions(usage: string): ListedOption[] {
  const options: ListedOption[] = [];
  for (const match of usage.matchAll(/^ {2}(--[a-z0-9-]+)(?: ([^\s]+))?/gm)) {
    if (match[1] !== '--help') options.push({ flag: match[1]!, value: match[2] ?? null });
  }
  return options;
}

const examples: Record<string, string[]> = {
  N: ['3'],
  T: ['0.5'],
  X: ['0.5'],
  DIR: ['some-folder'],
  '[NAME=]DIR': ['some-folder', 'a-set=some-folder'],
  HxW: ['120x160'],
  PATH: ['some-file.png'],
  REGEX: ['^car', ''],
  OUT: ['some-folder'],
  FILE: ['some-file.json'],
  'A,B,C': ['3,1,1'],
  'A,B,...': ['1,2'],
  ALGORITHM: ['winograd6'],
};

/** Values a placeholder promises to accept: each choice of `a|b`, an example of the others. */
export function exampleValues(placeholder: string): string[] {
  if (placeholder.includes('|')) return placeholder.split('|');
  const values = examples[placeholder];
  if (!values) throw new Error(`no example value for the placeholder ${placeholder}: add one to test/support/usage.ts`);
  return values;
}

/** The command lines that try every listed option with every example value. */
export function everyListedOption(usage: string): string[][] {
  return listedOptions(usage).flatMap(({ flag, value }) => (value === null ? [[flag]] : exampleValues(value).map((v) => [flag, v])));
}
