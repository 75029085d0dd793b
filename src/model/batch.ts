// What a training or evaluation step consumes: images normalised NCHW and, for
// the teacher, per-pixel labels (255 = ignore).

export interface Batch {
  images: Float32Array;
  /** [N, H, W]; known classes 0..12, anomaly 13, ignore 255. */
  labels: Int32Array;
  size: number;
  height: number;
  width: number;
}
