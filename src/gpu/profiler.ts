// GPU time per dispatch, for benchmarks (GpuRuntime.beginProfile / endProfile).
// Two ways to get it:
//   timestamps:   every dispatch runs in its own compute pass whose beginning
//                 and end write timestamps (the adapter's `timestamp-query`);
//                 resolved at each submit, read back when the profile ends.
//   synchronised: where the adapter has no timestamps. Dispatches are recorded
//                 as usual and kept (pipeline, bind group, uniforms); when the
//                 profile ends each is replayed alone, submitted and waited
//                 for, timed on the host clock less the cost of an empty
//                 submit and wait. Replays rerun kernels that update buffers in
//                 place (optimizer steps, running statistics): profile work
//                 whose results are thrown away.
// Nothing here runs unless a profile was begun.

import { BufferUsage, MapMode } from './flags';
import type { Params } from './link';
import { settle } from './wait';

export type ProfileMode = 'timestamps' | 'synchronised';

export interface DispatchTiming {
  /** The shader's name (a blocked variant's included) and the entry point. */
  shader: string;
  entryPoint: string;
  params: Params;
  workgroups: readonly [number, number, number];
  /** GPU milliseconds. */
  ms: number;
}

export interface ProfileResult {
  mode: ProfileMode;
  /** In dispatch order. */
  dispatches: DispatchTiming[];
  /** synchronised: the cost of one empty submit and wait, subtracted from every dispatch. */
  syncOverheadMs: number | null;
}

/** What the runtime hands over for each dispatch it records. */
export interface RecordedDispatch {
  shader: string;
  entryPoint: string;
  params: Params;
  workgroups: readonly [number, number, number];
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  /** Where the dispatch's uniforms sit in the runtime's uniform buffer, and their bytes. */
  uniformOffset: number;
  uniformBytes: ArrayBuffer;
}

/** Queries per query set: the WebGPU maximum. */
const querySetSize = 4096;
/** Replays per dispatch in synchronised mode; the fastest counts. */
const replays = 3;

interface Resolved {
  /** Held, like the runtime's staging buffers, until the GPU has copied from it: then destroyed with the read buffer, not left to the collector. */
  target: GPUBuffer;
  read: GPUBuffer;
  /** Indices into `recorded` of the dispatches whose two timestamps the buffer holds, in order. */
  dispatches: number[];
}

export class DispatchProfiler {
  private readonly recorded: RecordedDispatch[] = [];
  private querySet: GPUQuerySet | null = null;
  private used = 0;
  /** Dispatches with timestamps in the current query set, not yet resolved. */
  private unresolved: number[] = [];
  private readonly resolved: Resolved[] = [];
  private readonly querySets: GPUQuerySet[] = [];

  constructor(
    private readonly device: GPUDevice,
    readonly mode: ProfileMode,
    private readonly uniforms: GPUBuffer,
  ) {}

  /** timestamps: the descriptor of the next dispatch's own pass; synchronised: null (the shared pass). */
  passDescriptor(encoder: GPUCommandEncoder): GPUComputePassDescriptor | null {
    if (this.mode !== 'timestamps') return null;
    if (!this.querySet || this.used + 2 > querySetSize) {
      this.resolve(encoder);
      this.querySet = this.device.createQuerySet({ type: 'timestamp', count: querySetSize });
      this.querySets.push(this.querySet);
      this.used = 0;
    }
    const at = this.used;
    this.used += 2;
    this.unresolved.push(this.recorded.length);
    return { timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: at, endOfPassWriteIndex: at + 1 } };
  }

  dispatched(d: RecordedDispatch): void {
    this.recorded.push(d);
  }

  /** Before `encoder` is finished: copies the timestamps written so far to a buffer that can be read. */
  resolve(encoder: GPUCommandEncoder): void {
    if (!this.querySet || this.unresolved.length === 0) return;
    const first = this.used - 2 * this.unresolved.length;
    const bytes = 16 * this.unresolved.length;
    const target = this.device.createBuffer({ size: bytes, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
    const read = this.device.createBuffer({ size: bytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    encoder.resolveQuerySet(this.querySet, first, 2 * this.unresolved.length, target, 0);
    encoder.copyBufferToBuffer(target, 0, read, 0, bytes);
    this.resolved.push({ target, read, dispatches: this.unresolved });
    this.unresolved = [];
  }

  /** The timings, once the GPU has finished everything recorded (the runtime waits first). */
  async results(): Promise<ProfileResult> {
    const ms = new Float64Array(this.recorded.length);
    let syncOverheadMs: number | null = null;
    if (this.mode === 'timestamps') {
      for (const r of this.resolved) {
        await settle(r.read.mapAsync(MapMode.READ));
        const stamps = new BigUint64Array(r.read.getMappedRange());
        r.dispatches.forEach((d, i) => (ms[d] = Number(stamps[2 * i + 1]! - stamps[2 * i]!) / 1e6));
        r.read.unmap();
        r.read.destroy();
        r.target.destroy();
      }
      for (const q of this.querySets) q.destroy();
    } else {
      syncOverheadMs = await this.fastest(() => undefined);
      for (const [i, d] of this.recorded.entries()) ms[i] = Math.max(0, (await this.fastest(() => this.replay(d))) - syncOverheadMs);
    }
    const dispatches = this.recorded.map((d, i) => ({ shader: d.shader, entryPoint: d.entryPoint, params: d.params, workgroups: d.workgroups, ms: ms[i]! }));
    return { mode: this.mode, dispatches, syncOverheadMs };
  }

  private replay(d: RecordedDispatch): GPUCommandBuffer {
    this.device.queue.writeBuffer(this.uniforms, d.uniformOffset, d.uniformBytes);
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(...d.workgroups);
    pass.end();
    return encoder.finish();
  }

  /** Host milliseconds of the fastest of a few submit-and-wait rounds of what `commands` records. */
  private async fastest(commands: () => GPUCommandBuffer | undefined): Promise<number> {
    let best = Infinity;
    for (let i = 0; i < replays; i++) {
      const buffer = commands();
      const t0 = performance.now();
      this.device.queue.submit(buffer ? [buffer] : []);
      await settle(this.device.queue.onSubmittedWorkDone());
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  }
}
