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
  let it = 0;
  for (; it < maxIter; it++) {
    const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
    simplex = order.map((i) => simplex[i]);
    values = order.map((i) => values[i]);
    if (Math.abs(values[dim] - values[0]) <= tol * (Math.abs(values[0]) + tol)) break;
    const centroid = new Array(dim).fill(0);
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) centroid[j] += simplex[i][j] / dim;
    const worst = simplex[dim];
    const at = (t: number) => centroid.map((c, j) => c + t * (worst[j] - c));
    const xr = at(-1);
    const fr = f(xr);
    if (fr < values[0]) {
      const xe = at(-2);
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
      const xc = fr < values[dim] ? at(-0.5) : at(0.5);
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
