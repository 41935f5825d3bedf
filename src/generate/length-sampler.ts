import type { Rng } from '../stats/rng.js';
import { PmfSampler } from '../stats/pmf.js';
import { normalCdf, normalQuantile } from '../stats/normal.js';
import { copulaRhoFromSpearman } from '../stats/correlation.js';
import type { LengthFieldName, LengthWindow, ProfileClient } from '../profile/schema.js';

import { LENGTH_COLUMNS, type LengthBuffers, type LengthColumn } from '../io/trace-schema.js';

const MEDIA = ['image', 'audio', 'video'] as const;

interface MediaSamplers {
  /** Items per request; undefined for a client whose profile has the per-request total alone. */
  count?: PmfSampler;
  perItem?: PmfSampler;
  perRequest?: PmfSampler;
}

/** Samplers for one client's length window (fields missing there borrowed from the nearest window that has them). */
export interface WindowLengthSampler {
  input?: PmfSampler;
  output?: PmfSampler;
  /** Gaussian-copula correlation between the input and output uniforms (0 = independent). */
  rho: number;
  reasonRatio?: PmfSampler;
  reasoningTokens?: PmfSampler;
  media: (MediaSamplers | undefined)[];
}

/** Which length columns a set of clients can produce. */
export function lengthColumnsOf(clients: readonly ProfileClient[]): LengthColumn[] {
  const present = new Set<LengthFieldName>();
  for (const c of clients) for (const w of c.lengths) for (const k of Object.keys(w.fields) as LengthFieldName[]) present.add(k);
  const cols: LengthColumn[] = [];
  if (present.has('input_tokens')) cols.push('input_tokens');
  if (present.has('output_tokens')) cols.push('output_tokens');
  if (present.has('reason_ratio') || present.has('reasoning_tokens')) cols.push('reasoning_tokens');
  for (const m of MEDIA) {
    if (present.has(`${m}_count`)) cols.push(`${m}_count`, `${m}_tokens`);
    // A log with a modality's tokens and no count of its items (`image_tokens` alone) gives a
    // profile with the per-request total only: its tokens are drawn without a count.
    else if (present.has(`${m}_tokens`)) cols.push(`${m}_tokens`);
  }
  return cols;
}

/**
 * Per-client length sampling across its windows. For a time t the window is the last one
 * starting at or before t (upstream's rule), or the first window for earlier times.
 */
export class ClientLengthSampler {
  private readonly starts: Float64Array;
  private readonly ws: LengthWindow[];
  /** Built on first use: a 1 h run of a two-week profile touches 1 of 56 windows. */
  private readonly built: (WindowLengthSampler | undefined)[];
  private readonly cache = new Map<object, PmfSampler>();
  private readonly positive = new Map<PmfSampler, PmfSampler | null>();

  constructor(client: ProfileClient) {
    this.ws = client.lengths.filter((w) => Object.keys(w.fields).length > 0);
    this.starts = Float64Array.from(this.ws.map((w) => w.start));
    this.built = new Array(this.ws.length);
  }

  private memo(pmf: object): PmfSampler {
    let s = this.cache.get(pmf);
    if (!s) {
      s = new PmfSampler(pmf as never);
      this.cache.set(pmf, s);
    }
    return s;
  }

  /** Nearest window at or before i with this field, else the nearest after it. */
  private sampler(i: number, name: LengthFieldName): PmfSampler | undefined {
    const ws = this.ws;
    for (let j = i; j >= 0; j--) {
      const f = ws[j].fields[name];
      if (f) return this.memo(f.pmf);
    }
    for (let j = i + 1; j < ws.length; j++) {
      const f = ws[j].fields[name];
      if (f) return this.memo(f.pmf);
    }
    return undefined;
  }

  /**
   * Sampler of a per-request media total given at least one item: the field's PMF without its
   * zero atom. The PMF of a fitted profile counts every request, so it holds a 0 for each
   * request without items; those requests already get 0 (their count is 0), and drawing the
   * total of the others from the whole PMF put the zero mass in twice (found by review: half
   * of the requests with images had 0 image tokens, the mean total was halved).
   * Undefined when the PMF has no positive value.
   */
  private positiveSampler(i: number, name: LengthFieldName): PmfSampler | undefined | null {
    const s = this.sampler(i, name);
    if (!s) return undefined;
    let p = this.positive.get(s);
    if (p === undefined) {
      p = positivePart(s);
      this.positive.set(s, p);
    }
    return p;
  }

  private build(i: number): WindowLengthSampler {
    const w = this.ws[i];
    return {
      input: this.sampler(i, 'input_tokens'),
      output: this.sampler(i, 'output_tokens'),
      rho: w.joint ? (w.joint.copula ?? copulaRhoFromSpearman(w.joint.spearman)) : 0,
      reasonRatio: this.sampler(i, 'reason_ratio'),
      reasoningTokens: this.sampler(i, 'reasoning_tokens'),
      media: MEDIA.map((m) => {
        const count = this.sampler(i, `${m}_count`);
        if (!count) {
          // The per-request total alone (a log with image tokens but no image count): drawn
          // from its whole PMF, whose zeros are the requests without items (found by a
          // receiver's review: such a fit's image tokens were left out of every generated
          // request, and of the replay formats' prompt lengths, without a word).
          const total = this.sampler(i, `${m}_tokens`);
          return total ? { perRequest: total } : undefined;
        }
        const perRequest = this.positiveSampler(i, `${m}_tokens`);
        return { count, perItem: this.sampler(i, `${m}_tokens_per_item`), perRequest: perRequest === null ? ZERO : perRequest };
      }),
    };
  }

  /** True when the client has any length data. */
  get hasLengths(): boolean {
    return this.ws.length > 0;
  }

  /** The window sampler in force at profile time t. */
  at(t: number): WindowLengthSampler | undefined {
    const s = this.starts;
    const n = s.length;
    if (n === 0) return undefined;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    const i = lo === 0 ? 0 : lo - 1;
    return (this.built[i] ??= this.build(i));
  }
}

/** A sampler that always gives 0 (a per-request total whose PMF has no positive value). */
const ZERO = new PmfSampler({ values: [0], probs: [1] });

/** The sampler restricted to values > 0 (its entries above 0, renormalized), or null when there are none. */
function positivePart(s: PmfSampler): PmfSampler | null {
  const values: number[] = [];
  const probs: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const binProbs: number[] = [];
  let prev = 0;
  for (let k = 0; k < s.lo.length; k++) {
    const p = s.cum[k] - prev;
    prev = s.cum[k];
    if (!(p > 0)) continue;
    if (s.isRange[k]) {
      // Ranges start at 4 096 or above in fitted profiles; keep the part above 0 of any other.
      const a = Math.max(1, s.lo[k]);
      const b = s.lo[k] + s.span[k];
      if (b < a) continue;
      lo.push(a);
      hi.push(b);
      binProbs.push((p * (b - a + 1)) / (s.span[k] + 1));
    } else if (s.lo[k] > 0) {
      values.push(s.lo[k]);
      probs.push(p);
    }
  }
  if (values.length === 0 && lo.length === 0) return null;
  return new PmfSampler(lo.length > 0 ? { values, probs, bins: { lo, hi, probs: binProbs } } : { values, probs });
}

const COL = Object.fromEntries(LENGTH_COLUMNS.map((c, i) => [c, i])) as Record<LengthColumn, number>;

/**
 * Draws one request's lengths from window sampler `w` into row `row` of `cols`, using the
 * client's length stream. Input and output come from a Gaussian copula with correlation
 * w.rho (independent at 0), never from one shared uniform; multimodal tokens are drawn per
 * item and summed; reasoning tokens are output × reason ratio. `inputRank` (a session turn's
 * rank for its input within the window, in (0, 1); NaN: none) replaces the input's uniform,
 * the output's still correlated with it through the copula.
 */
export function sampleLengths(w: WindowLengthSampler, rng: Rng, cols: LengthBuffers, row: number, inputRank = NaN): void {
  let uIn: number;
  let uOut: number;
  if (inputRank === inputRank) {
    uIn = inputRank;
    if (w.rho === 0) uOut = rng.next();
    else {
      const z2 = w.rho * normalQuantile(inputRank) + Math.sqrt(1 - w.rho * w.rho) * rng.normal();
      uOut = Math.min(normalCdf(z2), 1 - 1e-16);
    }
  } else if (w.rho === 0) {
    uIn = rng.next();
    uOut = rng.next();
  } else {
    const z1 = rng.normal();
    const z2 = w.rho * z1 + Math.sqrt(1 - w.rho * w.rho) * rng.normal();
    uIn = Math.min(normalCdf(z1), 1 - 1e-16);
    uOut = Math.min(normalCdf(z2), 1 - 1e-16);
  }
  const inCol = cols[COL.input_tokens];
  if (inCol) inCol[row] = w.input ? w.input.quantile(uIn) : NaN;
  const out = w.output ? w.output.quantile(uOut) : NaN;
  const outCol = cols[COL.output_tokens];
  if (outCol) outCol[row] = out;
  const rCol = cols[COL.reasoning_tokens];
  if (rCol) {
    if (w.reasoningTokens) rCol[row] = w.reasoningTokens.quantile(rng.next());
    else if (w.reasonRatio && !Number.isNaN(out)) rCol[row] = Math.round(out * w.reasonRatio.quantile(rng.next()));
    else rCol[row] = NaN;
  }
  for (let m = 0; m < 3; m++) {
    const countCol = cols[COL.image_count + 2 * m];
    const tokCol = cols[COL.image_tokens + 2 * m];
    if (!tokCol) continue;
    const ms = w.media[m];
    if (!ms) {
      if (countCol) countCol[row] = NaN;
      tokCol[row] = NaN;
      continue;
    }
    if (!ms.count) {
      if (countCol) countCol[row] = NaN;
      tokCol[row] = ms.perRequest ? ms.perRequest.quantile(rng.next()) : NaN;
      continue;
    }
    if (!countCol) continue;
    const n = ms.count.quantile(rng.next());
    countCol[row] = n;
    let tokens = 0;
    if (ms.perItem) {
      for (let k = 0; k < n; k++) tokens += ms.perItem.quantile(rng.next());
    } else if (ms.perRequest) {
      tokens = n > 0 ? ms.perRequest.quantile(rng.next()) : 0;
    } else {
      tokens = NaN;
    }
    tokCol[row] = tokens;
  }
}

/** Sets every length column of a row to absent (client without length data). */
export function clearLengths(cols: LengthBuffers, row: number): void {
  for (const c of cols) if (c) c[row] = NaN;
}
