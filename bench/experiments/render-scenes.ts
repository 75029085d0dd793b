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
import { renderScene, type AnomalyFamily } from '../../src/data/synthetic/scene';

// As generate.ts draws them: test-easy renders the test split's scenes with the saturated anomalies.
const scenes = { train: 0, validation: 1, test: 2, 'test-easy': 2 } as const;
const families: Record<keyof typeof scenes, AnomalyFamily | null> = { train: null, validation: 'validation', test: 'test', 'test-easy': 'easy' };

function main(args: string[]): void {
  if (args.length !== 7) throw new Error('usage: render-scenes SEED WIDTH HEIGHT SPLIT START COUNT OUT');
  const [seed, width, height] = args.slice(0, 3).map(Number) as [number, number, number];
  const split = args[3] as keyof typeof scenes;
  if (!(split in scenes)) throw new Error(`split is train, validation, test or test-easy, got "${split}"`);
  const [start, count] = args.slice(4, 6).map(Number) as [number, number];
  const plane = width * height;
  const out = new Uint8Array(count * plane * 4);
  for (let k = 0; k < count; k++) {
    const scene = renderScene(mixSeed(seed, scenes[split], start + k), width, height, families[split]);
    out.set(scene.image, k * plane * 3);
    out.set(scene.classes, count * plane * 3 + k * plane);
  }
  writeFileSync(args[6]!, out);
}

main(process.argv.slice(2));
