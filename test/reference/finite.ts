// Float64 reference of the finite check: whether every one of the first n values is finite.
export function allFinite(values: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
