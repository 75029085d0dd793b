// The notices of the packages whose code the shipped bundles contain: BSD and
// Apache licenses ask that their copyright and license text travel with every
// copy of the code, and a bundle is such a copy. Made from esbuild's metafiles,
// so a package that starts being bundled is listed without anyone remembering to.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package folder (node_modules/name or node_modules/@scope/name) of a bundled input, or null for our own files. */
function packageFolder(input) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match ? match[1] : null;
}

/** License and notice files of a package, its own only (not those of packages nested in it). */
function noticeFiles(folder) {
  const found = [];
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile() && /^(licen[cs]e|notice|copying)/i.test(entry.name) && !path.slice(folder.length).includes('node_modules')) found.push(path);
  }
  return found.sort();
}

/** Writes `file`: each package bundled into one of `outputs` (paths as the metafiles name them), with its license texts. */
export function writeNotices(metafiles, outputs, file) {
  const folders = new Set();
  for (const metafile of metafiles) {
    for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
      if (!outputs.includes(output)) continue;
      for (const input of Object.keys(inputs)) {
        const folder = packageFolder(input);
        if (folder) folders.add(folder);
      }
    }
  }
  const sections = [...folders].sort().map((folder) => {
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    const texts = noticeFiles(folder).map((path) => `### ${path.slice(folder.length + 1)}\n\n\`\`\`\n${readFileSync(path, 'utf8').trim()}\n\`\`\``);
    if (texts.length === 0) throw new Error(`${manifest.name} is bundled into ${outputs.join(', ')} but ships no license file to reproduce`);
    return `## ${manifest.name} ${manifest.version} (${manifest.license})\n\n${texts.join('\n\n')}`;
  });
  const header = `# Third-party notices\n\ndicnet-webgpu is MIT-licensed (LICENSE). ${outputs.join(', ')} also contain code of the packages below, under their own licenses, reproduced here as those licenses ask.\n`;
  writeFileSync(file, [header, ...sections].join('\n') + '\n');
}
