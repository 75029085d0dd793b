// The product's entry points live outside bench/ (which holds the benchmarks
// and the main job's script): the `dicnet` command is bin/dicnet.js, launching
// dist/bin/dicnet.js built from src/bin/dicnet.ts, and the package ships
// nothing of bench/. (test/package.test.ts packs the package and looks in the tarball.)
import { existsSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('package files');
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string>; files: string[] };

test('the dicnet command is bin/ and dist/bin/, and the package lists nothing of bench/', () => {
  assert.equal(manifest.bin, { dicnet: 'bin/dicnet.js' });
  const launcher = readFileSync('bin/dicnet.js', 'utf8');
  assert.not.match(launcher, 'bench/', 'bin/dicnet.js reaches into bench/');
  assert.match(launcher, "launch('bin/dicnet')");
  assert.ok(existsSync('src/bin/dicnet.ts') && existsSync('dist/bin/dicnet.js'));
  assert.equal(manifest.files.filter((f) => /^(dist\/)?bench\//.test(f)), []);
  assert.ok(manifest.files.includes('dist/bin/dicnet.js'));
});

test.run();
