/**
 * Nelder–Mead simplex minimization (Nelder & Mead 1965; standard coefficients 1, 2, ½, ½).
 * Small and dependency-free; used for 1–3 parameter likelihoods without closed forms.
 */
export function nelderMead(
  f: (x: number[]) => number,
  x0: number[],
  options: { step?: number; maxIter?: number; tol?: number } = {},
): { x: number[]; fx: number; iterations: number; converged: boolean } {
  const dim = x0.length;
  const step = options.step ?? 0.5;
  const maxIter = options.maxIter ?? 400;
  const tol = options.tol ?? 1e-9;
  let simplex = [x0.slice()];
  for (let i = 0; i < dim; i++) {
    const p = x0.slice();
    p[i] += step;
    simplex.push(p);
  }
  let values = simplex.map(f);
  // Scratch reused across iterations (this loop runs ~10⁶ times in a trace fit; allocating
  // the ordering, the permuted copies and the centroid each time was most of its garbage).
  const order: number[] = simplex.map((_, i) => i);
  let spareX: number[][] = simplex.slice();
  let spareV: number[] = values.slice();
  const centroid: number[] = new Array<number>(dim).fill(0);
  let it = 0;
  for (; it < maxIter; it++) {
    for (let i = 0; i <= dim; i++) order[i] = i;
    sortByValue(order, values);
    for (let i = 0; i <= dim; i++) {
      spareX[i] = simplex[order[i]];
      spareV[i] = values[order[i]];
    }
    const sx = simplex;
    simplex = spareX;
    spareX = sx;
    const sv = values;
    values = spareV;
    spareV = sv;
    if (Math.abs(values[dim] - values[0]) <= tol * (Math.abs(values[0]) + tol)) break;
    centroid.fill(0);
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) centroid[j] += simplex[i][j] / dim;
    const worst = simplex[dim];
    const xr = along(centroid, worst, -1);
    const fr = f(xr);
    if (fr < values[0]) {
      const xe = along(centroid, worst, -2);
      const fe = f(xe);
      if (fe < fr) {
        simplex[dim] = xe;
        values[dim] = fe;
      } else {
        simplex[dim] = xr;
        values[dim] = fr;
      }
    } else if (fr < values[dim - 1]) {
      simplex[dim] = xr;
      values[dim] = fr;
    } else {
      const xc = along(centroid, worst, fr < values[dim] ? -0.5 : 0.5);
      const fc = f(xc);
      if (fc < Math.min(fr, values[dim])) {
        simplex[dim] = xc;
        values[dim] = fc;
      } else {
        for (let i = 1; i <= dim; i++) {
          simplex[i] = simplex[i].map((v, j) => simplex[0][j] + 0.5 * (v - simplex[0][j]));
          values[i] = f(simplex[i]);
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i <= dim; i++) if (values[i] < values[best]) best = i;
  return { x: simplex[best], fx: values[best], iterations: it, converged: it < maxIter };
}

/** centroid + t·(worst − centroid), as a new point. */
function along(centroid: number[], worst: number[], t: number): number[] {
  const out = new Array<number>(centroid.length);
  for (let j = 0; j < centroid.length; j++) out[j] = centroid[j] + t * (worst[j] - centroid[j]);
  return out;
}

/**
 * Sorts vertex indices by value, stably: the order `indices.sort((a, b) => values[a] −
 * values[b])` gives. Without NaN that comparator is consistent (equal infinities compare
 * equal), so any stable sort gives the same order — here an insertion sort, which allocates
 * nothing; with a NaN the built-in sort decides, as it always did.
 */
function sortByValue(order: number[], values: number[]): void {
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) {
      order.sort((a, b) => values[a] - values[b]);
      return;
    }
  }
  for (let i = 1; i < order.length; i++) {
    const o = order[i];
    let j = i - 1;
    for (; j >= 0 && values[order[j]] - values[o] > 0; j--) order[j + 1] = order[j];
    order[j + 1] = o;
  }
}
