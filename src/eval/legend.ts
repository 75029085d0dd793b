// A key under a segmentation picture: one swatch and name per class of the
// dataset's table, wrapped into as many rows as the picture's width needs, so
// the PNG says by itself which colour is which class.

import type { ClassTable } from '../base/labels';
import { drawText, GLYPH_HEIGHT, textWidth } from './font';
import { blit, createRgbImage, type RgbImage } from './rgb-image';

const BACKGROUND = [255, 255, 255] as const;
const TEXT = [0, 0, 0] as const;

interface Entry {
  name: string;
  width: number;
}

/** The picture with its legend below: rows of [swatch] name, left to right, wrapped at the picture's width. */
export function withLegend(image: RgbImage, classes: ClassTable): RgbImage {
  const scale = Math.max(1, Math.min(4, Math.floor(image.width / 320)));
  const pad = 2 * scale;
  const swatch = GLYPH_HEIGHT * scale;
  const rowHeight = swatch + 2 * pad;
  const entries: Entry[] = classes.names.map((name) => ({ name, width: swatch + pad + textWidth(name, scale) + 3 * pad }));
  const rows: number[][] = [[]];
  let used = pad;
  entries.forEach((entry, i) => {
    if (used + entry.width > image.width && rows[rows.length - 1]!.length > 0) {
      rows.push([]);
      used = pad;
    }
    rows[rows.length - 1]!.push(i);
    used += entry.width;
  });
  const out = createRgbImage(image.width, image.height + rows.length * rowHeight, BACKGROUND);
  blit(out, image, 0, 0);
  rows.forEach((row, r) => {
    let x = pad;
    const y = image.height + r * rowHeight + pad;
    for (const i of row) {
      blit(out, createRgbImage(swatch, swatch, classes.colours[i]!), x, y);
      drawText(out, entries[i]!.name, x + swatch + pad, y, TEXT, scale);
      x += entries[i]!.width;
    }
  });
  return out;
}
