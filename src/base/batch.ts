// What a training or evaluation step consumes: images normalised NCHW and
// per-pixel labels. The loader, modelInput and the steps all speak this type.

/** The networks' output stride: each side of an input batch is a multiple of it, and at least two of it. */
export const INPUT_STEP = 8;

export interface Batch {
  size: number;
  height: number;
  width: number;
  /** [size, 3, height, width], ImageNet-normalised. */
  images: Float32Array;
  /** [size, height, width]: known classes 0..12, anomaly 13, IGNORE_LABEL where a pixel has none. */
  labels: Int32Array;
}
