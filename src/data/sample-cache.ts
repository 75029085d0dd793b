// Training reads every frame of its split once an epoch, for dozens of epochs,
// and decoding a 480x360 PNG costs about as much CPU as a third of a training
// step on a software adapter, on the same cores. The decoded frames are kept
// up to a byte budget (a split larger than the budget has its first frames
// kept and the rest decoded each time, so memory stays bounded). The frames
// are the decoder's own output, so batches are the same bytes with or without
// the cache.

import type { LoadedSample, Sample } from './dataset';

/** About 1.4 CamVid training splits at 480x360, or 290 frames at 1280x720. */
export const DECODED_FRAME_BUDGET_BYTES = 1 << 30;

export interface CachedLoader {
  load(sample: Sample): LoadedSample;
  /** Bytes of decoded pixels and labels held. */
  readonly heldBytes: number;
}

/** `load` with its results kept by image and annotation path while they fit in `budgetBytes`; a throw is not kept. */
export function cachedLoader(load: (sample: Sample) => LoadedSample, budgetBytes = DECODED_FRAME_BUDGET_BYTES): CachedLoader {
  const kept = new Map<string, LoadedSample>();
  let heldBytes = 0;
  return {
    load(sample) {
      const key = `${sample.image}\n${sample.annotation}`;
      const hit = kept.get(key);
      if (hit) return { ...hit, sample };
      const loaded = load(sample);
      const bytes = loaded.image.byteLength + loaded.labels.byteLength;
      if (heldBytes + bytes <= budgetBytes) {
        kept.set(key, loaded);
        heldBytes += bytes;
      }
      return loaded;
    },
    get heldBytes() {
      return heldBytes;
    },
  };
}
