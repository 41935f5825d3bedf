import { readFileSync } from 'node:fs';
import { fileKind, fileKindName } from '../io/file-kind.js';
import { z } from 'zod';
import { IngestError } from '../ingest/errors.js';
import { duplicateKeyProblem, parseJsonText, plainIssue } from '../io/json-text.js';
import { readErrorReason } from '../io/read-error.js';

/**
 * Default pass thresholds (documented in docs/thresholds.json). Keys are metric kinds; a
 * metric named `<field>_ks` uses `length_ks`, `image_count_tv` uses `count_tv`, and so on.
 * KS-type metrics also allow the two-sample sampling noise at α = 0.01
 * (1.63·√((n+m)/(n·m))), so small traces are not failed for being small.
 */
export const DEFAULT_THRESHOLDS = {
  aggregate: {
    rate_mape: 0.15,
    requests_rel_err: 0.05,
    iat_ks: 0.08,
    iat_cv_rel_err: 0.15,
    dispersion_rel_err_1s: 0.3,
    dispersion_rel_err_10s: 0.3,
    dispersion_rel_err_60s: 0.4,
    gap_memory_abs_err: 0.05,
    length_ks: 0.05,
    length_w1_norm: 0.1,
    length_p50_rel_err: 0.1,
    length_p90_rel_err: 0.1,
    length_p99_rel_err: 0.15,
    io_spearman_abs_err: 0.08,
    client_share_tv: 0.08,
    count_tv: 0.05,
    reason_ratio_ks: 0.05,
    session_turns_mean_rel_err: 0.1,
    session_multi_turn_share_abs_err: 0.05,
    session_gap_p50_rel_err: 0.2,
    session_input_growth_p50_err: 0.1,
    peak_rate_p99_rel_err: 0.15,
    peak_tokens_p99_rel_err: 0.15,
    prefix_hit_ratio_abs_err: 0.05,
    prefix_lru_hit_ratio_abs_err: 0.05,
  },
  client: {
    rate_mape: 0.25,
    requests_rel_err: 0.1,
    iat_ks: 0.1,
    iat_cv_rel_err: 0.25,
    dispersion_rel_err_1s: 0.4,
    dispersion_rel_err_10s: 0.4,
    dispersion_rel_err_60s: 0.5,
    gap_memory_abs_err: 0.08,
    length_ks: 0.08,
    length_w1_norm: 0.15,
    length_p50_rel_err: 0.15,
    length_p90_rel_err: 0.15,
    length_p99_rel_err: 0.25,
    io_spearman_abs_err: 0.1,
    count_tv: 0.08,
    reason_ratio_ks: 0.08,
  },
  /** Per-client metrics for the top clients by volume, those with at least this many requests. */
  top_clients: 5,
  min_client_requests: 1000,
  /** Quantile errors are judged only with at least this many values on each side. */
  min_n: { p50: 50, p90: 200, p99: 2000 },
} as const;

export type Thresholds = {
  aggregate: Record<string, number>;
  client: Record<string, number>;
  top_clients: number;
  min_client_requests: number;
  min_n: { p50: number; p90: number; p99: number };
  /** Metric names → threshold: with a scope (`input_tokens_p99_rel_err@client:a`) for that metric only, without (`iat_ks`) for it in every scope. */
  overrides?: Record<string, number>;
  /**
   * `validate --replay`: the generated side is a load generator's record of replaying the
   * source (the same requests, not another draw), so each metric is judged by its threshold
   * alone, without the sampling-noise allowance two independent draws need. Not a file key.
   */
  replay?: boolean;
};

const FileSchema = z
  .object({
    description: z.string().optional(),
    aggregate: z.record(z.string(), z.number().nonnegative()).optional(),
    client: z.record(z.string(), z.number().nonnegative()).optional(),
    top_clients: z.number().int().nonnegative().optional(),
    min_client_requests: z.number().nonnegative().optional(),
    min_n: z.object({ p50: z.number(), p90: z.number(), p99: z.number() }).partial().strict().optional(),
    overrides: z.record(z.string(), z.number().nonnegative()).optional(),
  })
  .strict();

/**
 * The `overrides` keys that name no metric of a report: neither a metric's full name
 * (`iat_ks@client:a`) nor its name in every scope (`iat_ks`). A typo there ("iat_kss") was
 * ignored without a word and the default stayed in force (found by review).
 */
export function unmatchedOverrides(t: Thresholds, metricNames: readonly string[]): string[] {
  const names = new Set(metricNames);
  for (const n of metricNames) names.add(n.split('@')[0]);
  return Object.keys(t.overrides ?? {}).filter((k) => !names.has(k));
}

/** Defaults merged with a user file (`--thresholds t.json`). */
export function loadThresholds(file?: string): Thresholds {
  const base: Thresholds = {
    aggregate: { ...DEFAULT_THRESHOLDS.aggregate },
    client: { ...DEFAULT_THRESHOLDS.client },
    top_clients: DEFAULT_THRESHOLDS.top_clients,
    min_client_requests: DEFAULT_THRESHOLDS.min_client_requests,
    min_n: { ...DEFAULT_THRESHOLDS.min_n },
  };
  if (!file) return base;
  // A profile, trace or report given as thresholds got a key error about its first key (found by
  // the README walkthrough): say what the file is.
  const kind = fileKind(file);
  if (kind !== 'other') {
    const what = fileKindName(kind);
    throw new IngestError(`${file}: ${what}, not a thresholds file: --thresholds takes a JSON file like docs/thresholds.json ({"aggregate": {"iat_ks": 0.1}})`, file);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new IngestError(`${file}: cannot read thresholds (${readErrorReason(err)})`, file);
  }
  let value: unknown;
  try {
    value = parseJsonText(text, file);
  } catch (err) {
    // (file:line:column, as for a mapping; it said "at position 15")
    throw new IngestError(`${(err as Error).message}; thresholds are a JSON file like docs/thresholds.json`, file);
  }
  const dup = duplicateKeyProblem(text, file);
  if (dup) throw new IngestError(dup, file);
  // A metric at the top level ({"iat_ks": 0.1}, as "overrides any of them" suggests) was
  // "(root): Unrecognized key" (found by review): say where it goes.
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const top = Object.keys(FileSchema.shape);
    const stray = Object.keys(value).find((k) => !top.includes(k) && /_(ks|tv|err|mape|norm)(@|$)|^length_|^rate_/.test(k));
    if (stray !== undefined) {
      throw new IngestError(`${file}: ${JSON.stringify(stray)} at the top level: give metric kinds under "aggregate" or "client" ({"aggregate": {"iat_ks": 0.1}}) and exact metric names under "overrides" ({"overrides": {"iat_ks@client:a": 0.1}}); see docs/thresholds.json`, file);
    }
  }
  const r = FileSchema.safeParse(value);
  // zod's "(root): Unrecognized key: \"aggregat\"" named neither the allowed keys nor the nearest
  // one (left open by review): plainIssue does; min_n is strict too (a "p95" there was ignored).
  if (!r.success) {
    const known = (path: readonly PropertyKey[]) => (path.length === 0 ? Object.keys(FileSchema.shape) : path.length === 1 && path[0] === 'min_n' ? ['p50', 'p90', 'p99'] : undefined);
    throw new IngestError(`${file}: ${plainIssue(r.error.issues[0], value, known)}; see docs/thresholds.json`, file);
  }
  // A key that is no metric kind was ignored without a word — a typo ("iat_kss") left the default
  // in force and validate passed (found by review).
  for (const level of ['aggregate', 'client'] as const) {
    const known = Object.keys(base[level]);
    for (const k of Object.keys(r.data[level] ?? {})) {
      if (!known.includes(k)) throw new IngestError(`${file}: ${level}.${k}: not a metric kind of ${level} thresholds (known: ${known.join(', ')}; exact metric names go in overrides)`, file);
    }
  }
  return {
    aggregate: { ...base.aggregate, ...r.data.aggregate },
    client: { ...base.client, ...r.data.client },
    top_clients: r.data.top_clients ?? base.top_clients,
    min_client_requests: r.data.min_client_requests ?? base.min_client_requests,
    min_n: { ...base.min_n, ...r.data.min_n },
    overrides: r.data.overrides,
  };
}

/**
 * Refuses thresholds built in memory that a thresholds file could not give (loadThresholds
 * checks a file's): a metric kind under `aggregate` or `client` that is none (a typo,
 * `iat_kss`, was ignored without a word and the default stayed in force, as it was for a file
 * before loadThresholds refused it), or a value that is not a finite number ≥ 0 (NaN failed the
 * metric, naming no cause). Found by using the installed package as a library (h-102). Kinds
 * left out are not judged, as before; `overrides` naming no metric of a report are listed by
 * unmatchedOverrides (the CLI warns of them).
 * @throws RangeError naming the key (`thresholds.aggregate.iat_kss`).
 */
export function checkThresholds(t: Thresholds): void {
  const bad = (where: string, what: string): never => {
    throw new RangeError(`thresholds.${where}: ${what}; see docs/thresholds.json (validate.loadThresholds() gives the defaults to start from)`);
  };
  const value = (where: string, v: unknown, whole = false): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (whole && !Number.isInteger(v))) bad(where, `expected a ${whole ? 'whole' : 'finite'} number ≥ 0, got ${typeof v === 'number' ? v : JSON.stringify(v) ?? String(v)}`);
  };
  for (const level of ['aggregate', 'client'] as const) {
    const known = Object.keys(DEFAULT_THRESHOLDS[level]);
    for (const [k, v] of Object.entries(t[level] ?? {})) {
      if (!known.includes(k)) bad(`${level}.${k}`, `not a metric kind of ${level} thresholds (known: ${known.join(', ')}; exact metric names go in overrides)`);
      value(`${level}.${k}`, v);
    }
  }
  value('top_clients', t.top_clients, true);
  value('min_client_requests', t.min_client_requests);
  // (min_n: any number, as a file gives it: ≤ 0 judges every quantile.)
  for (const q of ['p50', 'p90', 'p99'] as const) if (typeof t.min_n?.[q] !== 'number' || Number.isNaN(t.min_n[q])) bad(`min_n.${q}`, `expected a number, got ${JSON.stringify(t.min_n?.[q]) ?? 'undefined'}`);
  for (const [k, v] of Object.entries(t.overrides ?? {})) value(`overrides[${JSON.stringify(k)}]`, v);
}
