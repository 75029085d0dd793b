// The shapes the op benchmark measures and what every system under test
// provides for one shape: launchers for each direction, and a way to read a
// result back (NCHW / OIHW / row-major) to check the systems agree.

import { conv2dOutputSize, type Conv2dGeometry } from '../src/kernels/conv2d';

export type Direction = 'forward' | 'gradInput' | 'gradWeight';
export const directions: readonly Direction[] = ['forward', 'gradInput', 'gradWeight'];

export interface ConvShape {
  group: 'reference' | 'tiny' | 'paper';
  label: string;
  g: Conv2dGeometry;
}

/** One launched result: read it back, or hand its memory back. */
export interface Output {
  read(): Promise<Float32Array>;
  release(): void;
}

/** A system prepared for one shape; a missing direction is one the system cannot compute. */
export interface PreparedOp {
  launch: Partial<Record<Direction, () => Output>>;
  dispose(): void;
}

/** x and dy NCHW, weight OIHW. */
export interface ConvInputs {
  x: Float32Array;
  weight: Float32Array;
  dy: Float32Array;
}

/** a is m x k, b is k x n, row-major. */
export interface MatmulInputs {
  m: number;
  k: number;
  n: number;
  a: Float32Array;
  b: Float32Array;
}

export interface System {
  name: string;
  conv(g: Conv2dGeometry, inputs: ConvInputs): PreparedOp;
  /** Its `forward` is C = A B. */
  matmul(inputs: MatmulInputs): PreparedOp;
  sync(): Promise<void>;
}

function conv(group: ConvShape['group'], n: number, cIn: number, cOut: number, h: number, w: number, k: number, opts: { stride?: number; dilation?: number; padding?: number } = {}): ConvShape {
  const stride = opts.stride ?? 1;
  const dilation = opts.dilation ?? 1;
  const padding = opts.padding ?? (dilation * (k - 1)) / 2;
  const g = { n, cIn, h, w, cOut, kh: k, kw: k, stride, padding, dilation };
  const extras = [stride > 1 ? `s${stride}` : '', dilation > 1 ? `d${dilation}` : '', `p${padding}`].filter(Boolean).join(' ');
  return { group, label: `N${n} C${cIn}->${cOut} ${h}x${w} ${k}x${k} ${extras}`, g };
}

/** The reference shape, a mid-network 3x3 conv (N8 C64->64 at 64x64): the first row of every run, comparable across runs and with peers. */
export const referenceShape = conv('reference', 8, 64, 64, 64, 64, 3);

export const convShapes: readonly ConvShape[] = [
  referenceShape,
  // `tiny` configuration, 96x160 input, batch 8.
  conv('tiny', 8, 3, 16, 96, 160, 3, { stride: 2 }),
  conv('tiny', 8, 32, 32, 24, 40, 3),
  conv('tiny', 8, 64, 64, 12, 20, 3, { dilation: 2 }),
  conv('tiny', 8, 64, 64, 12, 20, 3, { dilation: 4 }),
  conv('tiny', 8, 128, 32, 12, 20, 1),
  conv('tiny', 8, 96, 32, 12, 20, 3),
  // `paper` configuration at a reduced size: batch 1, 16x16 feature maps (a 128x128 image at output stride 8).
  conv('paper', 1, 256, 256, 16, 16, 3, { dilation: 2 }),
  conv('paper', 1, 1024, 256, 16, 16, 1),
  conv('paper', 1, 4096, 512, 16, 16, 3),
];

/** The 3x3 stride-1 convs of `tiny` (96x160 input) and of a 120x160 input (the real-data size: 30x40 and 15x20 maps), batch 8: where Winograd applies. */
export const winogradShapes: readonly ConvShape[] = [
  ...convShapes.filter((s) => s.group === 'tiny' && s.g.kh === 3 && s.g.stride === 1),
  conv('tiny', 8, 32, 32, 30, 40, 3),
  conv('tiny', 8, 64, 64, 15, 20, 3, { dilation: 2 }),
  conv('tiny', 8, 64, 64, 15, 20, 3, { dilation: 4 }),
  conv('tiny', 8, 96, 32, 15, 20, 3),
];

export const matmulSize = 1024;

/** Multiply-adds count two FLOPs; each gradient direction costs what the forward does. */
export function convFlop(g: Conv2dGeometry): number {
  const { ho, wo } = conv2dOutputSize(g);
  return 2 * g.n * g.cOut * ho * wo * g.cIn * g.kh * g.kw;
}

export function convInputs(g: Conv2dGeometry): ConvInputs {
  const { ho, wo } = conv2dOutputSize(g);
  return {
    x: filled(g.n * g.cIn * g.h * g.w, 1),
    weight: filled(g.cOut * g.cIn * g.kh * g.kw, 2),
    dy: filled(g.n * g.cOut * ho * wo, 3),
  };
}

export function matmulInputs(m: number, k: number, n: number): MatmulInputs {
  return { m, k, n, a: filled(m * k, 4), b: filled(k * n, 5) };
}

/** Deterministic values in [-1, 1) (no need for quality: they only feed timings and agreement checks). */
function filled(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2 ** 31 - 1;
  }
  return out;
}
