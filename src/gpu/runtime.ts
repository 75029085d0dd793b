// The GPU runtime: one device, its buffer pool and pipeline cache, and the one
// command encoder that a step's kernels are recorded into. Nothing here waits on
// the GPU except sync() and the readbacks, which sleep instead of spinning.

import { DeviceLostError, GpuValidationError, OutOfMemoryError, ShaderCompileError, GpuError } from './errors';
import { BufferUsage, MapMode, ShaderStage } from './flags';
import { checkBuffers, checkWorkgroupSize, entryPointOf, writeParams, type Buffers, type Params } from './link';
import { BufferPool, type GpuBuffer, type PoolStats } from './pool';
import { DispatchProfiler, type ProfileMode, type ProfileResult, type RecordedDispatch } from './profiler';
import { paramConstants, specialised, type Constants, type Shader } from './shader';
import { settle } from './wait';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation such as lavapipe or SwiftShader. */
  software: boolean;
}

export interface DispatchArgs {
  /** Read-only storage buffers by WGSL name, bound from slot 1 in key order. */
  reads?: Buffers;
  /** Read-write storage buffers by WGSL name, bound after the reads in key order. */
  writes: Buffers;
  /** The uniforms: every field of struct Params the entry point reads. */
  params?: Params;
  workgroups: readonly [number, number?, number?];
  /** Override constants; those in the entry point's @workgroup_size are required. */
  constants?: Constants;
  /**
   * Compile the uniforms in as constants (src/gpu/shader.ts specialised()): one
   * pipeline per distinct set of values, for launches whose uniforms are shapes.
   */
  specialise?: boolean;
}

const uniformSlot = 256;
const uniformSlots = 4096;
/** Bind groups kept, at most; past that the cache starts over. */
const maxBindGroups = 8192;
const maxParams = uniformSlot / 4;

export class GpuRuntime {
  readonly pool: BufferPool;
  readonly limits: GPUSupportedLimits;
  readonly adapter: AdapterSummary;
  readonly hasF16: boolean;
  readonly hasTimestamps: boolean;

  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly uniforms: GPUBuffer;
  private readonly uniformData = new ArrayBuffer(uniformSlot * uniformSlots);
  private readonly uniformView = new DataView(this.uniformData);
  private uniformCount = 0;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly pending: Promise<GpuError | null>[] = [];
  private transient: GPUBuffer[] = [];
  private lostError: DeviceLostError | null = null;
  private destroyed = false;
  private profiler: DispatchProfiler | null = null;
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly bufferSerials = new WeakMap<GPUBuffer, number>();
  private nextSerial = 1;
  /** Per buffer, the tick of the last recorded write to any part of it (contentVersion). */
  private readonly lastWrites = new WeakMap<GPUBuffer, number>();
  private writeTick = 0;
  dispatchCount = 0;

  constructor(
    readonly device: GPUDevice,
    adapterInfo: GPUAdapterInfo,
    /** Dawn's Node object (from `create()`): if V8 collects it while the device lives, Dawn crashes in its event processing, so the runtime holds it. */
    readonly owner: unknown = null,
  ) {
    this.limits = device.limits;
    const description = adapterInfo.description || adapterInfo.device || '';
    this.adapter = {
      vendor: adapterInfo.vendor,
      architecture: adapterInfo.architecture,
      device: adapterInfo.device,
      description,
      software: /llvmpipe|lavapipe|swiftshader|software|cpu/i.test(`${adapterInfo.architecture} ${description} ${adapterInfo.vendor}`),
    };
    this.hasF16 = device.features.has('shader-f16');
    this.hasTimestamps = device.features.has('timestamp-query');
    this.pool = new BufferPool(device, this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize, (p, bytes, what) =>
      this.pending.push(p.then((e) => (e ? new OutOfMemoryError(bytes, null, `${what}: ${e.message}`) : null))),
    );
    this.uniforms = device.createBuffer({ size: this.uniformData.byteLength, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
    device.lost.then((info) => {
      if (!this.destroyed) this.lostError = new DeviceLostError(info.reason, info.message);
    });
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      const typed = error.constructor?.name === 'GPUOutOfMemoryError' ? new OutOfMemoryError(0, null, `a GPU object: ${error.message}`) : new GpuValidationError(error.message);
      this.pending.push(Promise.resolve(typed));
    });
  }

  /** One line naming the adapter, printed with every benchmark figure. */
  describe(): string {
    const a = this.adapter;
    return `${a.vendor} ${a.architecture} ${a.description}`.replace(/\s+/g, ' ').trim();
  }

  /**
   * Changes whenever work that writes the buffer is recorded (a dispatch
   * binding it as a write, write(), copy() into it), so an unchanged value
   * means unchanged contents; a view shares its arena's. src/gpu/derived.ts
   * keeps what is computed from buffers while theirs hold.
   */
  contentVersion(b: GpuBuffer): number {
    return this.lastWrites.get(b.buffer) ?? 0;
  }

  private written(b: GpuBuffer): void {
    this.lastWrites.set(b.buffer, ++this.writeTick);
  }

  /** Throws the device-lost error if the device is gone. */
  checkAlive(): void {
    if (this.lostError) throw this.lostError;
    if (this.destroyed) throw new DeviceLostError('destroyed', 'the runtime was destroyed');
  }

  pipeline(shader: Shader, entryPoint: string, layout: string, constants: Constants = {}): GPUComputePipeline {
    const key = `${shader.name}|${entryPoint}|${layout}|${JSON.stringify(constants)}`;
    let pipeline = this.pipelines.get(key);
    if (pipeline) return pipeline;
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: shader.name, code: shader.code });
    pipeline = this.device.createComputePipeline({
      label: `${shader.name}:${entryPoint}`,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [this.bindGroupLayout(layout)] }),
      compute: { module, entryPoint, constants },
    });
    this.pending.push(
      this.device.popErrorScope().then(async (error) => (error ? compileError(shader, entryPoint, module, error.message, constants) : null)),
    );
    this.pipelines.set(key, pipeline);
    return pipeline;
  }

  /** Builds a pipeline and waits for its compilation result; throws ShaderCompileError. */
  async compile(shader: Shader, entryPoint: string, layout: string, constants: Constants = {}): Promise<void> {
    this.pipeline(shader, entryPoint, layout, constants);
    await this.throwPending();
  }

  /** Records one kernel launch into the current encoder, after checking it against the shader's declarations. */
  dispatch(generic: Shader, entryPoint: string, args: DispatchArgs): void {
    this.checkAlive();
    const shader = args.specialise ? specialised(generic) : generic;
    const entry = entryPointOf(shader, entryPoint);
    const reads = args.reads ?? {};
    const constants = args.specialise ? { ...args.constants, ...paramConstants(generic, args.params ?? {}) } : (args.constants ?? {});
    checkWorkgroupSize(shader, entryPoint, entry, constants);
    const layout = checkBuffers(shader, entryPoint, entry, reads, args.writes);
    if (shader.declared.params.length > maxParams) throw new GpuError(`shader ${shader.name}: struct Params has ${shader.declared.params.length} fields, at most ${maxParams}`);
    const pipeline = this.pipeline(shader, entryPoint, layout, constants);
    if (this.uniformCount === uniformSlots) this.submit();
    const offset = this.uniformCount * uniformSlot;
    writeParams(this.uniformView, offset, shader, entryPoint, entry, args.params ?? {});
    this.uniformCount++;
    const bindGroup = this.bindGroup(layout, offset, [...Object.values(reads), ...Object.values(args.writes)]);
    const [x, y = 1, z = 1] = args.workgroups;
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) throw new GpuError(`${shader.name}:${entryPoint}: dispatch ${x}x${y}x${z} exceeds ${max} workgroups per dimension`);
    this.dispatchCount++;
    for (const b of Object.values(args.writes)) this.written(b);
    if (x === 0 || y === 0 || z === 0) return;
    if (this.profiler) {
      this.profiledDispatch(this.profiler, { shader: shader.name, entryPoint, params: args.params ?? {}, workgroups: [x, y, z], pipeline, bindGroup, uniformOffset: offset, uniformBytes: this.uniformData.slice(offset, offset + uniformSlot) });
      return;
    }
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
  }

  /**
   * Starts timing every dispatch, for benchmarks: with timestamp queries where
   * the adapter has them, else by replaying each dispatch alone when the
   * profile ends (src/gpu/profiler.ts).
   */
  beginProfile(mode: ProfileMode = this.hasTimestamps ? 'timestamps' : 'synchronised'): void {
    if (this.profiler) throw new GpuError('a profile is already running');
    if (mode === 'timestamps' && !this.hasTimestamps) throw new GpuError('this adapter has no timestamp queries');
    this.submit();
    this.profiler = new DispatchProfiler(this.device, mode, this.uniforms);
  }

  /** Waits for the GPU and returns the time of every dispatch since beginProfile. */
  async endProfile(): Promise<ProfileResult> {
    const profiler = this.profiler;
    if (!profiler) throw new GpuError('no profile is running');
    await this.sync();
    this.profiler = null;
    return profiler.results();
  }

  private profiledDispatch(profiler: DispatchProfiler, d: RecordedDispatch): void {
    const descriptor = profiler.passDescriptor(this.commandEncoder());
    if (descriptor) this.endPass();
    const pass = descriptor ? this.commandEncoder().beginComputePass(descriptor) : this.computePass();
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(...d.workgroups);
    if (descriptor) pass.end();
    profiler.dispatched(d);
  }

  /** Copies data into a new pooled buffer, ordered after the work already recorded. */
  upload(data: Float32Array | Int32Array | Uint32Array, what = 'an upload'): GpuBuffer {
    const target = this.pool.acquire(data.byteLength, what);
    this.write(target, data);
    return target;
  }

  /** Writes into a buffer, ordered after the work already recorded (unlike queue.writeBuffer). */
  write(target: GpuBuffer, data: Float32Array | Int32Array | Uint32Array, byteOffset = 0): void {
    this.checkAlive();
    if (data.byteLength === 0) return;
    const size = Math.ceil(data.byteLength / 4) * 4;
    const staging = this.device.createBuffer({ size, usage: BufferUsage.COPY_SRC, mappedAtCreation: true });
    new Uint8Array(staging.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    staging.unmap();
    this.transient.push(staging);
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(staging, 0, target.buffer, (target.offset ?? 0) + byteOffset, size);
    this.written(target);
  }

  copy(source: GpuBuffer, target: GpuBuffer, bytes: number, sourceOffset = 0, targetOffset = 0): void {
    this.checkAlive();
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(source.buffer, (source.offset ?? 0) + sourceOffset, target.buffer, (target.offset ?? 0) + targetOffset, bytes);
    this.written(target);
  }

  /** Submits what was recorded. Does not wait. */
  submit(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.uniformCount > 0) this.device.queue.writeBuffer(this.uniforms, 0, this.uniformData, 0, this.uniformCount * uniformSlot);
    this.profiler?.resolve(this.encoder);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.uniformCount = 0;
    for (const b of this.transient) b.destroy();
    this.transient = [];
  }

  /** Submits and waits until the GPU is idle; throws any error the GPU reported. */
  async sync(): Promise<void> {
    this.submit();
    await settle(this.device.queue.onSubmittedWorkDone());
    await this.throwPending();
  }

  /** Reads several buffers back with one submit and one wait. */
  async readMany(buffers: readonly { buffer: GpuBuffer; bytes?: number }[]): Promise<ArrayBuffer[]> {
    this.checkAlive();
    const sizes = buffers.map((b) => Math.ceil((b.bytes ?? b.buffer.bytes) / 4) * 4);
    const offsets: number[] = [];
    let total = 0;
    for (const s of sizes) {
      offsets.push(total);
      total += Math.ceil(s / 256) * 256;
    }
    const staging = this.device.createBuffer({ size: Math.max(4, total), usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    this.endPass();
    const encoder = this.commandEncoder();
    buffers.forEach((b, i) => encoder.copyBufferToBuffer(b.buffer.buffer, b.buffer.offset ?? 0, staging, offsets[i]!, sizes[i]!));
    this.submit();
    try {
      await settle(staging.mapAsync(MapMode.READ));
    } catch (error) {
      await this.throwPending();
      this.checkAlive();
      throw error;
    }
    const mapped = staging.getMappedRange();
    const out = buffers.map((_, i) => mapped.slice(offsets[i]!, offsets[i]! + sizes[i]!));
    staging.unmap();
    staging.destroy();
    await this.throwPending();
    return out;
  }

  async readFloat32(buffer: GpuBuffer, count?: number): Promise<Float32Array> {
    const [data] = await this.readMany([{ buffer, bytes: count === undefined ? undefined : count * 4 }]);
    return new Float32Array(data!, 0, count ?? buffer.bytes / 4);
  }

  stats(): PoolStats & { pipelines: number } {
    return { ...this.pool.stats(), pipelines: this.pipelines.size };
  }

  /** Destroys the device so the process can exit; the runtime is unusable after. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.encoder = null;
    this.pass = null;
    this.bindGroups.clear();
    this.pool.trim();
    this.device.destroy();
  }

  private async throwPending(): Promise<void> {
    const errors = await Promise.all(this.pending.splice(0));
    const first = errors.find((e) => e !== null);
    if (first) throw first;
    this.checkAlive();
  }

  private commandEncoder(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private computePass(): GPUComputePassEncoder {
    return (this.pass ??= this.commandEncoder().beginComputePass());
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /**
   * The bind group of a dispatch, cached by layout, uniform slot and buffers: a
   * training step gets the same pooled buffers and slots every step, so its
   * bind groups repeat (creating them took a third of recording on lavapipe).
   * The pool destroys buffers only when the runtime is destroyed.
   */
  private bindGroup(layout: string, offset: number, buffers: readonly GpuBuffer[]): GPUBindGroup {
    let key = `${layout}|${offset}`;
    for (const b of buffers) key += `|${this.serial(b.buffer)}:${b.offset ?? 0}:${b.bytes}`;
    let group = this.bindGroups.get(key);
    if (group) return group;
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.uniforms, offset, size: uniformSlot } }];
    buffers.forEach((b, i) => entries.push({ binding: i + 1, resource: { buffer: b.buffer, offset: b.offset ?? 0, size: b.bytes } }));
    group = this.device.createBindGroup({ layout: this.bindGroupLayout(layout), entries });
    if (this.bindGroups.size >= maxBindGroups) this.bindGroups.clear();
    this.bindGroups.set(key, group);
    return group;
  }

  private serial(buffer: GPUBuffer): number {
    let n = this.bufferSerials.get(buffer);
    if (n === undefined) this.bufferSerials.set(buffer, (n = this.nextSerial++));
    return n;
  }

  private bindGroupLayout(layout: string): GPUBindGroupLayout {
    let l = this.layouts.get(layout);
    if (l) return l;
    const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: ShaderStage.COMPUTE, buffer: { type: 'uniform' } }];
    [...layout].forEach((kind, i) =>
      entries.push({ binding: i + 1, visibility: ShaderStage.COMPUTE, buffer: { type: kind === 'r' ? 'read-only-storage' : 'storage' } }),
    );
    l = this.device.createBindGroupLayout({ entries });
    this.layouts.set(layout, l);
    return l;
  }
}

async function compileError(shader: Shader, entryPoint: string, module: GPUShaderModule, fallback: string, constants: Constants): Promise<ShaderCompileError> {
  const info = await module.getCompilationInfo();
  const error = info.messages.find((m) => m.type === 'error');
  if (error) {
    const line = error.lineNum - shader.headerLines;
    if (line > 0) return new ShaderCompileError(shader.name, entryPoint, line, error.message);
    return new ShaderCompileError(shader.name, entryPoint, null, `in the header (enable directives, shaders/prelude.wgsl, the generated storage declarations), line ${error.lineNum} of the compiled code: ${error.message}`);
  }
  // The module compiled but the pipeline did not: its specialisation is at fault; point at the entry point.
  const at = new RegExp(`\\bfn\\s+${entryPoint}\\s*\\(`).exec(shader.source)?.index;
  const line = at === undefined ? null : shader.source.slice(0, at).split('\n').length;
  return new ShaderCompileError(shader.name, entryPoint, line, `with constants ${JSON.stringify(constants)}: ${fallback}`);
}
