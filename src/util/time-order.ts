/**
 * Rows read in input order put in time order, ties keeping their input order (as
 * TraceBuilder.finish sorts a trace): `perm`, the rows' order (undefined when they already are
 * in time order), and `apply`, a column put in that order (the column itself when already).
 */
export function timeOrder(t: Float64Array): { perm?: Uint32Array; apply: <T extends Float64Array | Int32Array>(a: T) => T } {
  const n = t.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = t[i] >= t[i - 1];
  if (sorted) return { apply: (a) => a };
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  perm.sort((a, b) => t[a] - t[b] || a - b);
  return {
    perm,
    apply: <T extends Float64Array | Int32Array>(a: T): T => {
      const out = new (a.constructor as new (n: number) => T)(n);
      for (let i = 0; i < n; i++) out[i] = a[perm[i]];
      return out;
    },
  };
}
