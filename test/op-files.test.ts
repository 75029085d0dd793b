// docs/adding-an-op.md's checklist, checked for every op that is there: each
// shaders/<op>.wgsl with an entry point has its kernels module (which loads
// it), its float64 reference, its test, and a way into the package (a graph op
// exported from src/graph/ops/index.ts, or the optimizers of src/graph/optim.ts).
// Files without an entry point, and those a module of another name loads (the
// prelude, the tiled product's template), are pieces of other shaders.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('every op has its files');

/** Ops that lack a step of the checklist on purpose, and why. */
const noGraphOp: Record<string, string> = {
  matmul: "the op benchmarks' yardstick (bench/op-cases.ts) and the Winograd conv's products (src/kernels/conv2dwinograd.ts); no layer of the model is a matrix multiply",
};

const sources = readdirSync('src', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ path: `src/${f.split('\\').join('/')}`, text: readFileSync(`src/${f}`, 'utf8') }));

/** Loaded by a module that is not its own kernels module: a piece of other shaders. */
const isPiece = (name: string): boolean => sources.some((s) => s.text.includes(`shaders/${name}.wgsl'`) && s.path !== `src/kernels/${name}.ts`);

const ops = readdirSync('shaders')
  .filter((f) => f.endsWith('.wgsl') && /@compute/.test(readFileSync(`shaders/${f}`, 'utf8')))
  .map((f) => f.slice(0, -'.wgsl'.length))
  .filter((name) => !isPiece(name));

/** The op's kernels module and the kernels modules that launch it (conv2dalgorithm launches conv2dwinograd). */
function kernelsOf(op: string): string[] {
  const launchers = sources.filter((s) => s.path.startsWith('src/kernels/') && s.text.includes(`from './${op}'`)).map((s) => s.path.slice('src/kernels/'.length, -'.ts'.length));
  return [op, ...launchers];
}

/** Graph modules (src/graph/...) that import the op's kernels module, or one that launches it, and are reachable from the package's exports. */
function exportedUsers(op: string): string[] {
  const exportedOps = [...readFileSync('src/graph/ops/index.ts', 'utf8').matchAll(/from '\.\/([\w-]+)'/g)].map((m) => `src/graph/ops/${m[1]}.ts`);
  const reachable = [...exportedOps, 'src/graph/optim.ts'];
  const kernels = kernelsOf(op);
  return reachable.filter((file) => existsSync(file) && kernels.some((k) => new RegExp(`from '[./]*kernels/${k}'`).test(readFileSync(file, 'utf8'))));
}

test('the shaders with entry points are the ops (and some are)', () => {
  assert.ok(ops.length >= 15, ops.join(', '));
  assert.ok(!ops.includes('prelude') && !ops.includes('tiled-product') && ops.includes('featuredistance'));
});

for (const op of ops) {
  test(`${op}: kernels module, reference, test, export`, () => {
    const kernels = `src/kernels/${op}.ts`;
    assert.ok(existsSync(kernels), `${kernels} is missing`);
    assert.match(readFileSync(kernels, 'utf8'), `from '../../shaders/${op}.wgsl'`, `${kernels} does not load shaders/${op}.wgsl`);
    assert.ok(existsSync(`test/reference/${op}.ts`), `test/reference/${op}.ts (the float64 reference) is missing`);
    assert.ok(existsSync(`test/${op}.test.ts`), `test/${op}.test.ts is missing`);
    const users = exportedUsers(op);
    if (noGraphOp[op]) assert.equal(users, [], `${op} is listed as having no graph op (${noGraphOp[op]}), but ${users.join(', ')} uses it: take it off the list`);
    else assert.ok(users.length > 0, `no exported graph op or optimizer uses ${kernels}`);
  });
}

test.run();
