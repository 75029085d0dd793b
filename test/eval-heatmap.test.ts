import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ANOMALY_LABEL } from '../src/base/labels';
import { CAMVID_CLASSES, STREETHAZARDS_CLASSES } from '../src/data/class-tables';
import {
  anomalyMask,
  composePanels,
  createRgbImage,
  drawText,
  GLYPH_HEIGHT,
  glyphRows,
  hasGlyph,
  IGNORE_COLOUR,
  inferno,
  INFERNO_LUT,
  maskImage,
  overlay,
  type RgbImage,
  scoreHeatmap,
  ANOMALY_COLOUR,
  segmentationImage,
  textWidth,
  thresholdMask,
  titleRowHeight,
} from '../src/eval';

const test = suite('eval heatmaps');

const pixel = (image: RgbImage, x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

test('inferno endpoints are matplotlib inferno(0) and inferno(1); lightness rises (within rounding)', () => {
  assert.equal(inferno(0), [0, 0, 4]);
  assert.equal(inferno(1), [252, 255, 164]);
  assert.equal(inferno(-3), inferno(0));
  assert.equal(inferno(7), inferno(1));
  assert.equal(inferno(NaN), inferno(0));
  let previous = -1;
  for (let i = 0; i < 256; i++) {
    const luma = 0.2126 * INFERNO_LUT[3 * i]! + 0.7152 * INFERNO_LUT[3 * i + 1]! + 0.0722 * INFERNO_LUT[3 * i + 2]!;
    // Rounding each channel to 8 bits may cost up to one unit of luma.
    assert.ok(luma >= previous - 1, `luma falls at ${i}`);
    previous = luma;
  }
});

test('score heatmap: normalised per panel, or to a given range with clamping', () => {
  const own = scoreHeatmap(Float32Array.from([2, 3, 4, NaN]), 2, 2);
  assert.equal(pixel(own, 0, 0), [...inferno(0)]);
  assert.equal(pixel(own, 1, 0), [...inferno(128 / 255)]);
  assert.equal(pixel(own, 0, 1), [...inferno(1)]);
  assert.equal(pixel(own, 1, 1), [...inferno(0)], 'NaN is darkest');
  const fixed = scoreHeatmap(Float32Array.from([-1, 0.5, 9]), 3, 1, { min: 0, max: 1 });
  assert.equal(pixel(fixed, 0, 0), [...inferno(0)]);
  assert.equal(pixel(fixed, 2, 0), [...inferno(1)]);
  const flat = scoreHeatmap(new Float32Array(4).fill(0.7), 4, 1);
  assert.equal(pixel(flat, 3, 0), [...inferno(0)]);
  assert.throws(() => scoreHeatmap(new Float32Array(5), 2, 2), /5 values for a 2x2 image/);
});

test('segmentation through the dataset\'s palette: the anomaly its own colour, ignore and unknown ids white', () => {
  for (const table of [STREETHAZARDS_CLASSES, CAMVID_CLASSES]) {
    assert.is(new Set([...table.colours, ANOMALY_COLOUR].map((c) => c.join())).size, table.names.length + 1, `${table.dataset} colours distinct`);
  }
  const image = segmentationImage(Uint8Array.from([0, 7, ANOMALY_LABEL, 255, 40]), 5, 1, STREETHAZARDS_CLASSES.colours);
  assert.equal(pixel(image, 1, 0), [128, 64, 128]);
  assert.equal(pixel(image, 2, 0), [...ANOMALY_COLOUR]);
  assert.equal(pixel(image, 3, 0), [...IGNORE_COLOUR]);
  assert.equal(pixel(image, 4, 0), [...IGNORE_COLOUR]);
});

test('masks and overlay', () => {
  assert.equal(Array.from(anomalyMask(Uint8Array.from([ANOMALY_LABEL, 0, 255, ANOMALY_LABEL]))), [1, 0, 0, 1]);
  assert.equal(Array.from(thresholdMask(Float32Array.from([0.2, 0.5, 0.7]), 0.5)), [0, 1, 1]);
  const mask = maskImage(Uint8Array.from([1, 0]), 2, 1, [255, 0, 0], [0, 0, 9]);
  assert.equal(Array.from(mask.data), [255, 0, 0, 0, 0, 9]);
  const base = createRgbImage(2, 1, [100, 0, 200]);
  const top = createRgbImage(2, 1, [201, 255, 0]);
  assert.equal(Array.from(overlay(base, top, 0).data), Array.from(base.data));
  assert.equal(Array.from(overlay(base, top, 1).data), Array.from(top.data));
  // 0.5 * 100 + 0.5 * 201 = 150.5 -> 151; per-pixel alpha 0 keeps the base.
  assert.equal(Array.from(overlay(base, top, Float32Array.from([0.5, 0])).data), [151, 128, 100, 100, 0, 200]);
  assert.throws(() => overlay(base, createRgbImage(1, 1)), /1x1 picture on a 2x1/);
});

test('panel layout: sizes and positions', () => {
  const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255]] as const;
  const panels = colours.map((c, i) => ({ title: `P${i}`, image: createRgbImage(10, 6, c) }));
  const title = titleRowHeight(2, 1);
  assert.is(title, GLYPH_HEIGHT + 4);
  // One row: width 3 * 10 + 2 * 2 = 34, height 11 + 6 = 17.
  const row = composePanels(panels);
  assert.is(row.width, 34);
  assert.is(row.height, 17);
  assert.is(row.data.length, 34 * 17 * 3);
  assert.equal(pixel(row, 0, title), [255, 0, 0]);
  assert.equal(pixel(row, 9, 16), [255, 0, 0]);
  assert.equal(pixel(row, 10, 16), [0, 0, 0], 'gap');
  assert.equal(pixel(row, 12, title), [0, 255, 0]);
  assert.equal(pixel(row, 33, 16), [0, 0, 255]);
  // Two columns: width 2 * 10 + 2 = 22, height 2 * 17 + 2 = 36; panel 2 under panel 0.
  const grid = composePanels(panels, { columns: 2, textScale: 2, gap: 3 });
  const tallTitle = titleRowHeight(3, 2);
  assert.is(tallTitle, 2 * GLYPH_HEIGHT + 6);
  assert.is(grid.width, 2 * 10 + 3);
  assert.is(grid.height, 2 * (tallTitle + 6) + 3);
  assert.equal(pixel(grid, 0, tallTitle + 6 + 3 + tallTitle), [0, 0, 255]);
  assert.throws(() => composePanels([panels[0]!, { title: 'X', image: createRgbImage(9, 6) }]), /panel "X" is 9x6, the first is 10x6/);
});

test('the title row carries the title text', () => {
  const out = composePanels([{ title: 'MSP', image: createRgbImage(30, 4, [9, 9, 9]) }], { textColour: [255, 255, 0] });
  let lit = 0;
  for (let y = 0; y < titleRowHeight(2, 1); y++) for (let x = 0; x < 30; x++) if (pixel(out, x, y).join() === '255,255,0') lit++;
  const expected = [...'MSP'].reduce((sum, c) => sum + glyphRows(c).reduce((s, row) => s + popcount(row), 0), 0);
  assert.is(lit, expected);
});

function popcount(row: number): number {
  let count = 0;
  for (let bits = row; bits; bits >>= 1) count += bits & 1;
  return count;
}

test('font: every title character has a non-empty glyph, glyphs differ, text stays in its box', () => {
  const titles = ['IMAGE', 'GT ANOMALY', 'DICNET', 'MSP', 'TEACHER SEG', 'DiCNet (KL)', 'DiCNet (MSE)', 'Max logit', 'Entropy', 'FPR95: 17.6%', 'A-Z_0/9=+|[]*#?,.'];
  const characters = new Set([...titles.join(''), ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789']);
  characters.delete(' ');
  for (const c of characters) {
    assert.ok(hasGlyph(c), `no glyph for ${c}`);
    assert.ok(glyphRows(c).some((row) => row !== 0), `empty glyph for ${c}`);
    assert.ok(glyphRows(c).every((row) => row >= 0 && row < 32), `glyph ${c} wider than 5`);
  }
  const shapes = [...characters].map((c) => glyphRows(c.toUpperCase()).join());
  assert.is(new Set(shapes).size, new Set([...characters].map((c) => c.toUpperCase())).size, 'two characters share a glyph');
  assert.is(glyphRows('~'), glyphRows('?'));
  assert.is(textWidth('MSP'), 17);
  assert.is(textWidth('MSP', 2), 34);
  const canvas = createRgbImage(40, 20);
  drawText(canvas, 'W8', 3, 2, [255, 255, 255], 2);
  for (let y = 0; y < 20; y++) {
    for (let x = 0; x < 40; x++) {
      const inBox = x >= 3 && x < 3 + textWidth('W8', 2) && y >= 2 && y < 2 + 2 * GLYPH_HEIGHT;
      if (!inBox) assert.equal(pixel(canvas, x, y), [0, 0, 0], `pixel ${x},${y} outside the text box`);
    }
  }
});

test.run();
