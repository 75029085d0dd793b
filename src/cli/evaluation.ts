// Evaluation of a finished run on each labelled split it has: DiCNet, the
// teacher's baselines and the controls (untrained networks, colour rarity),
// image by image, the teacher's segmentation quality, and the panels.

import { join } from 'node:path';
import { photoBatchesInOrder } from '../data/batches';
import { batchImage } from '../data/image-input';
import { createProgress } from '../data/progress';
import { DataError } from '../data/errors';
import { canHoldAnomalies, loadSample, type DatasetIndex, type Sample, type SkippedFile, type SplitName } from '../data/dataset';
import { ANOMALY_LABEL, type ClassTable } from '../base/labels';
import { AnomalyEvaluation, ColourHistogram, ConfusionMatrix, DOMAIN_SCORES, imageMeans as domainMeans, PooledEvaluation, ScoreByClass, type DomainScore, type PooledSummary, type ScoreByClassSummary } from '../eval';
import type { ModelConfig } from '../model/config';
import type { Student, Teacher } from '../model/networks';
import { scoreBatch, withBaselines, type ControlScoreName, type ScoreName, type UntrainedPair } from '../model/scores';
import type { TrainingControl } from '../training/trainer';
import type { RunOptions } from './options';
import { writePanels } from './panels';

export type MethodSource = ScoreName | ControlScoreName | 'colourRarity';

export interface MethodSpec {
  key: string;
  name: string;
  kind: 'dicnet' | 'baseline' | 'control';
  source: MethodSource;
}

/** Every method the report shows, in its order. */
export const METHODS: readonly MethodSpec[] = [
  { key: 'dicnet_kl', name: 'DiCNet (KL)', kind: 'dicnet', source: 'dicnetKl' },
  { key: 'dicnet_feature_distance', name: 'DiCNet (feature distance)', kind: 'dicnet', source: 'dicnetMse' },
  { key: 'msp', name: 'MSP', kind: 'baseline', source: 'msp' },
  { key: 'max_logit', name: 'Max logit', kind: 'baseline', source: 'maxLogit' },
  { key: 'entropy', name: 'Softmax entropy', kind: 'baseline', source: 'entropy' },
  { key: 'untrained_pair_kl', name: 'Control: untrained pair (KL)', kind: 'control', source: 'untrainedPairKl' },
  { key: 'untrained_pair_feature_distance', name: 'Control: untrained pair (feature distance)', kind: 'control', source: 'untrainedPairMse' },
  { key: 'untrained_student_kl', name: 'Control: trained teacher, untrained student (KL)', kind: 'control', source: 'untrainedStudentKl' },
  { key: 'untrained_student_feature_distance', name: 'Control: trained teacher, untrained student (feature distance)', kind: 'control', source: 'untrainedStudentMse' },
  { key: 'colour_rarity', name: 'Control: colour rarity', kind: 'control', source: 'colourRarity' },
];

/** What scoring a split needs of a run: dicnet eval has these without any training options. */
export type EvaluationSettings = Pick<RunOptions, 'loss' | 'temperature' | 'batchSize' | 'onBadSample' | 'out'>;

/** The DiCNet score that matches the distillation loss: the run's headline method. */
export function headlineMethod(o: Pick<RunOptions, 'loss'>): MethodSpec {
  return METHODS.find((m) => m.source === (o.loss === 'kl' ? 'dicnetKl' : 'dicnetMse'))!;
}

/** Splits a run evaluates, in report order: the headline test split first. */
export const EVALUATED_SPLITS: readonly SplitName[] = ['test', 'test-easy', 'validation'];

export interface SplitEvaluation {
  /** A split of the dataset, or the name of an anomaly set. */
  split: string;
  /** Where the images came from: a split of the training dataset, or an anomaly set (`--anomalies`). */
  source: 'dataset' | 'anomaly set';
  /** Method key -> per-image results. */
  methods: Record<string, AnomalyEvaluation>;
  /** Method key -> metrics pooled over all pixels of the split; null without anomaly pixels. */
  pooled: Record<string, PooledSummary | null>;
  confusion: ConfusionMatrix;
  seconds: number;
  images: number;
  /** The input sizes the images were scored at (HxW), in order of first use: the training input's, or the photos' own aspects. */
  inputSizes: string[];
  skippedFiles: readonly SkippedFile[];
  /** Scores of every anomaly pixel, per DiCNet / MSP source, for thresholds. */
  anomalyScores: Partial<Record<ScoreName, number[]>>;
  /** Per image, in split order: the mean over its pixels of each DOMAIN_SCORES score, how unlike the training data the whole image is. */
  imageMeans: Record<DomainScore, number[]>;
  /** The headline DiCNet score by the teacher's predicted class, over normal and anomaly pixels. */
  byClass: ScoreByClassSummary;
}



export interface EvaluationModels {
  teacher: Teacher;
  student: Student;
  untrained: UntrainedPair;
  /** Null where there is no train split to fit it on: the colour-rarity control is then left out. */
  colour: ColourHistogram | null;
}

/** The colour histogram of every training image, as stored (a bad file is passed over only with --on-bad-sample skip). */
export function fitColourRarity(index: DatasetIndex, o: Pick<RunOptions, 'onBadSample'>): ColourHistogram {
  const histogram = new ColourHistogram();
  for (const sample of index.splits.train!) {
    let loaded;
    try {
      loaded = loadSample(sample);
    } catch (error) {
      if (o.onBadSample === 'skip' && error instanceof DataError) continue;
      throw error;
    }
    histogram.add({ width: loaded.width, height: loaded.height, data: loaded.image });
  }
  return histogram;
}

const THRESHOLD_SOURCES: readonly ScoreName[] = ['dicnetKl', 'dicnetMse', 'msp'];

/** What is evaluated: a split of the dataset or an anomaly set, its samples, and the dataset's classes. */
export interface EvaluatedImages {
  split: string;
  source: SplitEvaluation['source'];
  samples: readonly Sample[];
  classes: ClassTable;
}

export function datasetSplit(index: DatasetIndex, split: SplitName): EvaluatedImages {
  return { split, source: 'dataset', samples: index.splits[split] ?? [], classes: index.classes };
}

export async function evaluateSplit(
  models: EvaluationModels,
  evaluated: EvaluatedImages,
  o: EvaluationSettings,
  c: ModelConfig,
  control: TrainingControl,
  panels: number,
): Promise<SplitEvaluation | null> {
  const { samples, split, classes } = evaluated;
  models.teacher.eval();
  models.student.eval();
  // A split whose label files cannot mark anomalies (CamVid's) is scored for the teacher's segmentation and the
  // domain check alone: no anomaly metric, so neither the untrained networks nor colour rarity run on it.
  const anomalous = samples.some((s) => canHoldAnomalies(s.format));
  const scored = anomalous ? METHODS.filter((m) => m.source !== 'colourRarity' || models.colour !== null) : [];
  const methods = Object.fromEntries(scored.map((m) => [m.key, new AnomalyEvaluation()])) as Record<string, AnomalyEvaluation>;
  const pooled = Object.fromEntries(scored.map((m) => [m.key, new PooledEvaluation()])) as Record<string, PooledEvaluation>;
  const confusion = new ConfusionMatrix(classes.names.length);
  const anomalyScores: Partial<Record<ScoreName, number[]>> = Object.fromEntries(THRESHOLD_SOURCES.map((k) => [k, []]));
  const imageMeans: Record<DomainScore, number[]> = { dicnetKl: [] };
  const headline = headlineMethod(o).source as ScoreName;
  const byClass = new ScoreByClass(classes.names.length);
  // The dataset's own frames are scored as its training frames were shaped; photos from elsewhere keep their aspect.
  const keepAspect = evaluated.source === 'anomaly set';
  const { batches, skipped } = photoBatchesInOrder(samples, { batchSize: o.batchSize, height: c.inputHeight, width: c.inputWidth, keepAspect, classCount: classes.names.length, onBadSample: o.onBadSample });
  const progress = createProgress(`evaluation (${split} split)`, samples.length);
  const start = performance.now();
  let images = 0;
  const inputSizes = new Set<string>();
  let panelsLeft = panels;
  for await (const batch of batches) {
    if (control.stopRequested !== null) return null;
    const { scores, controls, prediction } = withBaselines(await scoreBatch(models.teacher, models.student, batch, o.temperature, anomalous ? models.untrained : undefined));
    const plane = batch.height * batch.width;
    inputSizes.add(`${batch.height}x${batch.width}`);
    for (let i = 0; i < batch.size; i++) {
      const at = (map: Float32Array) => map.subarray(i * plane, (i + 1) * plane);
      const labels = batch.labels.subarray(i * plane, (i + 1) * plane);
      const predicted = prediction.subarray(i * plane, (i + 1) * plane);
      const colour = anomalous ? (models.colour?.score(batchImage(batch, i)) ?? null) : null;
      const map = (source: MethodSource): Float32Array => (source === 'colourRarity' ? colour! : at(source in scores ? scores[source as ScoreName] : controls![source as ControlScoreName]));
      confusion.add(predicted, labels);
      byClass.add(at(scores[headline]), labels, predicted);
      const name = batch.samples[i]!.image;
      for (const m of scored) {
        methods[m.key]!.add({ scores: map(m.source), labels, prediction: predicted, name });
        pooled[m.key]!.add(map(m.source), labels);
      }
      const means = domainMeans({ dicnetKl: at(scores.dicnetKl) });
      for (const k of DOMAIN_SCORES) imageMeans[k].push(means[k]);
      for (const k of THRESHOLD_SOURCES) {
        const s = at(scores[k]);
        for (let p = 0; p < plane; p++) if (labels[p] === ANOMALY_LABEL) anomalyScores[k]!.push(s[p]!);
      }
      if (panelsLeft > 0 && labels.includes(ANOMALY_LABEL)) {
        panelsLeft--;
        writePanels(join(o.out, 'panels', `${split}-${String(images + 1).padStart(3, '0')}.png`), batch, i, {
          dicnet: { title: headlineMethod(o).name, scores: at(scores[headline]) },
          msp: at(scores.msp),
          colourRarity: colour,
          prediction: predicted,
          colours: classes.colours,
        });
      }
      images++;
    }
    progress.tick(batch.size);
  }
  progress.done();
  const pooledSummaries = Object.fromEntries(Object.entries(pooled).map(([key, p]) => [key, p.summary()]));
  return { split, source: evaluated.source, methods, pooled: pooledSummaries, confusion, seconds: (performance.now() - start) / 1000, images, inputSizes: [...inputSizes], skippedFiles: skipped, anomalyScores, imageMeans, byClass: byClass.summary() };
}

/**
 * The score above which a pixel is called anomalous: the one that flags 95% of
 * the split's anomaly pixels (pooled over images), the FPR95 operating point.
 */
export function pooledFpr95Threshold(anomalyScores: readonly number[]): number | null {
  if (anomalyScores.length === 0) return null;
  const sorted = Float64Array.from(anomalyScores).sort();
  return sorted[Math.floor(0.05 * sorted.length)]!;
}
