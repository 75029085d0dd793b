// Tensor: a shape and a pooled GPU buffer of float32 (NCHW), plus what autograd
// needs. Temporaries belong to the scope they were made in and go back to the
// pool when it ends; parameters and model buffers are persistent.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError, formatShape } from '../base/shape';
import type { Node } from './tape';
import { currentScope } from './scope';

export type Shape = readonly number[];
export type TensorKind = 'temp' | 'persistent';

export const numel = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

export class Tensor {
  grad: Tensor | null = null;
  /** The op that produced this tensor, when autograd recorded it. */
  node: Node | null = null;
  private released = false;

  constructor(
    readonly rt: GpuRuntime,
    readonly shape: Shape,
    private buf: GpuBuffer,
    public requiresGrad = false,
    readonly kind: TensorKind = 'temp',
  ) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ShapeError('tensor', `bad shape ${formatShape(shape)}`);
    }
    if (kind === 'temp') currentScope()?.track(this);
  }

  get size(): number {
    return numel(this.shape);
  }

  get buffer(): GpuBuffer {
    if (this.released) throw new Error(`tensor ${formatShape(this.shape)} was used after its scope released it`);
    return this.buf;
  }

  get isReleased(): boolean {
    return this.released;
  }

  static empty(rt: GpuRuntime, shape: Shape, kind: TensorKind = 'temp'): Tensor {
    return new Tensor(rt, shape, rt.pool.acquire(numel(shape) * 4, `a tensor of shape ${formatShape(shape)}`), false, kind);
  }

  static from(rt: GpuRuntime, data: ArrayLike<number>, shape: Shape, kind: TensorKind = 'temp'): Tensor {
    if (data.length !== numel(shape)) throw new ShapeError('tensor', `${data.length} values do not fill shape ${formatShape(shape)}`);
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    return new Tensor(rt, shape, rt.upload(f, `a tensor of shape ${formatShape(shape)}`), false, kind);
  }

  /** Replaces the contents (same size), ordered after the work already recorded. */
  write(data: ArrayLike<number>): void {
    if (data.length !== this.size) throw new ShapeError('tensor.write', `${data.length} values for shape ${formatShape(this.shape)}`);
    this.rt.write(this.buffer, data instanceof Float32Array ? data : Float32Array.from(data));
  }

  async read(): Promise<Float32Array> {
    return this.rt.readFloat32(this.buffer, this.size);
  }

  /**
   * Copies the contents into `target` (as many bytes: a view into an arena,
   * BufferPool.view), which holds them from now on; the old buffer goes back to
   * the pool. Ordered after the work already recorded.
   */
  moveTo(target: GpuBuffer): void {
    const source = this.buffer;
    if (target.bytes !== source.bytes) throw new ShapeError('tensor.moveTo', `${target.bytes} bytes for a tensor of shape ${formatShape(this.shape)} (${source.bytes} bytes)`);
    this.rt.copy(source, target, source.bytes);
    this.rt.pool.release(source);
    this.buf = target;
  }

  /** Returns the buffer to the pool. Safe with work still recorded: the GPU runs commands in order. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.rt.pool.release(this.buf);
  }
}
