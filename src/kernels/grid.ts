// Workgroup counts for one invocation per element: a 2D grid, since one
// dimension holds at most 65535 workgroups.

export function grid1d(n: number, workgroupSize: number, maxPerDimension = 65535): [number, number] {
  const groups = Math.ceil(n / workgroupSize);
  if (groups <= maxPerDimension) return [Math.max(groups, 1), 1];
  const y = Math.ceil(groups / maxPerDimension);
  return [Math.ceil(groups / y), y];
}

/**
 * Launch arguments for one invocation per element over grid1d, with the
 * workgroup size passed to the shader as WG, so the two cannot disagree.
 */
export function perElement(n: number, workgroupSize: number): { workgroups: [number, number]; constants: { WG: number } } {
  return { workgroups: grid1d(n, workgroupSize), constants: { WG: workgroupSize } };
}

/**
 * Launch arguments for image ops with one invocation per column of a plane's
 * row: workgroups (ceil(columns / WG), rows, plane groups), each invocation
 * walking planes z, z + groups, ... So the row is the same across a workgroup
 * and nothing divides; on lavapipe, which pays per workgroup, an invocation
 * takes `planesEach` planes.
 */
export function perPlaneRow(
  rt: { limits: { maxComputeWorkgroupsPerDimension: number } },
  columns: number,
  rows: number,
  planes: number,
  workgroupSize: number,
  planesEach: number,
): { workgroups: [number, number, number]; constants: { WG: number } } {
  const groups = Math.min(Math.ceil(planes / planesEach), rt.limits.maxComputeWorkgroupsPerDimension);
  return { workgroups: [Math.ceil(columns / workgroupSize), rows, groups], constants: { WG: workgroupSize } };
}
