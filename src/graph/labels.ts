// Integer class labels per pixel ([N, H, W] int32) for the losses and the
// argmax of a classifier. Not differentiable. The int32 bits sit in a pooled
// buffer held by a Tensor, so a scope releases them like any temporary; that
// Tensor is never read as float.

import { IGNORE_LABEL } from '../base/labels';
import type { GpuRuntime } from '../gpu';
import { ShapeError, formatShape } from '../base/shape';
import { Tensor, numel, type Shape, type TensorKind } from './tensor';

/** A label outside [0, classes) that is not the ignore index: the cross-entropy kernel would silently skip it. */
export class LabelRangeError extends RangeError {
  override name = 'LabelRangeError';
  constructor(
    readonly value: number,
    /** Into the flat [N, H, W] labels. */
    readonly index: number,
    shape: Shape,
    { classes, ignoreIndex = IGNORE_LABEL }: LabelRange,
  ) {
    super(`labels: value ${value} at ${pixelOf(index, shape)} (index ${index}) is neither a class in [0, ${classes}) nor the ignore index ${ignoreIndex}`);
  }
}

/** "sample n, row y, column x" of a flat index into [N, H, W] labels. */
function pixelOf(index: number, shape: Shape): string {
  if (shape.length !== 3) return `index ${index} of ${formatShape(shape)}`;
  const [height, width] = [shape[1]!, shape[2]!];
  return `sample ${Math.floor(index / (height * width))}, row ${Math.floor(index / width) % height}, column ${index % width}`;
}

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

  /** Uploads labels; with `range`, throws a LabelRangeError on the first label outside it, before uploading anything. */
  static from(rt: GpuRuntime, data: Int32Array, shape: Shape, range?: LabelRange, kind: TensorKind = 'temp'): LabelMap {
    checkLabels(data, shape, range);
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

/** Throws a ShapeError unless `data` fills `shape`, and with `range` a LabelRangeError on the first label outside it. */
function checkLabels(data: Int32Array, shape: Shape, range?: LabelRange): void {
  if (data.length !== numel(shape)) throw new ShapeError('labels', `${data.length} labels do not fill shape ${formatShape(shape)}`);
  if (!range) return;
  const { classes, ignoreIndex = IGNORE_LABEL } = range;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if ((v < 0 || v >= classes) && v !== ignoreIndex) throw new LabelRangeError(v, i, shape, range);
  }
}
