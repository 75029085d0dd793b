// Integer class labels per pixel ([N, H, W] int32) for the losses and the
// argmax of a classifier. Not differentiable. The int32 bits sit in a pooled
// buffer held by a Tensor, so a scope releases them like any temporary; that
// Tensor is never read as float.

import { IGNORE_LABEL } from '../base/labels';
import type { GpuRuntime } from '../gpu';
import { ShapeError, formatShape } from '../gpu/errors';
import { Tensor, numel, type Shape, type TensorKind } from './tensor';

export interface LabelRange {
  /** Valid labels are 0 .. classes - 1. */
  classes: number;
  /** The one value outside that range allowed, for pixels no loss counts. */
  ignoreIndex?: number;
}

export class LabelMap {
  constructor(
    /** Holds the int32 buffer and its lifetime (scope, release); its float view is meaningless. */
    readonly holder: Tensor,
  ) {}

  get rt(): GpuRuntime {
    return this.holder.rt;
  }

  get shape(): Shape {
    return this.holder.shape;
  }

  get size(): number {
    return this.holder.size;
  }

  get buffer(): Tensor['buffer'] {
    return this.holder.buffer;
  }

  /** Uploads labels; with `range`, throws on the first label outside it, naming the value. */
  static from(rt: GpuRuntime, data: Int32Array, shape: Shape, range?: LabelRange, kind: TensorKind = 'temp'): LabelMap {
    if (data.length !== numel(shape)) throw new ShapeError('labels', `${data.length} labels do not fill shape ${formatShape(shape)}`);
    if (range) checkRange(data, range);
    return new LabelMap(new Tensor(rt, shape, rt.upload(data, `labels of shape ${formatShape(shape)}`), false, kind));
  }

  async read(): Promise<Int32Array> {
    const [data] = await this.rt.readMany([{ buffer: this.buffer, bytes: this.size * 4 }]);
    return new Int32Array(data!, 0, this.size);
  }

  release(): void {
    this.holder.release();
  }
}

function checkRange(data: Int32Array, { classes, ignoreIndex = IGNORE_LABEL }: LabelRange): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if ((v < 0 || v >= classes) && v !== ignoreIndex) {
      throw new RangeError(`labels: value ${v} at index ${i} is neither a class in [0, ${classes}) nor the ignore index ${ignoreIndex}`);
    }
  }
}
