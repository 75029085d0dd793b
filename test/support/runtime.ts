// One GPU runtime shared by every test file in the process (Dawn start-up is
// slow on lavapipe). It is destroyed when the process is about to exit so Dawn
// does not keep it alive.
import { createNodeRuntime } from '../../src/gpu/node';
import type { GpuRuntime } from '../../src/gpu';

let shared: Promise<GpuRuntime> | null = null;

export function testRuntime(): Promise<GpuRuntime> {
  if (!shared) {
    shared = createNodeRuntime();
    shared.then((rt) => {
      console.log(`\n  device: ${rt.describe()}`);
      process.on('beforeExit', () => rt.destroy());
    });
  }
  return shared;
}
