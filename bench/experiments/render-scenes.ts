// Renders scenes of the embedded dataset straight to raw bytes, for experiment
// machines without the PNG round trip: the same scenes as
// ensureSyntheticStreetHazards (scene i of a split from mixSeed(seed, split, i)).
// Output: count x H x W x 3 RGB bytes, then count x H x W class bytes (0..13).
// bench/experiments/dataset.py `render` runs it in parallel shards.
//
//   npx esbuild bench/experiments/render-scenes.ts --bundle --platform=node --format=esm --outfile=scratch/render-scenes.mjs
//   node scratch/render-scenes.mjs SEED WIDTH HEIGHT SPLIT START COUNT OUT

import { writeFileSync } from 'node:fs';
import { mixSeed } from '../../src/data/seed';
import { renderScene } from '../../src/data/synthetic/scene';

const splitIndex = { train: 0, validation: 1, test: 2 } as const;

function main(args: string[]): void {
  if (args.length !== 7) throw new Error('usage: render-scenes SEED WIDTH HEIGHT SPLIT START COUNT OUT');
  const [seed, width, height] = args.slice(0, 3).map(Number) as [number, number, number];
  const split = args[3] as keyof typeof splitIndex;
  if (!(split in splitIndex)) throw new Error(`split is train, validation or test, got "${split}"`);
  const [start, count] = args.slice(4, 6).map(Number) as [number, number];
  const plane = width * height;
  const out = new Uint8Array(count * plane * 4);
  for (let k = 0; k < count; k++) {
    const scene = renderScene(mixSeed(seed, splitIndex[split], start + k), width, height, split === 'train' ? null : split);
    out.set(scene.image, k * plane * 3);
    out.set(scene.classes, count * plane * 3 + k * plane);
  }
  writeFileSync(args[6]!, out);
}

main(process.argv.slice(2));
