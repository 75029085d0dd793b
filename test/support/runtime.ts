// A GPU runtime for the tests of one file (Dawn start-up is slow on lavapipe).
// Each test file is bundled on its own, with its own copy of the engine's
// classes, so each gets its own runtime (its errors are then instances of the
// classes the file imports). uvu runs the files one after another, so when a
// file asks for its runtime the previous file is done: its device is destroyed
// then. Left alive, some sixty lavapipe devices in the one uvu process ended
// it with SIGSEGV late in the suite. The runtimes stay referenced, since Dawn
// crashes when V8 collects its instance.
import { createNodeRuntime } from '../../src/gpu/node';
import type { GpuRuntime } from '../../src/gpu';

interface Runtimes {
  all: GpuRuntime[];
}

const runtimes = ((globalThis as unknown as Record<symbol, Runtimes | undefined>)[Symbol.for('dicnet.test.runtimes')] ??= { all: [] });
let mine: Promise<GpuRuntime> | null = null;

export function testRuntime(): Promise<GpuRuntime> {
  mine ??= (async () => {
    runtimes.all.at(-1)?.destroy();
    const rt = await createNodeRuntime();
    runtimes.all.push(rt);
    console.log(`\n  device: ${rt.describe()}`);
    process.on('beforeExit', () => rt.destroy());
    return rt;
  })();
  return mine;
}
