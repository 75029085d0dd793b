// What an app author needs to adopt the package: an MIT LICENSE and the
// `license` field, and, for every package whose code the shipped bundles
// contain (read from the bundles' source maps, not from the build's own list),
// its license text in the notices file the package ships.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('license');
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { license?: string; files: string[] };
const notices = 'dist/THIRD-PARTY-NOTICES.md';

test('the package is MIT-licensed: LICENSE holds the MIT text and package.json says so', () => {
  assert.is(manifest.license, 'MIT');
  const license = readFileSync('LICENSE', 'utf8');
  assert.match(license, /^MIT License\n\nCopyright \(c\) \d{4} /);
  assert.match(license, 'Permission is hereby granted, free of charge');
  assert.ok(manifest.files.includes('LICENSE'));
});

/** Packages (node_modules/name) whose files a bundle's source map lists. */
function bundledPackages(bundle: string): string[] {
  const { sources } = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
  const names = sources.flatMap((source) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1] ?? []);
  return [...new Set(names)];
}

test('each package bundled into a shipped bundle has its license text in the shipped notices', () => {
  assert.ok(manifest.files.includes(notices), `package.json "files" lacks ${notices}`);
  assert.ok(existsSync(notices), `${notices} is missing: run npm run build`);
  const text = readFileSync(notices, 'utf8');
  const bundled = ['dist/node.js', 'dist/browser.js', 'dist/bin/dicnet.js'].flatMap(bundledPackages);
  assert.ok(bundled.includes('jpeg-js'), `the command's bundle holds jpeg-js, yet its source map does not say so: ${bundled.join(', ')}`);
  for (const name of new Set(bundled)) {
    const folder = join('node_modules', name);
    const license = (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { license: string }).license;
    assert.match(text, `## ${name} `, `${notices} does not list ${name}`);
    const own = readFileSync(join(folder, 'LICENSE'), 'utf8').trim().split('\n')[0]!;
    assert.match(text, own, `${notices} lacks the license text of ${name} (${license})`);
  }
});

test.run();
