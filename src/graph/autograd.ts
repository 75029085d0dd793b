import { add, onesLike } from './ops/arithmetic';
import * as tape from './tape';
import type { Tensor } from './tensor';

/** Fills `.grad` of every tensor that requires one, from `root` (a scalar, or seeded). */
export function backward(root: Tensor, seed?: Tensor): void {
  tape.backward(root, seed, add, onesLike);
}

export { noGrad, clearTape, isGradEnabled } from './tape';
