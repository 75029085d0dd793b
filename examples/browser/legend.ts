// The keys to the panels: the segmentation's class colours, and each heatmap's
// colour scale (this picture's lowest to highest score, with the FPR95
// threshold marked where the checkpoint has one).

import { INFERNO_LUT, type ClassTable, type ValueRange } from '../../src/index.browser';
import { OUTLINE_COLOUR } from './pictures';

/** CARLA, whose tags StreetHazards uses, tags the sky "unlabeled". */
const displayNames: Record<string, string> = { unlabeled: 'sky (unlabeled)' };


/** One swatch and name per class the teacher can predict, from the loaded networks' class table. */
export function fillLegend(list: HTMLElement, classes: ClassTable): void {
  list.replaceChildren(
    ...classes.names.map((name, label) => {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = `rgb(${classes.colours[label]!.join(',')})`;
      item.dataset.label = String(label);
      item.append(swatch, displayNames[name] ?? name);
      return item;
    }),
  );
}

const significant = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : Number(v.toPrecision(3)).toString());

/** The inferno ramp from the range's low to high end, its values written under it; the threshold as a tick in the outline colour. */
export function drawScale(scale: HTMLElement, range: ValueRange, threshold: number | undefined): void {
  const canvas = scale.querySelector('canvas')!;
  const context = canvas.getContext('2d')!;
  const { width, height } = canvas;
  for (let x = 0; x < width; x++) {
    const i = Math.round((x / (width - 1)) * 255) * 3;
    context.fillStyle = `rgb(${INFERNO_LUT[i]},${INFERNO_LUT[i + 1]},${INFERNO_LUT[i + 2]})`;
    context.fillRect(x, 0, 1, height);
  }
  const span = range.max - range.min;
  const mark = scale.querySelector<HTMLElement>('.threshold')!;
  mark.hidden = threshold === undefined;
  if (threshold !== undefined) {
    const t = span > 0 ? Math.min(1, Math.max(0, (threshold - range.min) / span)) : 0;
    context.fillStyle = `rgb(${OUTLINE_COLOUR.join(',')})`;
    context.fillRect(Math.round(t * (width - 3)), 0, 3, height);
    const above = threshold > range.max ? ', above every pixel here' : threshold < range.min ? ', below every pixel here' : '';
    mark.textContent = `FPR95 threshold ${significant(threshold)}${above}`;
    mark.style.left = `${Math.round(t * 100)}%`;
    mark.classList.toggle('right', t > 0.5);
  }
  scale.querySelector('.low')!.textContent = significant(range.min);
  scale.querySelector('.high')!.textContent = significant(range.max);
}
