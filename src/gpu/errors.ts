// Typed errors: every GPU failure reaches the caller as one of these, never as a
// hang or a silent NaN.

export class GpuError extends Error {
  override name = 'GpuError';
}

/** A WGSL module that failed to compile or a pipeline that failed to build. */
export class ShaderCompileError extends GpuError {
  override name = 'ShaderCompileError';
  constructor(
    readonly shader: string,
    readonly entryPoint: string,
    readonly line: number | null,
    readonly wgslMessage: string,
  ) {
    super(`shader ${shader} (entry ${entryPoint})${line === null ? '' : `, line ${line}`}: ${wgslMessage}`);
  }
}

/** A dispatch that does not match its shader: a uniform field, a buffer's name or slot, a workgroup-size constant. */
export class DispatchError extends GpuError {
  override name = 'DispatchError';
  constructor(
    readonly shader: string,
    readonly entryPoint: string,
    detail: string,
  ) {
    super(`shader ${shader} (entry ${entryPoint}): ${detail}`);
  }
}

export class DeviceLostError extends GpuError {
  override name = 'DeviceLostError';
  constructor(readonly reason: string, detail: string) {
    super(`the GPU device was lost (${reason})${detail ? `: ${detail}` : ''}`);
  }
}

export class OutOfMemoryError extends GpuError {
  override name = 'OutOfMemoryError';
  constructor(readonly bytes: number, readonly limit: number | null, what: string) {
    super(`out of GPU memory allocating ${what} of ${bytes} bytes${limit === null ? '' : ` (limit ${limit} bytes)`}`);
  }
}

/** A tensor larger than one storage binding may be (maxStorageBufferBindingSize). */
export class BindingSizeError extends GpuError {
  override name = 'BindingSizeError';
  constructor(readonly bytes: number, readonly limit: number, what: string) {
    super(`${what} needs a storage binding of ${bytes} bytes, over the adapter's maxStorageBufferBindingSize of ${limit} bytes`);
  }
}

/** WebGPU validation failure that is not a shader compile error. */
export class GpuValidationError extends GpuError {
  override name = 'GpuValidationError';
}
