// Prints the WebGPU adapter Dawn finds, or exits 1 when there is none.
import { create } from 'webgpu';

const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) {
  console.error('no WebGPU adapter');
  process.exit(1);
}
const info = adapter.info;
console.log(`${info.vendor} ${info.architecture} ${info.description || info.device}`.trim());
process.exit(0);
