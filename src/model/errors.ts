/** A loss or gradient that is not a finite number: the step was not applied (the parameters are unchanged). */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  constructor(
    readonly loss: string,
    readonly step: number,
    readonly value: number,
    note = 'try a lower learning rate',
  ) {
    super(`${loss} loss ${Number.isFinite(value) ? `is finite (${value}) but a gradient is not` : `is ${value}`} at step ${step}; the step was not applied (${note})`);
  }
}
