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

/**
 * Row indices of rows already in time order with each run of equal times sorted by `compare`
 * (a total order: end it with the indices), or undefined when no two rows share a time.
 */
export function orderWithinTimes(ts: Float64Array, compare: (a: number, b: number) => number): Int32Array | undefined {
  const n = ts.length;
  let ties = false;
  for (let i = 1; i < n && !ties; i++) ties = ts[i] === ts[i - 1];
  if (!ties) return undefined;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let a = 0; a < n; ) {
    let b = a + 1;
    while (b < n && ts[b] === ts[a]) b++;
    if (b - a > 1) order.subarray(a, b).sort(compare);
    a = b;
  }
  return order;
}
