// Lays several same-size pictures out in a grid, each grid row under a title
// row, e.g. IMAGE | GT ANOMALY | DICNET | MSP | TEACHER SEG.

import type { Rgb } from './colour-map';
import { drawText, GLYPH_HEIGHT, textWidth } from './font';
import { blit, createRgbImage, type RgbImage } from './rgb-image';

export interface Panel {
  readonly title: string;
  readonly image: RgbImage;
}

export interface PanelLayout {
  /** Pixels between neighbouring panels and around the title text. */
  readonly gap?: number;
  /** Panels per grid row (default: all in one row). */
  readonly columns?: number;
  /** Font pixel size. */
  readonly textScale?: number;
  readonly background?: Rgb;
  readonly textColour?: Rgb;
}

export const DEFAULT_GAP = 2;

/** Height of the strip above each grid row: the text plus a gap above and below. */
export function titleRowHeight(gap: number, textScale: number): number {
  return GLYPH_HEIGHT * textScale + 2 * gap;
}

/**
 * Width = columns * w + (columns - 1) * gap;
 * height = rows * (titleRowHeight + h) + (rows - 1) * gap.
 * Titles are centred over their panel and clipped to it.
 */
export function composePanels(panels: readonly Panel[], layout: PanelLayout = {}): RgbImage {
  const first = panels[0];
  if (!first) throw new RangeError('composePanels needs at least one panel');
  const { width, height } = first.image;
  for (const panel of panels) {
    if (panel.image.width !== width || panel.image.height !== height) {
      throw new RangeError(`panel "${panel.title}" is ${panel.image.width}x${panel.image.height}, the first is ${width}x${height}`);
    }
  }
  const gap = layout.gap ?? DEFAULT_GAP;
  const scale = layout.textScale ?? 1;
  const columns = Math.min(layout.columns ?? panels.length, panels.length);
  const rows = Math.ceil(panels.length / columns);
  const titleHeight = titleRowHeight(gap, scale);
  const cellHeight = titleHeight + height;
  const out = createRgbImage(columns * width + (columns - 1) * gap, rows * cellHeight + (rows - 1) * gap, layout.background ?? [0, 0, 0]);

  panels.forEach((panel, index) => {
    const x = (index % columns) * (width + gap);
    const y = Math.floor(index / columns) * (cellHeight + gap);
    const titleStrip = createRgbImage(width, titleHeight, layout.background ?? [0, 0, 0]);
    const textX = Math.max(0, Math.floor((width - textWidth(panel.title, scale)) / 2));
    drawText(titleStrip, panel.title, textX, gap, layout.textColour ?? [255, 255, 255], scale);
    blit(out, titleStrip, x, y);
    blit(out, panel.image, x, y + titleHeight);
  });
  return out;
}
