// Register blocking for CPU adapters without subgroups: the names of
// rowblocking-subgroups.wgsl, with every invocation loading all its rows'
// values itself. The loads are workgroup-uniform (one scalar load and a splat
// each), slower on lavapipe than subgroup broadcasts but far faster there than
// shared-memory tiles.

struct Invocation {
  @builtin(local_invocation_index) lane: u32,
}

/** The offset of each row. */
alias RowOffsets = array<u32, ROWS>;
/** The value of each row. */
alias RowValues = array<f32, ROWS>;

/** The second step of accumulateRows when only one is left. */
const noRows = RowValues();

/** Offsets (row * stride) of the rows from `first`, clamped to the last row. */
fn laneRows(first: u32, inv: Invocation, count: u32, stride: u32) -> RowOffsets {
  var rows: RowOffsets;
  for (var r = 0u; r < ROWS; r++) { rows[r] = min(first + r, count - 1u) * stride; }
  return rows;
}

/** The rows' values of `src` at offset `at`. */
fn rowValues(src: ptr<storage, array<f32>, read>, rows: RowOffsets, at: u32) -> RowValues {
  var values: RowValues;
  for (var r = 0u; r < ROWS; r++) { values[r] = (*src)[rows[r] + at]; }
  return values;
}

/** acc[r] += values0[r] * v0 + values1[r] * v1: two reduction steps. */
fn accumulateRows(acc: ptr<function, array<vec4f, ROWS>>, values0: RowValues, v0: vec4f, values1: RowValues, v1: vec4f) {
  for (var r = 0u; r < ROWS; r++) {
    (*acc)[r] = fma(vec4f(values0[r]), v0, (*acc)[r]);
    (*acc)[r] = fma(vec4f(values1[r]), v1, (*acc)[r]);
  }
}
