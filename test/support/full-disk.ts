// A simulated full disk: node:fs's writeFileSync fails with ENOSPC for the
// paths chosen, as the kernel fails a write on a full file system. Bundled code
// imports node:fs as ES module bindings, which syncBuiltinESMExports updates.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');

/** Until the returned function is called, writes to a path `full(path)` accepts fail with ENOSPC. */
export function fullDiskFor(full: (path: string) => boolean): () => void {
  const original = fs.writeFileSync;
  fs.writeFileSync = ((path: unknown, ...rest: unknown[]) => {
    if (typeof path === 'string' && full(path)) {
      throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }
    return (original as (...args: unknown[]) => void)(path, ...rest);
  }) as typeof fs.writeFileSync;
  syncBuiltinESMExports();
  return () => {
    fs.writeFileSync = original;
    syncBuiltinESMExports();
  };
}
