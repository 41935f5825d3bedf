import type { Profile, ProfileClient } from '../../src/profile/schema.js';
import type { RequestBatch } from '../../src/generate/compose.js';
import { LENGTH_COLUMNS } from '../../src/io/trace-schema.js';

/** All batches of a run concatenated into plain arrays (tests only; runs are small). */
export function collect(batches: Iterable<RequestBatch>): { t: number[]; c: number[]; cols: Record<string, number[]> } {
  const t: number[] = [];
  const c: number[] = [];
  const cols: Record<string, number[]> = {};
  for (const b of batches) {
    for (let i = 0; i < b.n; i++) {
      t.push(b.timestamp[i]);
      c.push(b.client[i]);
    }
    LENGTH_COLUMNS.forEach((name, j) => {
      const col = b.lengths[j];
      if (!col) return;
      const dst = (cols[name] ??= []);
      for (let i = 0; i < b.n; i++) dst.push(col[i]);
    });
  }
  return { t, c, cols };
}

/**
 * Reference distribution of a field: the mixture of client PMFs weighted by each client's
 * share of the aggregate rate in each arrival window of [a, b) (what `constant:R` asks for),
 * computed straight from the profile's numbers. Uses the length window starting at or before
 * `a` (with fields), as the spans tested here sit inside one length window.
 */
export function referenceMixture(profile: Profile, field: string, a: number, b: number): { v: number[]; w: number[] } {
  const v: number[] = [];
  const w: number[] = [];
  const starts = new Set<number>();
  for (const c of profile.clients) for (const win of c.arrivals) if (win.start >= a && win.start < b) starts.add(win.start);
  for (const s of starts) {
    let total = 0;
    for (const c of profile.clients) total += c.arrivals.find((x) => x.start === s)?.rate ?? 0;
    for (const c of profile.clients) {
      const rate = c.arrivals.find((x) => x.start === s)?.rate ?? 0;
      if (!(rate > 0)) continue;
      const pmf = fieldPmfAt(c, field, s);
      if (!pmf) continue;
      const mass = (pmf.counts ?? pmf.probs)!;
      let sum = 0;
      for (const p of mass) sum += p;
      pmf.values.forEach((x, i) => {
        v.push(x);
        w.push(((rate / total) * mass[i]) / sum);
      });
    }
  }
  return { v, w };
}

function fieldPmfAt(c: ProfileClient, field: string, t: number) {
  const withField = c.lengths.filter((l) => (l.fields as Record<string, unknown>)[field]);
  if (withField.length === 0) return undefined;
  let pick = withField[0];
  for (const l of withField) if (l.start <= t) pick = l;
  return (pick.fields as Record<string, { pmf: { values: number[]; probs?: number[]; counts?: number[] } }>)[field].pmf;
}

export function weightedMean({ v, w }: { v: number[]; w: number[] }): number {
  let s = 0;
  let sw = 0;
  v.forEach((x, i) => {
    s += x * w[i];
    sw += w[i];
  });
  return s / sw;
}

export function weightedQuantile({ v, w }: { v: number[]; w: number[] }, p: number): number {
  const idx = v.map((_, i) => i).sort((i, j) => v[i] - v[j]);
  let sw = 0;
  for (const x of w) sw += x;
  let acc = 0;
  for (const i of idx) {
    acc += w[i] / sw;
    if (acc >= p) return v[i];
  }
  return v[idx[idx.length - 1]];
}

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Empirical quantile: smallest x with F(x) ≥ p (matches weightedQuantile's convention). */
export function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)];
}
