// Register blocking for CPU adapters, shared by the blocked kernels of conv2d
// and matmul (appended to the blocked part of their files, which define
// ROW_GROUPS and ROWS = 8 * ROW_GROUPS) with rowblocking.wgsl, where the device
// has subgroups of 8+. rowblocking-uniform.wgsl defines the same names without
// subgroups.
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

/** Each lane loads one row of each group of 8 rows. */
const ROW_LOADS = ROW_GROUPS;

/** The row this lane loads in group g: the lane's place among 8 picks it. */
fn loadedRow(first: u32, inv: Invocation, g: u32) -> u32 {
  return first + g * 8u + inv.sgLane % 8u;
}

fn broadcast8(v: f32) -> array<f32, 8> {
  return array<f32, 8>(
    subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 3u),
    subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u), subgroupBroadcast(v, 6u), subgroupBroadcast(v, 7u),
  );
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

