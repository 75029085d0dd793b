// `dicnet infer IMAGE|FOLDER...`: scores photos of any size with the trained
// teacher and student. The networks see the photo resized to their input
// width, its aspect kept (keptAspectSize); the score map is then resized
// bilinearly back to the photo's own size. Per photo: the heatmap over the photo, the teacher's
// segmentation with its legend and the raw score map (.npy), and a line with
// the top score and the share of pixels at or above the FPR95 threshold stored
// with the student, and warnings where that share means little: a photo unlike
// the training data (the domain check), or far smaller than the networks'
// input. A photo that cannot be read is named and passed over; the others are
// still scored.

import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { DataError } from '../data/errors';
import { keptAspectInput } from '../data/image-input';
import { encodeNpy } from '../data/npy';
import { readPhoto } from '../data/photo';
import { encodePng, type RgbImage } from '../data/png';
import { resizeBilinear, resizeNearest } from '../data/resize';
import { naturalCompare } from '../data/dataset';
import { domainWarning, finiteRange, imageMeans, overlay, readDomainReference, scoreHeatmap, segmentationImage, withLegend } from '../eval';
import type { GpuRuntime } from '../gpu';
import { scoreBatch, withBaselines, type ScoreName } from '../model/scores';
import { runWithGpu } from './command';
import { chooseNetworks, NETWORKS_HELP } from './default-networks';
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
  /** Null: chooseNetworks decides. */
  checkpoints: string | null;
  out: string;
  /** null: the score of the run's own distillation loss. */
  score: ScoreChoice | null;
}

const inferOptions: readonly OptionRow<InferOptions>[] = [
  { flag: '--checkpoints', value: 'DIR', help: NETWORKS_HELP, read: (v) => ({ checkpoints: v }) },
  { flag: '--out', value: 'DIR', help: 'where the results go', default: join('results', 'infer'), read: (v) => ({ out: v }) },
  { flag: '--score', value: SCORE_CHOICES.join('|'), help: "the score drawn and counted (default: kl or mse, the run's distillation loss)", read: (v, f) => ({ score: oneOf(f, v, SCORE_CHOICES) }) },
];

export const inferUsage = `usage: npx dicnet infer IMAGE|FOLDER... [options]
  scores photos (PNG, JPEG or WebP, any size; a folder: the photos in it) with the trained
  teacher and student
${optionLines(inferOptions)}
Writes per image, at the image's own size: NAME.overlay.png (the score as a heatmap
over the photo), NAME.segmentation.png (the teacher's classes, with a legend) and
NAME.scores.npy (the score map, float32, height x width), and prints the image's top
score and the share of its pixels at or above the FPR95 threshold stored with the
student, with a warning where the photo looks unlike the training data or is far
smaller than the networks' input.`;

export function parseInferOptions(argv: readonly string[]): InferOptions {
  const parsed = parseWithTable(argv, inferOptions, { images: [], checkpoints: null, out: join('results', 'infer'), score: null }, true);
  if (parsed.positionals.length === 0) throw new UsageError('infer needs at least one image or folder');
  return { ...parsed.options, images: parsed.positionals };
}

const PHOTO_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

/** The paths given, each folder replaced by the photos in it (by extension, in name order); a folder without any is an error. */
export function expandFolders(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    let folder = false;
    try {
      folder = statSync(path).isDirectory();
    } catch {
      return [path];
    }
    if (!folder) return [path];
    const photos = readdirSync(path)
      .filter((name) => !name.startsWith('.') && PHOTO_EXTENSIONS.has(extname(name).toLowerCase()))
      .sort(naturalCompare)
      .map((name) => join(path, name));
    if (photos.length === 0) throw new UsageError(`${path} is a folder with no .png, .jpg, .jpeg or .webp file in it`);
    return photos;
  });
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
  /** Why the share may mean little for this photo; none when nothing looks off. */
  warnings: string[];
}

/** Under half the networks' input on a side: the photo is enlarged to be scored, and small objects are a few pixels. */
function sizeWarning(width: number, height: number, pair: TrainedPair): string | null {
  const { inputWidth: w, inputHeight: h } = pair.config;
  return width < w / 2 || height < h / 2 ? `${width}x${height} is far below the networks' ${w}x${h} input: it is enlarged to be scored, so objects in it are a few pixels wide` : null;
}

async function scorePhoto(pair: TrainedPair, score: ScoreInUse, path: string, stem: string, out: string): Promise<Scored> {
  const photo = await readPhoto(path);
  const input = keptAspectInput(photo, { height: pair.config.inputHeight, width: pair.config.inputWidth });
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
  const segmentation = segmentationImage(resizeNearest(prediction, input.width, input.height, width, height), width, height, pair.classes.colours);
  writeOutputFile(files[0]!, encodePng(heatOverlay(photo, map, score.threshold?.value ?? null), files[0]));
  writeOutputFile(files[1]!, encodePng(withLegend(segmentation, pair.classes), files[1]));
  writeOutputFile(files[2]!, encodeNpy(map, [height, width]));
  const warnings = [domainWarning(readDomainReference(pair.metadata), imageMeans(scores), pair.classes.dataset), sizeWarning(width, height, pair)].filter((w): w is string => w !== null);
  return { width, height, top, above: score.threshold === null ? null : above / map.length, files, warnings };
}

function describeScored(s: Scored): string {
  const above = s.above === null ? 'no FPR95 threshold is stored with the student for this score' : `${(100 * s.above).toFixed(2)}% of pixels at or above the FPR95 threshold`;
  return [`${s.width}x${s.height}, top score ${s.top.toPrecision(4)}, ${above}`, ...s.warnings.map((w) => `      warning: ${w}`), `      -> ${s.files.join(', ')}`].join('\n');
}

async function scoreAll(rt: GpuRuntime, o: InferOptions): Promise<number> {
  const networks = chooseNetworks(o.checkpoints);
  const pair = await loadTrainedPair(rt, networks.dir);
  const score = scoreInUse(o.score, pair);
  const threshold = score.threshold ? `FPR95 threshold ${score.threshold.value.toPrecision(4)} (pooled over the ${score.threshold.split} set)` : 'no FPR95 threshold stored';
  console.log(`networks: ${networks.dir} (${networks.why}): ${pair.config.name}, ${pair.config.inputWidth}x${pair.config.inputHeight} input, trained on ${pair.classes.dataset} (${pair.classes.names.length} classes)`);
  console.log(`score: ${score.name}; ${threshold}`);
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
  const o = readCommandLine(argv, (argv) => {
    const options = parseInferOptions(argv);
    return { ...options, images: expandFolders(options.images) };
  }, inferUsage, 'npx dicnet infer');
  if (typeof o === 'number') return o;
  return runWithGpu(o.out, (rt) => scoreAll(rt, o));
}
