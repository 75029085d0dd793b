// Parameter-free layers, as modules so that Sequential indices (and so the
// state-dict names) match PyTorch's, e.g. `ppm.0.1.weight` after an AdaptiveAvgPool2d.

import type { Random } from '../../base/random';
import { Module } from '../module';
import { adaptiveAvgPool2d } from '../ops/adaptiveavgpool2d';
import { relu } from '../ops/arithmetic';
import { dropout } from '../ops/dropout';
import { maxPool2d } from '../ops/maxpool2d';
import type { Tensor } from '../tensor';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class MaxPool2d extends Module {
  constructor(
    readonly kernel: number,
    readonly stride: number,
    readonly padding: number,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, { kernel: this.kernel, stride: this.stride, padding: this.padding });
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly size: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.size, this.size);
  }
}

/** Drops whole channels, as PyTorch's Dropout2d. */
export class Dropout2d extends Module {
  constructor(
    readonly p: number,
    private readonly rng: Random,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.rng, true);
  }
}
