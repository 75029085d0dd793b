// A checkpoint that cannot be read, written or matched to a model. Every problem
// with a checkpoint reaches the caller as this one type, naming the file.

export class CheckpointError extends Error {
  override name = 'CheckpointError';
  /** Each problem found, one sentence each; most errors have exactly one. */
  readonly problems: readonly string[];

  constructor(readonly source: string, problems: string | readonly string[], options?: { cause?: unknown }) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(
      list.length === 1 ? `${source}: ${list[0]}` : `${source}: ${list.length} problems:\n${list.map((p) => `  - ${p}`).join('\n')}`,
      options,
    );
    this.problems = list;
  }
}

/** Values come from a file that may be hostile: quote at most a short piece of them. */
export function quoted(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value); // a BigInt or a cycle, from a caller rather than a file
  }
  return text.length <= 120 ? text : `${text.slice(0, 117)}...`;
}
