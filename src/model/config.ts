import { CLASS_TABLE_KEY, classTableFromJson, type ClassTable } from '../base/labels';

// Model configurations. `tiny` trains on the embedded data in minutes on a CPU
// through a software Vulkan driver; `paper` is DiCNet as published
// (ResNet-50-dilated teacher, ResNet-34-dilated student, 2048-channel PPM),
// numerically the reference's own modules (zhouhuan-hust/DiCNet), so that its
// published checkpoints run unchanged. `tiny` keeps three choices of its own,
// made before the reference was read closely and kept so that its tuned runs
// stay as they were: a 7x7 stem padded by 3, a teacher feature without the batch
// norm's weight and bias, and score maps upsampled with align_corners=false;
// and adds a fourth: a skip from layer1 into the teacher's classifier head
// (docs/experiments.md: +2.5-3 points of mIoU for 22% more work per image).

export interface EncoderConfig {
  block: 'basic' | 'bottleneck';
  /** deep: three 3x3 convs (the teacher's, as the reference's ResNet-50); single: one 7x7 conv, stride 2. */
  stem: 'deep' | 'single';
  /** Padding of the stem's convs. The reference pads its 7x7 conv by 1 (`conv7x7`), not 3. */
  stemPadding: number;
  stemChannels: number[];
  /** Blocks in layer1..layer4. */
  layers: [number, number, number, number];
  /** Planes of layer1..layer4 (outputs are planes x 4 for bottleneck blocks). */
  planes: [number, number, number, number];
}

export interface NetworkConfig {
  encoder: EncoderConfig;
  /** Channels of each pyramid pooling branch. */
  ppmChannels: number;
  /** Channels of the decoder's last 3x3 conv: the feature compared between the branches. */
  featureChannels: number;
}

export interface ModelConfig {
  name: 'tiny' | 'paper';
  inputHeight: number;
  inputWidth: number;
  numClasses: number;
  poolScales: number[];
  teacher: NetworkConfig;
  student: NetworkConfig;
  /**
   * The teacher feature: the last 3x3 conv through its batch norm with running
   * statistics. `batchNorm`: with the norm's weight and bias, as the reference
   * runs it (it sets `affine = False` after construction, which PyTorch's forward
   * ignores); `standardised`: without them (the paper's description).
   */
  teacherFeature: 'batchNorm' | 'standardised';
  /** Whether DiCNet's score maps are upsampled with align_corners (the reference's evaluation: true). */
  scoreAlignCorners: boolean;
  /** Channels of the teacher head's skip from layer1 (0: none, as published). */
  teacherHeadSkip: number;
  /**
   * What the student is. `random`: the configuration's own student, from
   * random weights (as published). `teacher`: the teacher's layers without its
   * classifier, its feature through the teacher's frozen feature norm, started
   * from the trained teacher's weights, so that it disagrees with the teacher
   * mainly where outlier exposure teaches it to (how far that holds on other
   * streets: docs/experiments.md).
   */
  studentStart: StudentStart;
}

export const STUDENT_STARTS = ['random', 'teacher'] as const;
export type StudentStart = (typeof STUDENT_STARTS)[number];

export const tiny: ModelConfig = {
  name: 'tiny',
  inputHeight: 96,
  inputWidth: 160,
  numClasses: 13,
  poolScales: [1, 2, 3, 6],
  teacher: {
    encoder: { block: 'basic', stem: 'deep', stemPadding: 1, stemChannels: [16, 16, 32], layers: [1, 1, 1, 1], planes: [32, 48, 64, 96] },
    ppmChannels: 24,
    featureChannels: 48,
  },
  // Smaller than the teacher by its stem (one 7x7 conv instead of three 3x3)
  // and the missing classifier. A student of planes 16..64 also learned, but
  // left DiCNet's FPR95 and cFPR above MSP's (tuning runs of 2026-11-25).
  student: {
    encoder: { block: 'basic', stem: 'single', stemPadding: 3, stemChannels: [16], layers: [1, 1, 1, 1], planes: [32, 48, 64, 96] },
    ppmChannels: 24,
    featureChannels: 48,
  },
  teacherFeature: 'standardised',
  scoreAlignCorners: false,
  teacherHeadSkip: 16,
  studentStart: 'random',
};

export const paper: ModelConfig = {
  name: 'paper',
  inputHeight: 512,
  inputWidth: 896,
  numClasses: 13,
  poolScales: [1, 2, 3, 6],
  teacher: {
    encoder: { block: 'bottleneck', stem: 'deep', stemPadding: 1, stemChannels: [64, 64, 128], layers: [3, 4, 6, 3], planes: [64, 128, 256, 512] },
    ppmChannels: 512,
    featureChannels: 512,
  },
  student: {
    encoder: { block: 'basic', stem: 'single', stemPadding: 1, stemChannels: [64], layers: [3, 4, 6, 3], planes: [64, 128, 256, 512] },
    ppmChannels: 512,
    featureChannels: 512,
  },
  teacherFeature: 'batchNorm',
  scoreAlignCorners: true,
  teacherHeadSkip: 0,
  studentStart: 'random',
};

export const configs = { tiny, paper } as const;

/** What a run sets of a configuration: its dataset's class count, the input size it trains at, and what its student is (default random). */
export interface RunShape {
  numClasses: number;
  inputHeight: number;
  inputWidth: number;
  studentStart?: StudentStart;
}

/** A configuration with the class count, input size and student start of a run; the networks' layers are the configuration's. */
export function shapedConfig(name: ModelConfig['name'], shape: RunShape): ModelConfig {
  const { studentStart = 'random', ...sizes } = shape;
  for (const [key, value] of Object.entries(sizes)) {
    if (!Number.isInteger(value) || value < 2) throw new RangeError(`${key} must be a whole number >= 2, got ${value}`);
  }
  if (!STUDENT_STARTS.includes(studentStart)) throw new RangeError(`studentStart must be one of ${STUDENT_STARTS.join(', ')}, got ${String(studentStart)}`);
  return { ...configs[name], ...sizes, studentStart };
}

/** The checkpoint metadata key that says what the student is; checkpoints without it hold a random-start student. */
export const STUDENT_START_KEY = 'student_start';

/**
 * The networks a checkpoint's metadata describes: its configuration at its input
 * size, for its class table. `fallback` is the table of checkpoints written before
 * tables travelled with them. Throws an Error naming `source` and what is wrong.
 */
export function describedNetworks(metadata: Readonly<Record<string, string>>, source: string, fallback: ClassTable): { config: ModelConfig; classes: ClassTable } {
  const name = metadata.config ?? '';
  if (!Object.hasOwn(configs, name)) throw new Error(`${source}: the metadata names no known configuration (config: ${metadata.config ?? 'missing'})`);
  const base = configs[name as ModelConfig['name']];
  const classes = metadata[CLASS_TABLE_KEY] === undefined ? fallback : classTableFromJson(metadata[CLASS_TABLE_KEY], source);
  const size = (key: string, otherwise: number) => (metadata[key] === undefined ? otherwise : Number(metadata[key]));
  try {
    const studentStart = metadata[STUDENT_START_KEY] ?? 'random';
    if (!(STUDENT_STARTS as readonly string[]).includes(studentStart)) throw new Error(`the metadata's ${STUDENT_START_KEY} is "${studentStart}", not one of ${STUDENT_STARTS.join(', ')}`);
    return { classes, config: shapedConfig(base.name, { numClasses: classes.names.length, inputHeight: size('input_height', base.inputHeight), inputWidth: size('input_width', base.inputWidth), studentStart: studentStart as StudentStart }) };
  } catch (error) {
    throw new Error(`${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
