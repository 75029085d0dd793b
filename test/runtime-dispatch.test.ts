// The link between a dispatch and its WGSL: uniforms by field name, buffers by
// binding name, workgroup-size constants always passed. A mismatch is a
// DispatchError naming the shader, the entry point and the field or binding,
// thrown before anything is recorded. Compile errors count lines of the op's
// own file, not of the prelude in front of it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import prelude from '../shaders/prelude.wgsl';
import source from '../shaders/elementwise.wgsl';
import { DispatchError, ShaderCompileError } from '../src/gpu/errors';
import type { GpuBuffer } from '../src/gpu/pool';
import type { DispatchArgs } from '../src/gpu/runtime';
import { shader } from '../src/gpu/shader';
import { elementwiseOptions } from '../src/kernels/elementwise';
import { readInterface } from '../src/gpu/wgsl-interface';
import { testRuntime } from './support/runtime';

const test = suite('runtime: dispatch checked against the shader');

const elementwise = shader('elementwise', source, elementwiseOptions);

async function refused(args: (a: GpuBuffer, b: GpuBuffer) => [string, DispatchArgs], pattern: RegExp): Promise<void> {
  const rt = await testRuntime();
  const a = rt.pool.acquire(16);
  const b = rt.pool.acquire(16);
  const before = rt.dispatchCount;
  const [entry, dispatchArgs] = args(a, b);
  try {
    rt.dispatch(elementwise, entry, dispatchArgs);
    assert.unreachable(`the dispatch should be refused with ${pattern}`);
  } catch (e) {
    assert.instance(e, DispatchError, String(e));
    assert.match((e as Error).message, pattern);
  } finally {
    rt.pool.release(a);
    rt.pool.release(b);
  }
  assert.is(rt.dispatchCount, before, 'nothing was dispatched');
}

const launch = { workgroups: [1] as const, constants: { WG: 64 } };

test('a missing uniform field is named', async () => {
  await refused((a, b) => ['addScaled', { reads: { a, b }, writes: { outAB: a }, params: { n: 4 }, ...launch }], /^shader elementwise \(entry addScaled\): uniform field "alpha" is missing$/);
});

test('a field struct Params does not have is named, with the fields it has', async () => {
  await refused(
    (a) => ['scale', { reads: { a }, writes: { outA: a }, params: { n: 4, alpha: 2, beta: 1 }, ...launch }],
    /^shader elementwise \(entry scale\): uniform "beta" is not a field of struct Params \(n, alpha\)$/,
  );
});

test('a value that does not fit the field type is refused', async () => {
  await refused((a) => ['relu', { reads: { a }, writes: { outA: a }, params: { n: -1 }, ...launch }], /uniform field "n" is u32, got -1/);
  await refused((a) => ['relu', { reads: { a }, writes: { outA: a }, params: { n: 2.5 }, ...launch }], /uniform field "n" is u32, got 2.5/);
});

test('a buffer under a name its slot does not use is named, with the name the entry point uses there', async () => {
  await refused(
    (a, b) => ['multiply', { reads: { a, x: b }, writes: { outAB: a }, params: { n: 4 }, ...launch }],
    /^shader elementwise \(entry multiply\): binding 2 is "b" \(read\) for this entry point, not "x"$/,
  );
  // outA is declared at slot 2, but not for multiply, which writes outAB at 3.
  await refused((a, b) => ['multiply', { reads: { a, outA: b }, writes: { outAB: a }, params: { n: 4 }, ...launch }], /binding 2 is "b" \(read\) for this entry point, not "outA"/);
});

test('a buffer in reads that the shader writes (or the reverse) is refused', async () => {
  await refused((a) => ['relu', { reads: { a, outA: a }, writes: {}, params: { n: 4 }, ...launch }], /binding 2 "outA" is read_write: pass it in writes/);
});

test('a buffer the entry point uses but the dispatch leaves out is named', async () => {
  await refused((a) => ['addScaled', { reads: { a }, writes: {}, params: { n: 4, alpha: 1 }, ...launch }], /binding 2 "b" is used but not bound \(the dispatch binds 1 buffer\)/);
});

test('a buffer past the declared slots is refused', async () => {
  await refused((a, b) => ['addScaled', { reads: { a, b }, writes: { outAB: a, extra: b }, params: { n: 4, alpha: 1 }, ...launch }], /buffer "extra" is bound at 4, where the shader declares no storage buffer/);
});

test('the workgroup size constant must be passed: no shader falls back to a default', async () => {
  await refused((a) => ['relu', { reads: { a }, writes: { outA: a }, params: { n: 4 }, workgroups: [1] }], /^shader elementwise \(entry relu\): its workgroup size needs the constant WG; pass it in constants$/);
});

test('an entry point the shader does not have is named', async () => {
  await refused((a) => ['sigmoid', { reads: { a }, writes: { outA: a }, params: { n: 4 }, ...launch }], /^shader elementwise \(entry sigmoid\): no such entry point \(the shader has addScaled, .*relu, reluGrad\)$/);
});

test('uniforms are written by name with their declared types, in declaration order', async () => {
  const rt = await testRuntime();
  const s = shader(
    'params-echo',
    ['struct Params { count: u32, offset: i32, scale: f32 }', '@compute @workgroup_size(1)', 'fn echo() {', '  out[0] = f32(p.count);', '  out[1] = f32(p.offset);', '  out[2] = p.scale;', '}'].join('\n'),
    { bindings: { echo: { writes: ['out'] } } },
  );
  const out = rt.pool.acquire(12);
  rt.dispatch(s, 'echo', { writes: { out }, params: { scale: 0.1, offset: -3, count: 7 }, workgroups: [1] });
  assert.equal([...(await rt.readFloat32(out, 3))], [7, -3, Math.fround(0.1)]);
  rt.pool.release(out);
});

test('the interface is read through the functions an entry point calls, without comments or members', () => {
  const wgsl = [
    'struct Params { n: u32, alpha: f32, unused: u32 }',
    '@group(0) @binding(1) var<storage, read> x: array<f32>;',
    '@group(0) @binding(2) var<storage, read_write> y: array<f32>;',
    '@group(0) @binding(2) var<storage, read_write> z: array<f32>;',
    '// z[0] = p.unused;',
    'fn scaled(i: u32) -> f32 { return p.alpha * x[i]; }',
    '@compute @workgroup_size(WG, 1)',
    'fn main(@builtin(global_invocation_id) gid: vec3u) {',
    '  if (gid.x < p.n) { y[gid.x] = scaled(gid.x); }',
    '}',
  ].join('\n');
  const declared = readInterface('test', `${prelude}\n${wgsl}`);
  assert.equal(declared.params, [{ name: 'n', type: 'u32' }, { name: 'alpha', type: 'f32' }, { name: 'unused', type: 'u32' }]);
  const main = declared.entryPoints.get('main')!;
  assert.equal([...main.params].sort(), ['alpha', 'n']);
  assert.equal(main.bindings.map((b) => `${b.slot} ${b.name} ${b.access}`), ['1 x read', '2 y read_write']);
  assert.equal(main.workgroupSize, ['WG']);
});

const twoEntries = [
  'struct Params { n: u32 }',
  '@compute @workgroup_size(1)',
  'fn first() { y[0] = x[0]; }',
  '@compute @workgroup_size(1)',
  'fn second() { dx[0] = x[0] + f32(g[0]); }',
].join('\n');
const twoEntryBindings = { first: { reads: ['x'], writes: ['y'] }, second: { reads: ['x', 'g'], writes: ['dx'] } };

test('storage buffers are declared from the bindings listed per entry point: reads from slot 1, then writes; array<f32> unless typed', () => {
  const s = shader('declared', twoEntries, { bindings: twoEntryBindings, types: { g: 'array<u32>' } });
  assert.equal(s.declared.bindings.map((b) => `${b.slot} ${b.name} ${b.access}`), ['1 x read', '2 y read_write', '2 g read', '3 dx read_write']);
  assert.ok(s.code.includes('@group(0) @binding(2) var<storage, read> g: array<u32>;\n'), s.code);
  assert.ok(s.code.endsWith(`\n${twoEntries}`) && s.headerLines === s.code.split('\n').length - twoEntries.split('\n').length, 'the source follows the header');
});

test('bindings that disagree with each other or with the WGSL are refused when the shader is made', () => {
  const refused = (options: Parameters<typeof shader>[2], pattern: RegExp, source = twoEntries) => assert.throws(() => shader('t', source, options), pattern);
  refused({ bindings: { ...twoEntryBindings, second: { reads: ['y', 'g'], writes: ['dx'] } } }, /^shader t: "y" is read_write at binding 2 for first but read at 1 for second; give one of them another name$/);
  refused({ bindings: twoEntryBindings, types: { gg: 'array<u32>' } }, /types names "gg", which no entry point's bindings list/);
  // g is declared (listed for first) but not listed for second, which uses it.
  refused({ bindings: { first: { reads: ['x', 'g'], writes: ['y'] }, second: { reads: ['x'], writes: ['dx'] } } }, /^shader t: entry point second uses "g", which its bindings do not list$/);
  refused({ bindings: twoEntryBindings }, /its WGSL declares the storage buffer "h"; list it in the bindings/, `@group(0) @binding(4) var<storage, read> h: array<f32>;\n${twoEntries}`);
});

test('compile errors give the line in the op file, not counting the prelude', async () => {
  const rt = await testRuntime();
  const s = shader('line-check', ['struct Params { n: u32 }', '', '@compute @workgroup_size(1)', 'fn main() {', '  let x: f32 = p.n;', '}'].join('\n'));
  assert.ok(s.headerLines >= prelude.split('\n').length - 1 && s.code.startsWith(prelude), 'the prelude comes first');
  try {
    await rt.compile(s, 'main', '');
    assert.unreachable('compile should throw');
  } catch (e) {
    assert.instance(e, ShaderCompileError);
    assert.is((e as ShaderCompileError).line, 5);
  }
});

test.run();
