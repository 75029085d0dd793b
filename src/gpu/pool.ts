// Storage buffers pooled by size class. Intermediates go back to the pool when a
// step's scope ends, so a long run reaches a steady state with no new
// allocations after its first steps.

import { BindingSizeError, OutOfMemoryError } from './errors';
import { BufferUsage } from './flags';

export interface GpuBuffer {
  readonly buffer: GPUBuffer;
  /** Bytes the holder asked for; the binding size. */
  readonly bytes: number;
  /** Bytes actually allocated (the size class). */
  readonly capacity: number;
  /** Unique, for caches keyed by buffer identity. */
  readonly id: number;
  /** A view's first byte in its arena's buffer (BufferPool.view); absent where the buffer is the holder's own. */
  readonly offset?: number;
}

export interface PoolStats {
  bytesInUse: number;
  peakBytesInUse: number;
  bytesAllocated: number;
  buffersAllocated: number;
}

const minBytes = 256;

/** Size classes: powers of two split in four steps, so waste stays under 25%. */
export function sizeClass(bytes: number): number {
  const b = Math.max(minBytes, bytes);
  const pow = 2 ** Math.floor(Math.log2(b));
  const step = pow / 4;
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private nextId = 1;
  private inUse = 0;
  private peak = 0;
  private allocated = 0;
  private count = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBinding: number,
    private readonly maxBuffer: number,
    private readonly onAllocationError: (promise: Promise<GPUError | null>, bytes: number, what: string) => void,
  ) {}

  acquire(bytes: number, what = 'a tensor'): GpuBuffer {
    if (bytes > this.maxBinding) throw new BindingSizeError(bytes, this.maxBinding, what);
    const capacity = sizeClass(bytes);
    if (capacity > this.maxBuffer) throw new OutOfMemoryError(capacity, this.maxBuffer, what);
    let buffer = this.free.get(capacity)?.pop();
    if (!buffer) {
      this.device.pushErrorScope('out-of-memory');
      buffer = this.device.createBuffer({
        size: capacity,
        usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
      });
      this.onAllocationError(this.device.popErrorScope(), capacity, what);
      this.allocated += capacity;
      this.count++;
    }
    this.inUse += capacity;
    this.peak = Math.max(this.peak, this.inUse);
    return { buffer, bytes: Math.max(4, Math.ceil(bytes / 4) * 4), capacity, id: this.nextId++ };
  }

  /**
   * `bytes` of `arena` from `offset` on (a multiple of the adapter's
   * minStorageBufferOffsetAlignment, so that it can be bound), as a buffer of
   * its own to kernels, copies and readbacks: what lets one launch reach many
   * tensors. Its memory stays the arena's: releasing a view does nothing.
   */
  view(arena: GpuBuffer, offset: number, bytes: number): GpuBuffer {
    if (offset < 0 || offset + bytes > arena.bytes) throw new RangeError(`a view of bytes ${offset}..${offset + bytes} of a ${arena.bytes}-byte arena`);
    return { buffer: arena.buffer, bytes, capacity: 0, id: this.nextId++, offset: (arena.offset ?? 0) + offset };
  }

  release(b: GpuBuffer): void {
    if (b.offset !== undefined) return;
    this.inUse -= b.capacity;
    let list = this.free.get(b.capacity);
    if (!list) this.free.set(b.capacity, (list = []));
    list.push(b.buffer);
  }

  /** Frees the GPU memory of every buffer not in use. */
  trim(): void {
    for (const [capacity, list] of this.free) {
      for (const buffer of list) {
        buffer.destroy();
        this.allocated -= capacity;
        this.count--;
      }
    }
    this.free.clear();
  }

  stats(): PoolStats {
    return { bytesInUse: this.inUse, peakBytesInUse: this.peak, bytesAllocated: this.allocated, buffersAllocated: this.count };
  }

  resetPeak(): void {
    this.peak = this.inUse;
  }
}
