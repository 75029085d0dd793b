// The shared-memory matrix product is written once (shaders/tiled-product.wgsl)
// and written out per direction around each direction's read and write
// functions: no other shader holds a tiled loop of its own, and the expansion
// names each entry point and its functions. (test/conv2d.test.ts and
// test/matmul.test.ts run the expanded entry points against the references.)
import { readdirSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tiledEntryPoints } from '../src/kernels/tiled-entry-points';

const test = suite('the tiled product template');

test('only shaders/tiled-product.wgsl fills shared-memory tiles', () => {
  const tiling = readdirSync('shaders').filter((f) => /var<workgroup> tile|workgroupBarrier\(\);\s*\n\s*acc \+=/.test(readFileSync(`shaders/${f}`, 'utf8')));
  assert.equal(tiling, ['tiled-product.wgsl']);
});

test('one entry point per direction, each with its own depth and functions, the tiles declared once', () => {
  const code = tiledEntryPoints({
    one: { depth: 'p.k', readA: 'readOneA(', readB: 'readOneB(', write: 'writeOne(' },
    two: { depth: 'p.n * 2u', readA: 'readTwoA(group.z, ', readB: 'readTwoB(', write: 'writeTwo(group.z, ' },
  });
  assert.is(code.match(/var<workgroup> tileA/g)?.length, 1);
  assert.is(code.match(/@compute/g)?.length, 2);
  for (const text of ['fn one(', 'let depth = p.k;', 'readOneA(m0 + lid.y, k0 + lid.x)', 'readOneB(k0 + lid.y, n0 + lid.x)', 'writeOne(m0 + lid.y, n0 + lid.x, acc)']) assert.ok(code.includes(text), text);
  for (const text of ['fn two(', 'let depth = p.n * 2u;', 'readTwoA(group.z, m0 + lid.y, k0 + lid.x)', 'writeTwo(group.z, m0 + lid.y, n0 + lid.x, acc)']) assert.ok(code.includes(text), text);
  assert.not.match(code.replace(/\/\/.*$/gm, ''), /ENTRY|DEPTH|READ_A|READ_B|WRITE\(/, 'a placeholder left in the code');
});

test.run();
