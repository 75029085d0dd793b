// Asserts that a call throws ShapeError naming the op and the given shapes, and
// that it dispatched nothing first.
import * as assert from 'uvu/assert';
import type { GpuRuntime } from '../../src/gpu';
import { formatShape } from '../../src/base/shape';

export function assertShapeError(rt: GpuRuntime, op: string, shapes: readonly (readonly number[])[], call: () => unknown): void {
  const dispatches = rt.dispatchCount;
  assert.throws(call, (e: Error) => e.name === 'ShapeError' && e.message.startsWith(`${op}:`) && shapes.every((s) => e.message.includes(formatShape(s))));
  assert.is(rt.dispatchCount, dispatches, `${op}: dispatched before throwing`);
}
