// TypeScript's compiler as an app runs it (`tsc -p`), from this repository's devDependency.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Runs `tsc -p project` in the project's folder; throws with tsc's output when it fails. */
export function tsc(project: string): string {
  const typescript = createRequire(join(process.cwd(), 'package.json')).resolve('typescript/package.json');
  const bin = join(dirname(typescript), (JSON.parse(readFileSync(typescript, 'utf8')) as { bin: { tsc: string } }).bin.tsc);
  try {
    return execFileSync(process.execPath, [bin, '-p', project], { cwd: dirname(project), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`tsc -p ${project} failed: ${message}\n${stdout ?? ''}${stderr ?? ''}`);
  }
}
