// The demo's teacher and student on one GPU runtime: checkpoint loading (with a
// readable refusal of a file that does not fit, and the FPR95 thresholds the
// main job stores with the student), inference on one picture and a few
// distillation steps.

import {
  Adam,
  IGNORE_LABEL,
  Random,
  STREETHAZARDS_CLASSES,
  Student,
  Teacher,
  checkStateDict,
  createBrowserRuntime,
  decodeSafetensors,
  describedNetworks,
  readDomainReference,
  distillStep,
  keptAspectInput,
  modelInput,
  scoreBatch,
  withBaselines,
  stateSignatures,
  tiny,
  writeState,
  type Batch,
  type ClassTable,
  type DomainReference,
  type CompleteBatchScores,
  type GpuRuntime,
  type ModelConfig,
  type RgbPixels,
} from '../../src/index.browser';

export type Role = 'teacher' | 'student';

/** The score maps the page can outline, and the student metadata key of each one's pooled FPR95 threshold. */
export const thresholdKeys = { dicnetKl: 'fpr95_threshold_dicnet_kl', dicnetMse: 'fpr95_threshold_dicnet_feature_distance', msp: 'fpr95_threshold_msp' } as const;
export type OutlinedScore = keyof typeof thresholdKeys;

/** FPR95 thresholds from a student checkpoint: pixels scoring at or above one are what the model calls anomalous. */
export interface Thresholds {
  values: Partial<Record<OutlinedScore, number>>;
  /** The checkpoint they came from, and the split the main job pooled them over. */
  source: string;
  split: string | null;
}

export interface Inference {
  input: Batch;
  scores: CompleteBatchScores;
  /** Upload, both networks, the score maps and their readback. */
  milliseconds: number;
}

/** As the main job (bench/run.js): KL temperature 1, Adam at 1e-3 for the student. */
const temperature = 1;
const studentLearningRate = 1e-3;

export class DemoModels {
  /** Until a checkpoint says otherwise: the embedded scenes' networks. */
  config: ModelConfig = tiny;
  classes: ClassTable = STREETHAZARDS_CLASSES;
  teacher: Teacher;
  student: Student;
  /** Where each branch's weights came from. */
  sources: Record<Role, string>;
  /** The loaded student's thresholds; null for random weights or a checkpoint without them. */
  thresholds: Thresholds | null = null;
  /** The loaded student's domain check (how its scores run on its training domain); null without one. */
  domain: DomainReference | null = null;
  /** Distillation steps run in this page since the student was last loaded. */
  stepsInPage = 0;
  private optimizer: Adam | null = null;
  /** A student checkpoint was loaded since the optimizer was made: its state belongs to the old weights. */
  private optimizerStale = false;
  private steps = 0;
  private studentSource: string;

  private constructor(
    readonly rt: GpuRuntime,
    private readonly seed: number,
  ) {
    [this.teacher, this.student] = this.build();
    this.sources = { teacher: `random (seed ${seed})`, student: `random (seed ${seed})` };
    this.studentSource = this.sources.student;
  }

  /** Built in the main job's order from one seeded generator, so random weights match Node's. */
  private build(): [Teacher, Student] {
    const rng = new Random(this.seed);
    const teacher = new Teacher(this.rt, rng, this.config);
    const student = new Student(this.rt, rng, this.config);
    teacher.eval().freeze();
    student.eval();
    return [teacher, student];
  }

  /** Networks for another dataset's classes or input size: both branches start again from random weights. */
  private reshape(config: ModelConfig, classes: ClassTable): void {
    this.config = config;
    this.classes = classes;
    [this.teacher, this.student] = this.build();
    this.sources = { teacher: `random (seed ${this.seed})`, student: `random (seed ${this.seed})` };
    this.studentSource = this.sources.student;
    // The old student is gone: its parameters live in its optimizer's arenas, which go with them.
    this.optimizer?.release();
    this.optimizer = null;
    this.thresholds = null;
    this.domain = null;
  }

  /** Whether a branch still has its random initial weights (no checkpoint loaded into it). */
  isRandom(role: Role): boolean {
    return role === 'teacher' ? this.sources.teacher.startsWith('random') : this.studentSource.startsWith('random');
  }

  static async create(featureLevel: 'core' | 'compatibility', seed = 1): Promise<DemoModels> {
    return new DemoModels(await createBrowserRuntime({ featureLevel }), seed);
  }

  /**
   * Loads a safetensors file into the branch it names (a file name with "teacher"
   * or "student"), else into the branch whose tensors it matches. Throws
   * CheckpointError listing what does not match; nothing is loaded then.
   */
  load(bytes: Uint8Array, source: string): Role {
    const { tensors, metadata } = decodeSafetensors(bytes, source);
    if (metadata?.config && metadata.config !== this.config.name) {
      throw new Error(`${source}: a checkpoint of the "${metadata.config}" configuration; this page runs "${this.config.name}" (input ${this.config.inputWidth}x${this.config.inputHeight})`);
    }
    if (metadata?.config) {
      const { config, classes } = describedNetworks(metadata, source, STREETHAZARDS_CLASSES);
      const same = config.numClasses === this.config.numClasses && config.inputHeight === this.config.inputHeight && config.inputWidth === this.config.inputWidth && classes.names.join() === this.classes.names.join();
      if (!same) this.reshape(config, classes);
    }
    const role = roleByName(source) ?? (fits(this.teacher, tensors, source) ? 'teacher' : 'student');
    writeState(this[role], tensors, source);
    this.sources[role] = source;
    if (role === 'student') {
      this.optimizerStale = true;
      this.studentSource = source;
      this.stepsInPage = 0;
      this.thresholds = readThresholds(metadata, source);
      this.domain = readDomainReference(metadata);
    }
    return role;
  }

  async infer(picture: RgbPixels): Promise<Inference> {
    const input = keptAspectInput(picture, { height: this.config.inputHeight, width: this.config.inputWidth });
    const start = performance.now();
    const scores = withBaselines(await scoreBatch(this.teacher, this.student, input, temperature));
    return { input, scores, milliseconds: performance.now() - start };
  }

  /** One distillation step of the student on a batch of pictures; the loss. */
  async distill(pictures: readonly RgbPixels[]): Promise<number> {
    const { inputHeight: h, inputWidth: w } = this.config;
    const images = new Float32Array(pictures.length * 3 * h * w);
    pictures.forEach((p, i) => images.set(modelInput(p, h, w).images, i * 3 * h * w));
    const batch = { images, labels: new Int32Array(pictures.length * h * w).fill(IGNORE_LABEL), size: pictures.length, height: h, width: w };
    if (!this.optimizer || this.optimizerStale) {
      // A new optimizer moves the parameters into arenas of its own: only then may the old one's be returned.
      const old = this.optimizer;
      this.optimizer = new Adam(this.student.namedParameters().map(([name, param]) => ({ name, param })), studentLearningRate, { weightDecay: 1e-5 });
      old?.release();
      this.optimizerStale = false;
    }
    this.student.train();
    try {
      const loss = await distillStep(this.teacher, this.student, this.optimizer, batch, this.steps++, 'kl', temperature);
      this.stepsInPage++;
      this.sources.student = `${this.studentSource}, then distilled ${this.stepsInPage} step${this.stepsInPage === 1 ? '' : 's'} in this page`;
      return loss;
    } finally {
      this.student.eval();
    }
  }
}

function readThresholds(metadata: Record<string, string> | undefined, source: string): Thresholds | null {
  const values: Thresholds['values'] = {};
  for (const [score, key] of Object.entries(thresholdKeys) as [OutlinedScore, string][]) {
    const text = metadata?.[key]?.trim();
    const value = text ? Number(text) : NaN;
    if (Number.isFinite(value)) values[score] = value;
  }
  return Object.keys(values).length ? { values, source, split: metadata?.fpr95_threshold_split ?? null } : null;
}

function roleByName(source: string): Role | null {
  const name = source.toLowerCase();
  if (name.includes('teacher')) return 'teacher';
  if (name.includes('student')) return 'student';
  return null;
}

function fits(module: Teacher | Student, tensors: Parameters<typeof checkStateDict>[1], source: string): boolean {
  try {
    checkStateDict(stateSignatures(module), tensors, source);
    return true;
  } catch {
    return false;
  }
}
