// WebGPU flag values, fixed by the specification. Ours, because TypeScript 7's
// DOM lib types the flags but does not declare the GPUBufferUsage / GPUMapMode /
// GPUShaderStage namespaces, and in Node those globals exist only after Dawn's
// `globals` are installed.

export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

export const MapMode = { READ: 0x0001 } as const;

export const ShaderStage = { COMPUTE: 0x4 } as const;
