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
