// How plainly each anomaly shows: the mean, over its pixels, of the largest
// channel difference between the scene with it and the scene without it (what
// it hides), after haze and exposure. An anomaly painted like what stands
// behind it scores near 0 and no person would see it; the scene then draws its
// anomalies again.

import { fogAmount } from './camera-effects';
import type { Frame } from './frame';
import type { Street } from './street';

export interface AnomalyVisibility {
  pixels: number;
  /** Mean largest channel difference, display RGB 0..1. */
  contrast: number;
}

/** Visibility of the anomalies drawn into `frame` with the classes firstTag..firstTag+count-1, against `background`. */
export function anomalyVisibility(street: Street, frame: Frame, background: Frame, firstTag: number, count: number): AnomalyVisibility[] {
  const L = street.light;
  const seen = Array.from({ length: count }, () => ({ pixels: 0, contrast: 0 }));
  for (let p = 0; p < frame.classes.length; p++) {
    const k = frame.classes[p]! - firstTag;
    if (k < 0 || k >= count) continue;
    const fogWith = fogAmount(L, frame.depth[p]!);
    const fogWithout = fogAmount(L, background.depth[p]!);
    let largest = 0;
    for (let c = 0; c < 3; c++) {
      const a = frame.rgb[3 * p + c]!;
      const b = background.rgb[3 * p + c]!;
      largest = Math.max(largest, Math.abs(a + (L.haze[c]! - a) * fogWith - (b + (L.haze[c]! - b) * fogWithout)));
    }
    seen[k]!.pixels++;
    seen[k]!.contrast += largest * L.exposure;
  }
  for (const s of seen) if (s.pixels > 0) s.contrast /= s.pixels;
  return seen;
}
