// Register blocking for CPU adapters without subgroups: the names of
// rowblocking-subgroups.wgsl, with every invocation loading all its rows'
// values itself. The loads are workgroup-uniform (one scalar load and a splat
// each), slower on lavapipe than subgroup broadcasts but far faster there than
// shared-memory tiles.

struct Invocation {
  @builtin(local_invocation_index) lane: u32,
}

/** Every invocation loads all the rows itself. */
const ROW_LOADS = ROWS;

/** The row of load r. */
fn loadedRow(first: u32, inv: Invocation, r: u32) -> u32 {
  return first + r;
}

/** acc[r] += values0[r] * v0 + values1[r] * v1: two reduction steps. */
fn accumulateRows(acc: ptr<function, array<vec4f, ROWS>>, values0: RowValues, v0: vec4f, values1: RowValues, v1: vec4f) {
  for (var r = 0u; r < ROWS; r++) {
    (*acc)[r] = fma(vec4f(values0[r]), v0, (*acc)[r]);
    (*acc)[r] = fma(vec4f(values1[r]), v1, (*acc)[r]);
  }
}
