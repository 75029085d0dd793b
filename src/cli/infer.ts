// `dicnet infer IMAGE...`: scores photos of any size with the trained teacher
// and student. The networks see the photo resized to their input size (as in
// training); the score map is then resized bilinearly back to the photo's own
// size. Per photo: the heatmap over the photo, the teacher's segmentation and
// the raw score map (.npy), and a line with the top score and the share of
// pixels at or above the FPR95 threshold stored with the student. A photo that
// cannot be read is named and passed over; the others are still scored.

import { basename, extname, join } from 'node:path';
import { DataError } from '../data/errors';
import { modelInput } from '../data/image-input';
import { encodeNpy } from '../data/npy';
import { readPhoto } from '../data/photo';
import { encodePng, type RgbImage } from '../data/png';
import { resizeBilinear, resizeNearest } from '../data/resize';
import { finiteRange, overlay, scoreHeatmap, segmentationImage } from '../eval';
import type { GpuRuntime } from '../gpu';
import { scoreBatch, withBaselines, type ScoreName } from '../model/scores';
import { runWithGpu } from './command';
import { METHODS } from './evaluation';
import { oneOf, readCommandLine, UsageError } from './flags';
import { optionLines, parseWithTable, type OptionRow } from './option-table';
import { writeOutputFile } from './output-files';
import { loadTrainedPair, type TrainedPair } from './trained-pair';

/** --score names and the score each picks. */
const SCORES = { kl: 'dicnetKl', mse: 'dicnetMse', msp: 'msp', 'max-logit': 'maxLogit', entropy: 'entropy' } as const satisfies Record<string, ScoreName>;
type ScoreChoice = keyof typeof SCORES;
const SCORE_CHOICES = Object.keys(SCORES) as ScoreChoice[];

export interface InferOptions {
  images: string[];
  checkpoints: string;
  out: string;
  /** null: the score of the run's own distillation loss. */
  score: ScoreChoice | null;
}

const inferOptions: readonly OptionRow<InferOptions>[] = [
  { flag: '--checkpoints', value: 'DIR', help: 'the trained networks', default: join('results', 'checkpoints'), read: (v) => ({ checkpoints: v }) },
  { flag: '--out', value: 'DIR', help: 'where the results go', default: join('results', 'infer'), read: (v) => ({ out: v }) },
  { flag: '--score', value: SCORE_CHOICES.join('|'), help: "the score drawn and counted (default: kl or mse, the run's distillation loss)", read: (v, f) => ({ score: oneOf(f, v, SCORE_CHOICES) }) },
];

export const inferUsage = `usage: npx dicnet infer IMAGE... [options]
  scores photos (PNG, JPEG or WebP, any size) with the trained teacher and student
${optionLines(inferOptions)}
Writes per image, at the image's own size: NAME.overlay.png (the score as a heatmap
over the photo), NAME.segmentation.png (the teacher's classes) and NAME.scores.npy
(the score map, float32, height x width), and prints the image's top score and the
share of its pixels at or above the FPR95 threshold stored with the student.`;

export function parseInferOptions(argv: readonly string[]): InferOptions {
  const parsed = parseWithTable(argv, inferOptions, { images: [], checkpoints: join('results', 'checkpoints'), out: join('results', 'infer'), score: null }, true);
  if (parsed.positionals.length === 0) throw new UsageError('infer needs at least one image');
  return { ...parsed.options, images: parsed.positionals };
}

interface ScoreInUse {
  name: string;
  source: ScoreName;
  /** The pooled FPR95 threshold stored with the student, and its split; null when none is. */
  threshold: { value: number; split: string } | null;
}

function scoreInUse(choice: ScoreChoice | null, pair: TrainedPair): ScoreInUse {
  const source = SCORES[choice ?? pair.loss];
  const method = METHODS.find((m) => m.source === source)!;
  const stored = Number(pair.metadata[`fpr95_threshold_${method.key}`] ?? NaN);
  return { name: method.name, source, threshold: Number.isFinite(stored) ? { value: stored, split: pair.metadata.fpr95_threshold_split ?? 'unknown' } : null };
}

/** The heatmap over the photo: calm pixels keep the photo, and only pixels near or above the threshold reach the hottest colour. */
function heatOverlay(photo: RgbImage, map: Float32Array, threshold: number | null): RgbImage {
  const range = finiteRange(map);
  const hot = { min: range.min, max: threshold === null ? range.max : Math.max(range.max, threshold) };
  const span = hot.max - hot.min;
  const alpha = map.map((v) => 0.15 + 0.7 * (span > 0 ? Math.min(1, Math.max(0, (v - hot.min) / span)) : 0));
  return overlay(photo, scoreHeatmap(map, photo.width, photo.height, hot), alpha);
}

/** Output names: the file's name without its extension, numbered where two inputs share one. */
function outputStems(images: readonly string[]): string[] {
  const used = new Map<string, number>();
  return images.map((image) => {
    const stem = basename(image, extname(image)) || 'image';
    const n = (used.get(stem) ?? 0) + 1;
    used.set(stem, n);
    return n === 1 ? stem : `${stem}-${n}`;
  });
}

interface Scored {
  width: number;
  height: number;
  top: number;
  /** Share of pixels at or above the threshold; null without one. */
  above: number | null;
  files: string[];
}

async function scorePhoto(pair: TrainedPair, score: ScoreInUse, path: string, stem: string, out: string): Promise<Scored> {
  const photo = await readPhoto(path);
  const input = modelInput(photo, pair.config.inputHeight, pair.config.inputWidth);
  const { scores, prediction } = withBaselines(await scoreBatch(pair.teacher, pair.student, input, pair.temperature));
  const { width, height } = photo;
  const map = resizeBilinear(scores[score.source], input.width, input.height, width, height);
  let top = -Infinity;
  let above = 0;
  for (const v of map) {
    if (v > top) top = v;
    if (score.threshold !== null && v >= score.threshold.value) above++;
  }
  const files = [join(out, `${stem}.overlay.png`), join(out, `${stem}.segmentation.png`), join(out, `${stem}.scores.npy`)];
  writeOutputFile(files[0]!, encodePng(heatOverlay(photo, map, score.threshold?.value ?? null), files[0]));
  writeOutputFile(files[1]!, encodePng(segmentationImage(resizeNearest(prediction, input.width, input.height, width, height), width, height, pair.classes.colours), files[1]));
  writeOutputFile(files[2]!, encodeNpy(map, [height, width]));
  return { width, height, top, above: score.threshold === null ? null : above / map.length, files };
}

function describeScored(s: Scored): string {
  const above = s.above === null ? 'no FPR95 threshold is stored with the student for this score' : `${(100 * s.above).toFixed(2)}% of pixels at or above the FPR95 threshold`;
  return `${s.width}x${s.height}, top score ${s.top.toPrecision(4)}, ${above}\n      -> ${s.files.join(', ')}`;
}

async function scoreAll(rt: GpuRuntime, o: InferOptions): Promise<number> {
  const pair = await loadTrainedPair(rt, o.checkpoints);
  const score = scoreInUse(o.score, pair);
  const threshold = score.threshold ? `FPR95 threshold ${score.threshold.value.toPrecision(4)} (pooled over the ${score.threshold.split} split)` : 'no FPR95 threshold stored';
  console.log(`${pair.config.name} networks from ${o.checkpoints}; score: ${score.name}; ${threshold}`);
  const stems = outputStems(o.images);
  let failed = 0;
  for (const [i, path] of o.images.entries()) {
    const started = performance.now();
    const prefix = `[${i + 1}/${o.images.length}] ${path}`;
    try {
      const scored = await scorePhoto(pair, score, path, stems[i]!, o.out);
      console.log(`${prefix}: ${describeScored(scored)} (${((performance.now() - started) / 1000).toFixed(2)} s)`);
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      failed++;
      console.error(`${prefix}: error: ${error.message}`);
    }
  }
  if (failed > 0) console.error(`${failed} of ${o.images.length} image(s) could not be read; the others were scored`);
  return failed > 0 ? 1 : 0;
}

export async function runInfer(argv: readonly string[]): Promise<number> {
  const o = readCommandLine(argv, parseInferOptions, inferUsage, 'npx dicnet infer');
  if (typeof o === 'number') return o;
  return runWithGpu(o.out, (rt) => scoreAll(rt, o));
}
