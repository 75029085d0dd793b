// Types of the `webgpu` npm package (Dawn for Node). Its own types.d.ts pulls in
// @webgpu/types, which clashes with the WebGPU types TypeScript 7 already has in
// its DOM lib; we use TypeScript's.
export declare function create(options: string[]): GPU;
export declare const globals: Record<string, unknown>;
