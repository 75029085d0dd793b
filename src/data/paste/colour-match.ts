// Colour matching of a pasted object to its surroundings, so that colour alone
// does not give it away: its mean and standard deviation per channel are moved
// to those of the frame around it. Matching is done in an opponent space
// (luminance, red-blue, green-magenta), where the channels are far less
// correlated than R, G and B, so matching them one by one does not tint.

/** Per channel of the opponent space: luminance, red-blue, green-magenta. */
export interface ColourStats {
  mean: [number, number, number];
  std: [number, number, number];
}

/**
 * How far a standard deviation may be scaled: a flat object's noise would be
 * blown up without a ceiling, and a textured one flattened into a blob
 * without a floor.
 */
export const STD_RATIO_RANGE = [0.5, 2] as const;

export function toOpponent(r: number, g: number, b: number, out: Float32Array | number[], at = 0): void {
  out[at] = (r + g + b) / 3;
  out[at + 1] = (r - b) / 2;
  out[at + 2] = (2 * g - r - b) / 4;
}

export function fromOpponent(l: number, a: number, c: number, out: Float32Array | number[], at = 0): void {
  out[at] = l + a - (2 * c) / 3;
  out[at + 1] = l + (4 * c) / 3;
  out[at + 2] = l - a - (2 * c) / 3;
}

/** Weighted statistics of opponent-space pixels (3 values each); weights of 0 leave a pixel out. */
export function colourStats(pixels: Float32Array, weights: Float32Array): ColourStats {
  const sum = [0, 0, 0];
  const squares = [0, 0, 0];
  let total = 0;
  for (let p = 0; p < weights.length; p++) {
    const w = weights[p]!;
    if (w === 0) continue;
    total += w;
    for (let c = 0; c < 3; c++) {
      const v = pixels[3 * p + c]!;
      sum[c]! += w * v;
      squares[c]! += w * v * v;
    }
  }
  const mean = sum.map((s) => (total > 0 ? s / total : 0)) as ColourStats['mean'];
  const std = squares.map((s, c) => (total > 0 ? Math.sqrt(Math.max(0, s / total - mean[c]! ** 2)) : 0)) as ColourStats['std'];
  return { mean, std };
}

/** Moves the pixels (opponent space, in place) from `from`'s statistics to `to`'s. */
export function matchColours(pixels: Float32Array, from: ColourStats, to: ColourStats): void {
  const [lo, hi] = STD_RATIO_RANGE;
  const ratio = from.std.map((s, c) => (s > 0 ? Math.min(hi, Math.max(lo, to.std[c]! / s)) : 1));
  for (let i = 0; i < pixels.length; i += 3) {
    for (let c = 0; c < 3; c++) pixels[i + c] = to.mean[c]! + (pixels[i + c]! - from.mean[c]!) * ratio[c]!;
  }
}
