// Register blocking for CPU adapters, shared by the blocked kernels of conv2d
// and matmul (appended to the blocked part of their files, which define
// ROW_GROUPS and ROWS = 8 * ROW_GROUPS), where the device has subgroups of 8+.
// rowblocking-uniform.wgsl defines the same names without subgroups.
//
// lavapipe runs one invocation per SIMD lane; a subgroup is one SIMD register
// of 8 lanes. Each invocation keeps ROWS rows x 4 columns of sums in vec4s. All
// lanes need the same rows' operand (weight, dy, or A), but a lane-uniform load
// costs a bounds-checked branch per value on lavapipe, so each lane of a
// subgroup loads the value of one row and subgroupBroadcast hands it to the
// others (measured 2.4x faster on a matmul). Only the columns' operand is
// gathered per lane.

struct Invocation {
  @builtin(local_invocation_index) lane: u32,
  @builtin(subgroup_invocation_id) sgLane: u32,
}

/** Per group of 8 rows, the offset of the row this lane loads. */
alias RowOffsets = array<u32, ROW_GROUPS>;
/** Per group of 8 rows, this lane's value of the row it loads. */
alias RowValues = array<f32, ROW_GROUPS>;

/** The second step of accumulateRows when only one is left. */
const noRows = RowValues();

fn broadcast8(v: f32) -> array<f32, 8> {
  return array<f32, 8>(
    subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 3u),
    subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u), subgroupBroadcast(v, 6u), subgroupBroadcast(v, 7u),
  );
}

/** Offsets (row * stride) of the rows from `first` this lane loads, clamped to the last row. */
fn laneRows(first: u32, inv: Invocation, count: u32, stride: u32) -> RowOffsets {
  var rows: RowOffsets;
  for (var g = 0u; g < ROW_GROUPS; g++) { rows[g] = min(first + g * 8u + inv.sgLane % 8u, count - 1u) * stride; }
  return rows;
}

/** This lane's values of `src` at offset `at` of its rows. */
fn rowValues(src: ptr<storage, array<f32>, read>, rows: RowOffsets, at: u32) -> RowValues {
  var values: RowValues;
  for (var g = 0u; g < ROW_GROUPS; g++) { values[g] = (*src)[rows[g] + at]; }
  return values;
}

/**
 * acc[r] += (row r's value in values0, broadcast from the lane that loaded it) * v0,
 * and the same for values1 and v1: two reduction steps, whose loads the caller
 * issues together before this (1.2x faster on lavapipe than one step at a time).
 */
fn accumulateRows(acc: ptr<function, array<vec4f, ROWS>>, values0: RowValues, v0: vec4f, values1: RowValues, v1: vec4f) {
  var lanes0: array<array<f32, 8>, ROW_GROUPS>;
  var lanes1: array<array<f32, 8>, ROW_GROUPS>;
  for (var g = 0u; g < ROW_GROUPS; g++) {
    lanes0[g] = broadcast8(values0[g]);
    lanes1[g] = broadcast8(values1[g]);
  }
  for (var r = 0u; r < 8u; r++) {
    for (var g = 0u; g < ROW_GROUPS; g++) {
      (*acc)[g * 8u + r] = fma(vec4f(lanes0[g][r]), v0, (*acc)[g * 8u + r]);
      (*acc)[g * 8u + r] = fma(vec4f(lanes1[g][r]), v1, (*acc)[g * 8u + r]);
    }
  }
}

