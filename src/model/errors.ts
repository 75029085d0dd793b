/** A loss or gradient that is not a finite number: the step was not applied. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  constructor(
    readonly loss: string,
    readonly step: number,
    readonly value: number,
  ) {
    super(`${loss} loss is ${value} at step ${step}; the step was not applied (lower the learning rate, e.g. --lr-scale 0.5)`);
  }
}
