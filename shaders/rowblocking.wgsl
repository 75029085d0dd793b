// Register blocking for CPU adapters: what both ways of sharing the rows'
// operand have in common, appended to the blocked part of conv2d and matmul
// together with rowblocking-subgroups.wgsl or rowblocking-uniform.wgsl. Those
// define Invocation, ROW_LOADS (the rows' values each invocation loads) and
// loadedRow (which row its load k is).

/** Per load, the offset of its row. */
alias RowOffsets = array<u32, ROW_LOADS>;
/** Per load, its row's value. */
alias RowValues = array<f32, ROW_LOADS>;

/** The second step of accumulateRows when only one is left. */
const noRows = RowValues();

/** Offsets (row * stride) of the rows from `first` this invocation loads, clamped to the last row. */
fn laneRows(first: u32, inv: Invocation, count: u32, stride: u32) -> RowOffsets {
  var rows: RowOffsets;
  for (var k = 0u; k < ROW_LOADS; k++) { rows[k] = min(loadedRow(first, inv, k), count - 1u) * stride; }
  return rows;
}

/** This invocation's values of `src` at offset `at` of its rows. */
fn rowValues(src: ptr<storage, array<f32>, read>, rows: RowOffsets, at: u32) -> RowValues {
  var values: RowValues;
  for (var k = 0u; k < ROW_LOADS; k++) { values[k] = (*src)[rows[k] + at]; }
  return values;
}
