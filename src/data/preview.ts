// A contact sheet of samples: each row an image and its label map in the
// StreetHazards colours, for looking at a dataset (generated or real) at a glance.

import { labelColour } from '../eval/colormap';
import { writePng, type RgbImage } from './png';
import { loadSample, type LoadedSample, type Sample } from './streethazards';

/** Label map in the StreetHazards colours (ignored pixels white), 8-bit RGB. */
export function colorizeLabels(labels: Uint8Array): Uint8Array {
  const rgb = new Uint8Array(labels.length * 3);
  for (let p = 0; p < labels.length; p++) rgb.set(labelColour(labels[p]!), 3 * p);
  return rgb;
}

export interface PreviewOptions {
  /** Samples side by side per row of the sheet (each as image + labels). Default 2. */
  columns?: number;
  /** Integer magnification. Default 2. */
  zoom?: number;
}

const GAP = 2;

/** Tiles the samples (all the size of the first) into one image. */
export function tileSamples(samples: readonly LoadedSample[], options: PreviewOptions = {}): RgbImage {
  const columns = options.columns ?? 2;
  const zoom = options.zoom ?? 2;
  const w = samples[0]!.width * zoom;
  const h = samples[0]!.height * zoom;
  const rows = Math.ceil(samples.length / columns);
  const width = columns * (2 * w + GAP) + (columns - 1) * GAP * 2;
  const height = rows * h + (rows - 1) * GAP;
  const data = new Uint8Array(width * height * 3).fill(32);
  samples.forEach((sample, i) => {
    const left = (i % columns) * (2 * w + 3 * GAP);
    const top = Math.floor(i / columns) * (h + GAP);
    blit(data, width, sample.image, sample.width, sample.height, zoom, left, top);
    blit(data, width, colorizeLabels(sample.labels), sample.width, sample.height, zoom, left + w + GAP, top);
  });
  return { width, height, data };
}

function blit(target: Uint8Array, targetWidth: number, rgb: Uint8Array, w: number, h: number, zoom: number, left: number, top: number): void {
  for (let y = 0; y < h * zoom; y++) {
    for (let x = 0; x < w * zoom; x++) {
      const s = 3 * (Math.floor(y / zoom) * w + Math.floor(x / zoom));
      const t = 3 * ((top + y) * targetWidth + left + x);
      target[t] = rgb[s]!;
      target[t + 1] = rgb[s + 1]!;
      target[t + 2] = rgb[s + 2]!;
    }
  }
}

/** Reads the samples through the loader and writes their contact sheet to `path`. */
export function writePreview(samples: readonly Sample[], path: string, options: PreviewOptions = {}): void {
  writePng(path, tileSamples(samples.map(loadSample), options));
}
