// The legend under a segmentation picture: the picture unchanged on top, every
// class's colour as a swatch below, wrapped to the picture's width.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CAMVID_CLASSES, STREETHAZARDS_CLASSES } from '../src/data/class-tables';
import { createRgbImage, withLegend } from '../src/eval';

const test = suite('eval: legend');

function coloursIn(image: { data: Uint8Array }, fromRow: number, width: number): Set<string> {
  const found = new Set<string>();
  for (let p = fromRow * width; p < image.data.length / 3; p++) found.add(`${image.data[3 * p]},${image.data[3 * p + 1]},${image.data[3 * p + 2]}`);
  return found;
}

for (const [table, width] of [[CAMVID_CLASSES, 160], [STREETHAZARDS_CLASSES, 640], [CAMVID_CLASSES, 1280]] as const) {
  test(`${table.dataset} under a ${width} pixel wide picture: the picture kept, a swatch of every class, rows as the width needs`, () => {
    const picture = createRgbImage(width, 30, [1, 2, 3]);
    const keyed = withLegend(picture, table);
    assert.is(keyed.width, width);
    assert.ok(keyed.height > 30);
    assert.equal(keyed.data.subarray(0, picture.data.length), picture.data, 'the picture is unchanged');
    const below = coloursIn(keyed, 30, width);
    for (const [i, colour] of table.colours.entries()) assert.ok(below.has(colour.join()), `${table.names[i]}'s swatch`);
    assert.ok(below.has('0,0,0'), 'the names in black');
  });
}

test('rows wrap at the width: 11 CamVid names need several rows at 160 pixels (font scale 1, rows of 11), fewer at 1280 (scale 4, rows of 44)', () => {
  const narrow = withLegend(createRgbImage(160, 10), CAMVID_CLASSES);
  const wide = withLegend(createRgbImage(1280, 10), CAMVID_CLASSES);
  assert.ok((narrow.height - 10) % 11 === 0 && (narrow.height - 10) / 11 >= 3, `narrow: ${narrow.height - 10} pixels of legend`);
  assert.ok((wide.height - 10) % 44 === 0 && (wide.height - 10) / 44 <= 2, `wide: ${wide.height - 10} pixels of legend`);
});

test.run();
