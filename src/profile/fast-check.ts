/**
 * A hand-written validity check for the bulky parts of a profile (arrival windows and PMF
 * arrays: ~10⁵ objects and ~10⁶ numbers in a two-week pool). It mirrors ProfileSchema
 * exactly and runs ~5× faster than zod on a cold process; `validateProfile` uses it to
 * accept valid profiles quickly and falls back to zod for the error message when it
 * rejects. A test runs both over a corpus of mutations and requires them to agree.
 */
import { LENGTH_FIELDS } from './schema.js';

const FIELD_SET = new Set<string>(LENGTH_FIELDS);

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNonNeg = (v: unknown): boolean => isNum(v) && v >= 0;
const isPos = (v: unknown): boolean => isNum(v) && v > 0;
const isInt = (v: unknown): boolean => isNum(v) && Number.isInteger(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[]): boolean {
  for (const k in o) if (!allowed.includes(k)) return false;
  return true;
}

function numArray(a: unknown, ok: (v: unknown) => boolean): boolean {
  if (!Array.isArray(a)) return false;
  for (let i = 0; i < a.length; i++) if (!ok(a[i])) return false;
  return true;
}

function checkModel(m: unknown): boolean {
  if (m === null) return true;
  if (!isObj(m)) return false;
  switch (m.family) {
    case 'exponential':
      return onlyKeys(m, ['family', 'scale']) && isPos(m.scale);
    case 'gamma':
    case 'weibull':
      return onlyKeys(m, ['family', 'shape', 'scale']) && isPos(m.shape) && isPos(m.scale);
    default:
      return false;
  }
}

function checkGapHistogram(e: unknown): boolean {
  if (!isObj(e) || !onlyKeys(e, ['log10_min', 'bins_per_decade', 'below', 'below_count', 'bins', 'counts'])) return false;
  if (!isNum(e.log10_min) || !isPos(e.bins_per_decade) || !isNonNeg(e.below) || !(isInt(e.below_count) && (e.below_count as number) >= 0)) return false;
  return numArray(e.bins, isInt) && numArray(e.counts, (v) => isInt(v) && (v as number) >= 0);
}

function checkArrival(w: unknown): boolean {
  if (!isObj(w) || !onlyKeys(w, ['start', 'rate', 'cv', 'model', 'gof', 'empirical'])) return false;
  if (w.empirical !== undefined && !checkGapHistogram(w.empirical)) return false;
  if (!isNum(w.start) || !isNonNeg(w.rate)) return false;
  if (!(w.cv === null || isNonNeg(w.cv))) return false;
  if (!('model' in w) || !checkModel(w.model)) return false;
  if (w.gof !== undefined) {
    const g = w.gof;
    if (!isObj(g) || !onlyKeys(g, ['ks', 'n', 'loglik'])) return false;
    if (!(isNum(g.ks) && g.ks >= 0 && g.ks <= 1) || !(isInt(g.n) && (g.n as number) >= 0)) return false;
    if (g.loglik !== undefined && typeof g.loglik !== 'number') return false;
  }
  return true;
}

function checkPmfShape(p: unknown): boolean {
  if (!isObj(p) || !onlyKeys(p, ['values', 'counts', 'probs', 'bins'])) return false;
  if (!numArray(p.values, isNum)) return false;
  if (p.counts !== undefined && !numArray(p.counts, (v) => isInt(v) && (v as number) >= 0)) return false;
  if (p.probs !== undefined && !numArray(p.probs, isNonNeg)) return false;
  if (p.bins !== undefined) {
    const b = p.bins;
    if (!isObj(b) || !onlyKeys(b, ['lo', 'hi', 'counts', 'probs'])) return false;
    if (!numArray(b.lo, isInt) || !numArray(b.hi, isInt)) return false;
    if (b.counts !== undefined && !numArray(b.counts, (v) => isInt(v) && (v as number) >= 0)) return false;
    if (b.probs !== undefined && !numArray(b.probs, isNonNeg)) return false;
  }
  return true;
}

function checkFit(f: unknown): boolean {
  if (f === undefined) return true;
  if (!isObj(f) || !onlyKeys(f, ['family', 'params', 'ks', 'n'])) return false;
  if (typeof f.family !== 'string') return false;
  if (f.params !== undefined) {
    if (!isObj(f.params)) return false;
    for (const k in f.params) if (typeof f.params[k] !== 'number' || Number.isNaN(f.params[k])) return false;
  }
  if (f.ks !== undefined && !(typeof f.ks === 'number' && f.ks >= 0 && f.ks <= 1)) return false;
  if (f.n !== undefined && !(isInt(f.n) && (f.n as number) >= 0)) return false;
  return true;
}

function checkLengthWindow(w: unknown): boolean {
  if (!isObj(w) || !onlyKeys(w, ['start', 'fields', 'joint'])) return false;
  if (!isNum(w.start) || !isObj(w.fields)) return false;
  for (const k in w.fields) {
    if (!FIELD_SET.has(k)) return false;
    const f = w.fields[k];
    if (f === undefined) continue;
    if (!isObj(f) || !onlyKeys(f, ['pmf', 'fit']) || !checkPmfShape(f.pmf) || !checkFit(f.fit)) return false;
  }
  if (w.joint !== undefined) {
    const j = w.joint;
    const corr = (v: unknown) => typeof v === 'number' && v >= -1 && v <= 1;
    if (!isObj(j) || !onlyKeys(j, ['spearman', 'copula']) || !corr(j.spearman)) return false;
    if (j.copula !== undefined && !corr(j.copula)) return false;
  }
  return true;
}

/**
 * True when every client's `arrivals` and `lengths` satisfy ProfileSchema. Other parts of
 * the profile are small and are left to zod.
 */
export function clientsBulkValid(clients: unknown): boolean {
  if (!Array.isArray(clients)) return false;
  for (const c of clients) {
    if (!isObj(c)) return false;
    if (!Array.isArray(c.arrivals) || !Array.isArray(c.lengths)) return false;
    for (const w of c.arrivals) if (!checkArrival(w)) return false;
    for (const w of c.lengths) if (!checkLengthWindow(w)) return false;
  }
  return true;
}
