// Every failure of the data layer (a missing folder, a corrupt PNG, a label map
// that does not match its image) reaches the caller as a DataError naming the
// files involved and what is wrong with them.

export class DataError extends Error {
  override name = 'DataError';
  constructor(
    message: string,
    /** The files (or folders) the message is about, for callers that collect them. */
    readonly files: readonly string[] = [],
  ) {
    super(message);
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
