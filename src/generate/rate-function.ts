import { NUMERIC_RE } from '../ingest/normalize.js';
import { readFileSync } from 'node:fs';
import { GenerateError } from './errors.js';
import { duplicateKeyProblem, editDistance, parseJsonText } from '../io/json-text.js';

/**
 * How the aggregate request rate is set (DESIGN.md, Generation):
 * - `constant:R`: aggregate R req/s; clients keep their per-window shares;
 * - `scale:K`: every client's rate × K (the source's own shape, scaled);
 * - `peak:R`: scale so the highest window's aggregate over the span is R;
 * - `points`: piecewise-linear (time, rate) points from a file; time is seconds from
 *   the generated span's start; clients keep their shares.
 */
export type RateSpec =
  | { kind: 'constant'; rate: number }
  | { kind: 'scale'; factor: number }
  | { kind: 'peak'; rate: number }
  | { kind: 'points'; times: number[]; rates: number[]; file: string };

function positiveNumber(text: string, what: string): number {
  // Plain decimal text only (Number() also took `0x10`), spaces around it dropped (`constant: 5`).
  const v = NUMERIC_RE.test(text.trim()) ? Number(text.trim()) : NaN;
  if (text.trim() === '' || !Number.isFinite(v) || v < 0) throw new GenerateError((n) => `${n.rate} ${what}: expected a number ≥ 0, got ${JSON.stringify(text)}`);
  return v;
}

/**
 * Parses a `--rate` argument: `constant:R`, `scale:K`, `peak:R`, or a path to a JSON
 * (`[[t, r], …]`, `[{"time": t, "rate": r}, …]`) or CSV (`time,rate` header) file.
 * @example parseRateSpec('constant:50') // { kind: 'constant', rate: 50 }
 */
export function parseRateSpec(spec: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): RateSpec {
  // Spaces around the spec (`--rate 'constant:100 '`, a quoted copy-paste) are dropped, and
  // around its number (`constant: 100`), as every numeric flag drops them.
  const m = /^\s*(constant|scale|peak):(.*?)\s*$/.exec(spec);
  if (m) {
    const v = positiveNumber(m[2], m[1]);
    if (m[1] === 'constant') return { kind: 'constant', rate: v };
    if (m[1] === 'scale') return { kind: 'scale', factor: v };
    // peak:0 scales every window to 0, as constant:0 and scale:0 do: an empty trace, with generate's warning.
    return { kind: 'peak', rate: v };
  }
  let text: string;
  try {
    text = readFile(spec);
  } catch (err) {
    // Say which mistake it probably was (found by review: `--rate 100` and a mistyped file
    // name got the same sentence).
    const code = (err as NodeJS.ErrnoException).code;
    // (spaces around it as every numeric flag takes them: ` 100` got only "no such file")
    const bare = spec.trim();
    const why = NUMERIC_RE.test(bare)
      ? `; a bare number is no rate spec: constant:${bare} for ${bare} req/s in all, or scale:${bare} for ${bare} × the profile's rates`
      : code === 'ENOENT' ? ` (no such file)${rateKindHint(spec)}` : code === 'EISDIR' ? ' (a directory)' : '';
    throw new GenerateError((n) => `${n.rate} ${JSON.stringify(spec)}: not constant:R, scale:K, peak:R, nor a readable (time, rate) file${why}`);
  }
  return parseRatePoints(text, spec);
}

/**
 * For a spec that looks like KIND:VALUE with a mistyped kind (`constnt:100`, `Constant:100`,
 * `constant=100`; found by review: these were only "no such file"), the spec meant.
 */
function rateKindHint(spec: string): string {
  const m = /^([A-Za-z_]+)\s*[:=]\s*(.*)$/.exec(spec);
  if (!m || m[1].length < 2) return ''; // (C:/ramp.csv is a Windows path)
  const word = m[1].toLowerCase();
  // The same letters, a few typed wrong, or an abbreviation (const:, sc:).
  const kind = (['constant', 'scale', 'peak'] as const).find((k) => editDistance(word, k) <= Math.max(1, Math.floor(k.length / 3)) || (word.length >= 2 && k.startsWith(word)));
  return kind ? `; did you mean ${kind}:${m[2]}?` : `; "${m[1]}" is no rate kind (constant, scale, peak)`;
}

/** Parses (time, rate) points from JSON or CSV text; errors name the file and line. */
export function parseRatePoints(text: string, file: string): RateSpec {
  const times: number[] = [];
  const rates: number[] = [];
  // (1e400 is Infinity once parsed, which JSON.stringify printed as "got null"; a missing key "got undefined" — found by review)
  const shown = (v: unknown) => (v === undefined ? 'nothing' : typeof v === 'number' ? `${v}${Number.isFinite(v) ? '' : ' (out of range)'}` : JSON.stringify(v));
  const push = (t: unknown, r: unknown, where: string) => {
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new GenerateError(`${file}: ${where}: time must be a finite number, got ${shown(t)}`);
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) throw new GenerateError(`${file}: ${where}: rate must be a number ≥ 0, got ${shown(r)}`);
    if (times.length > 0 && !(t > times[times.length - 1])) throw new GenerateError(`${file}: ${where}: times must strictly increase (${times[times.length - 1]} then ${t})`);
    times.push(t);
    rates.push(r);
  };
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      // (parsed untrimmed, a BOM as a space, so that the error's line and column are the file's)
      doc = parseJsonText(text.replace(/^\uFEFF/, ' '), file);
    } catch (err) {
      throw new GenerateError((err as Error).message);
    }
    const dup = duplicateKeyProblem(text.replace(/^\uFEFF/, ' '), file);
    if (dup) throw new GenerateError(dup);
    const list = Array.isArray(doc) ? doc : (doc as { points?: unknown }).points;
    if (!Array.isArray(list)) throw new GenerateError(`${file}: expected an array of [time, rate] pairs or {"time", "rate"} objects`);
    list.forEach((p, i) => {
      // A third value ([t, r, x]) was dropped without a word (found by review).
      if (Array.isArray(p) && p.length !== 2) throw new GenerateError(`${file}: [${i}]: expected [time, rate], got ${p.length} value(s)`);
      if (Array.isArray(p)) push(p[0], p[1], `[${i}]`);
      else if (p && typeof p === 'object') push((p as { time?: unknown }).time, (p as { rate?: unknown }).rate, `[${i}]`);
      else throw new GenerateError(`${file}: [${i}]: expected [time, rate] or {"time", "rate"}`);
    });
  } else {
    const lines = text.split(/\r?\n/);
    let header = true;
    lines.forEach((line, i) => {
      if (line.trim() === '' || line.startsWith('#')) return;
      const parts = line.split(',').map((s) => s.trim());
      if (header) {
        header = false;
        if (parts[0] === 'time' && parts[1] === 'rate') return;
        if (Number.isNaN(Number(parts[0]))) throw new GenerateError(`${file}:${i + 1}: expected a "time,rate" header or numbers`);
      }
      if (parts.length < 2 || parts.slice(2).some((c) => c !== '')) throw new GenerateError(`${file}:${i + 1}: expected time,rate (two columns), got ${parts.length}`);
      // A cell that is not a number is named as written (JSON.stringify(NaN) printed "got null").
      const cell = (text: string): number | string => (text !== '' && Number.isFinite(Number(text)) ? Number(text) : text);
      push(cell(parts[0]), cell(parts[1]), `line ${i + 1}`);
    });
  }
  if (times.length === 0) throw new GenerateError(`${file}: no (time, rate) points`);
  return { kind: 'points', times, rates, file };
}

/**
 * Mean of a piecewise-linear rate curve over [a, b) (constant before the first and after
 * the last point): the exact integral divided by the width.
 */
export function meanRateOver(spec: Extract<RateSpec, { kind: 'points' }>, a: number, b: number): number {
  const { times } = spec;
  if (!(b > a)) return rateAt(spec, a);
  // Integrate piece by piece between breakpoints inside [a, b) (found by binary search: runs
  // cut at a rate file's bends ask for many short spans).
  const cuts = [a];
  for (let k = firstAfter(times, a); k < times.length && times[k] < b; k++) cuts.push(times[k]);
  cuts.push(b);
  let area = 0;
  for (let i = 0; i + 1 < cuts.length; i++) area += ((rateAt(spec, cuts[i]) + rateAt(spec, cuts[i + 1])) / 2) * (cuts[i + 1] - cuts[i]);
  return area / (b - a);
}

/** Index of the first time > t. */
function firstAfter(times: number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The piecewise-linear rate curve at t (seconds from the span's start; constant outside the points). */
export function rateAt(spec: Extract<RateSpec, { kind: 'points' }>, t: number): number {
  const { times, rates } = spec;
  if (t <= times[0]) return rates[0];
  const n = times.length;
  if (t >= times[n - 1]) return rates[n - 1];
  const hi = firstAfter(times, t);
  const lo = hi - 1;
  const f = (t - times[lo]) / (times[hi] - times[lo]);
  return rates[lo] + f * (rates[hi] - rates[lo]);
}

/** Short text form of a rate spec, recorded in output provenance. */
export function describeRateSpec(spec: RateSpec): string {
  switch (spec.kind) {
    case 'constant':
      return `constant:${spec.rate}`;
    case 'scale':
      return `scale:${spec.factor}`;
    case 'peak':
      return `peak:${spec.rate}`;
    case 'points':
      return `file:${spec.file}`;
    default: {
      const never: never = spec;
      return String(never);
    }
  }
}
