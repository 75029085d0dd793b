// Every import in src/, bench/ and examples/ goes down the layer table of
// docs/design.md (or stays in its own layer), and the check would see one that
// does not.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { importSpecifiers, layerViolations, parseLayerTable, type SourceFile } from './support/layers';

const test = suite('layers');
const table = parseLayerTable(readFileSync('docs/design.md', 'utf8'));

function sources(folder: string): SourceFile[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => `${folder}/${name.split('\\').join('/')}`)
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))
    .map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

test('no file in src/, bench/ or examples/ imports from a layer above its own or from a peer', () => {
  const files = [...sources('src'), ...sources('bench'), ...sources('examples')];
  assert.ok(files.length > 100, `only ${files.length} files found`);
  const problems = layerViolations(files, table);
  assert.equal(problems, [], `\n${problems.join('\n')}\n`);
});

test('the check catches an upward import, a peer import and a file outside the table', () => {
  const files: SourceFile[] = [
    { path: 'src/graph/ok.ts', text: "import type { GpuRuntime } from '../gpu';\nimport { Random } from '../base/random';\nimport source from '../../shaders/mse.wgsl';" },
    { path: 'src/graph/planted.ts', text: "// import { Teacher } from '../model/networks' in a comment is no import\nimport {\n  Tensor,\n} from './tensor';\nimport { Teacher } from '../model/networks';" },
    { path: 'src/data/peer.ts', text: "export { tiny } from '../model/config';" },
    { path: 'src/kernels/lazy.ts', text: "const m = await import('../graph/tape');" },
    { path: 'src/stray/file.ts', text: '' },
    { path: 'src/checkpoint/shaped.ts', text: "import { formatShape } from '../gpu/errors';" },
    { path: 'src/model/shaped.ts', text: "import { formatShape } from '../gpu/errors';" },
  ];
  assert.equal(layerViolations(files, table), [
    "src/graph/planted.ts (layer graph) imports '../model/networks' from layer model, above its own",
    "src/data/peer.ts (layer data) imports '../model/config' from layer model, its peer",
    "src/kernels/lazy.ts (layer kernels) imports '../graph/tape' from layer graph, above its own",
    'src/stray/file.ts is in no layer of the table',
    "src/checkpoint/shaped.ts (layer checkpoint) imports '../gpu/errors' from layer gpu, though the table says it has no GPU",
  ]);
  assert.equal(table.filter((e) => e.gpuFree).map((e) => e.layer).sort(), ['checkpoint', 'data']);
});

test('import specifiers: static, re-exports, type-only, side effects and dynamic imports; not comments or strings', () => {
  const text = [
    "import { a } from './a';",
    "import type { B } from '../b';",
    "export * as c from './c';",
    "export {\n  d,\n  type D,\n} from './d';",
    "import './e';",
    "const f = await import('./f');",
    "/* import { g } from './g'; */",
    "const message = 'no import from here';",
  ].join('\n');
  assert.equal(importSpecifiers(text).sort(), ['../b', './a', './c', './d', './e', './f']);
});

test.run();
