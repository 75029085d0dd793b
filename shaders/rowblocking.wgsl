// Register blocking for CPU adapters: what both ways of sharing the rows'
// operand have in common, appended to the blocked part of conv2d and matmul
// together with rowblocking-subgroups.wgsl or rowblocking-uniform.wgsl. Those
// define Invocation, ROW_LOADS (the rows' values each invocation loads) and
// loadedRow (which row its load k is).

/**
 * ROWS rows x 4 columns of sums per invocation, one array of f32 per column:
 * on lavapipe, FMAs into vec4 accumulators ran at half the rate of FMAs into
 * f32s (independent chains: 27 against 53 GFLOP per CPU-second), and an array
 * longer than 32 left registers for memory (2.3).
 */
struct Sums {
  c0: array<f32, ROWS>,
  c1: array<f32, ROWS>,
  c2: array<f32, ROWS>,
  c3: array<f32, ROWS>,
}

/** Row r's sums += w0 * v0 + w1 * v1 (componentwise over the 4 columns). */
fn accumulateRow(acc: ptr<function, Sums>, r: u32, w0: f32, v0: vec4f, w1: f32, v1: vec4f) {
  (*acc).c0[r] = fma(w1, v1.x, fma(w0, v0.x, (*acc).c0[r]));
  (*acc).c1[r] = fma(w1, v1.y, fma(w0, v0.y, (*acc).c1[r]));
  (*acc).c2[r] = fma(w1, v1.z, fma(w0, v0.z, (*acc).c2[r]));
  (*acc).c3[r] = fma(w1, v1.w, fma(w0, v0.w, (*acc).c3[r]));
}

/** Row r's sum in column j. */
fn sumAt(acc: ptr<function, Sums>, r: u32, j: u32) -> f32 {
  switch j {
    case 0u: { return (*acc).c0[r]; }
    case 1u: { return (*acc).c1[r]; }
    case 2u: { return (*acc).c2[r]; }
    default: { return (*acc).c3[r]; }
  }
}

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
