// One GPU runtime shared by every test file in the process (Dawn start-up is
// slow on lavapipe). Each test file is bundled on its own, so the runtime is
// kept on globalThis: a runtime per file left some sixty Dawn instances alive in
// the one uvu process, and the process crashed (SIGSEGV) once there were
// enough of them. It is destroyed when the process is about to exit so Dawn
// does not keep it alive.
import { createNodeRuntime } from '../../src/gpu/node';
import type { GpuRuntime } from '../../src/gpu';

const key = Symbol.for('dicnet.test.runtime');

export function testRuntime(): Promise<GpuRuntime> {
  const store = globalThis as unknown as Record<symbol, Promise<GpuRuntime> | undefined>;
  if (!store[key]) {
    store[key] = createNodeRuntime();
    store[key].then((rt) => {
      console.log(`\n  device: ${rt.describe()}`);
      process.on('beforeExit', () => rt.destroy());
    });
  }
  return store[key];
}
