// Runs every bundled test file (dist/test/*.test.js) in one uvu process and ends
// with the summary line CI reads: "N passed, N failed[, N skipped]".
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pattern = `(${process.argv[2] ?? ''}).*\\.test\\.js$`;
if (!existsSync('dist/test')) {
  console.error('dist/test is missing: run `npm run build` first');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const env = { ...process.env, NO_COLOR: '1' };
delete env.FORCE_COLOR;
env.XDG_RUNTIME_DIR ||= mkdtempSync(join(tmpdir(), 'xdg-'));
const child = spawn(process.execPath, ['node_modules/uvu/bin.js', 'dist/test', pattern, '--no-color'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.on('data', (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
child.on('close', (code) => {
  const count = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(out)?.[1] ?? NaN);
  const total = count('Total');
  const passed = count('Passed');
  const skipped = count('Skipped');
  if (Number.isNaN(total)) {
    console.log(`\nthe test process ended (exit ${code}) before uvu printed its summary`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const failed = total - passed;
  const summary = `${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : '');
  console.log('\n' + summary);
  process.exit(code || failed ? 1 : 0);
});
