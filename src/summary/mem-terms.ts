import { MEM_LAGS, MEM_MIN_GAPS } from './types.js';

const NL = MEM_LAGS.length;

/**
 * A window's gap-memory terms (ArrivalSummary.mem) from the normal scores z of its m own gaps:
 * s1 = Σz, s2 = Σz², and per lag k in MEM_LAGS the lag products P = Σ zᵢ·zᵢ₋ₖ. Writes the 2·NL
 * terms at out[at…]: each lag's product less its expectation were the gaps in random order,
 * then each lag's variance term (pairs/m · Σ(z − z̄)²); lags ≥ m get 0. The streaming builder
 * and the SQL scans' results (which return these sums) share it, so both give the same terms.
 */
export function memTermsInto(out: Float64Array | number[], at: number, m: number, s1: number, s2: number, P: ArrayLike<number>): void {
  const centered = s2 - (s1 * s1) / m;
  // E[zᵢzⱼ] (i ≠ j) were the window's scores in random order.
  const nullProduct = (s1 * s1 - s2) / (m * (m - 1));
  for (let l = 0; l < NL; l++) {
    const k = MEM_LAGS[l];
    const inRange = k < m;
    out[at + l] = inRange ? P[l] - (m - k) * nullProduct : 0;
    out[at + NL + l] = inRange ? ((m - k) / m) * centered : 0;
  }
}

/**
 * A window's `mem` from the sums a SQL scan returns (the `gap_memory` output: m, Σz, Σz², Σ zᵢ·zᵢ₋ₖ
 * per lag), or undefined where the builder writes none: under MEM_MIN_GAPS gaps, or every gap
 * with one code (no variance).
 */
export function memFromSums(m: number, s1: number, s2: number, P: ArrayLike<number>): number[] | undefined {
  if (m < MEM_MIN_GAPS) return undefined;
  const terms = new Array<number>(2 * NL);
  memTermsInto(terms, 0, m, s1, s2, P);
  return terms[NL] > 0 ? terms : undefined;
}
