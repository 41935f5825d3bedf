/**
 * False alarms of validate's burstiness metrics by simulation (session 39): pairs of independent
 * seeded draws of one stationary arrival process, validated against each other, so every
 * failure is a false alarm. Counts, per scenario, the pairs failing each of iat_cv_rel_err and
 * dispersion_rel_err_1s|10s|60s (aggregate scope; a single client) and the allowance each took.
 * Scenarios: a Poisson client (Gaussian bin counts, where the bins-noise SE is exact), a Weibull
 * renewal client of shape 0.42 (gap CV² 8.3, upstream m-small's client 30), and a sparse
 * heavy-tailed one (lognormal gaps, σ = 2, gap CV² 54); spans of 1–16 arrival windows of 600 s.
 * Scenarios named "defect:" draw the second side from another process (Poisson against Weibull
 * gaps of CV 1.26, each way): their failures are the metrics' power.
 * Each metric is judged against its allowance alone (the thresholds file's defaults set to 0 by
 * `overrides`: what a stricter --thresholds gets, and what decides wherever the allowance is above
 * the default), and beside it against the defaults as validate applies them (max of the default,
 * widened as √(2 000 / n) below 2 000 values, and the allowance).
 * Usage: node --import tsx bench/validate-noise.ts [--pairs 400] [--only name,…]
 * Every draw is seeded (seed = scenario offset + pair): the same command prints the same table.
 */
import { createRng } from '../src/stats/rng.js';
import type { Trace } from '../src/ingest/trace.js';
import { validateTraces } from '../src/validate/validate.js';
import { loadThresholds } from '../src/validate/thresholds.js';
import { asResult } from '../test/validate/traces.js';

const argv = process.argv.slice(2);
const pairs = argv.includes('--pairs') ? Number(argv[argv.indexOf('--pairs') + 1]) : 400;
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : undefined;

/** A renewal process on [0, span) (started long before 0, so stationary), ms clock. */
function renewal(seed: number, gap: (rng: ReturnType<typeof createRng>) => number, warm: number, span: number): Trace {
  const rng = createRng(seed);
  const out: number[] = [];
  let t = -warm;
  for (;;) {
    t += gap(rng);
    if (t >= span) break;
    if (t >= 0) out.push(Math.round(t * 1000) / 1000);
  }
  const n = out.length;
  return { n, timestamp: Float64Array.from(out), client: new Int32Array(n), clientIds: ['c'], ints: {}, texts: {}, origin: null };
}

/** Weibull gaps of shape k at `rate` req/s: scale 1 / (rate · Γ(1 + 1/k)). */
const weibull = (k: number, gamma: number, rate: number) => (rng: ReturnType<typeof createRng>) => Math.pow(-Math.log(rng.nextOpen()), 1 / k) / (rate * gamma);
/** Lognormal gaps of log-SD σ at `rate` req/s. */
const lognormal = (sigma: number, rate: number) => (rng: ReturnType<typeof createRng>) => Math.exp(-(sigma * sigma) / 2 + sigma * rng.normal()) / rate;

interface Scenario {
  name: string;
  windows: number;
  gap: (rng: ReturnType<typeof createRng>) => number;
  /** The second draw's process when it differs (a defect: its failures are catches, not false alarms). */
  gapB?: (rng: ReturnType<typeof createRng>) => number;
  warm: number;
}
const scenarios: Scenario[] = [];
for (const w of [1, 4, 8, 12, 16]) {
  scenarios.push({ name: `poisson 1/s ${w}w`, windows: w, gap: weibull(1, 1, 1), warm: 100 });
  // Γ(1 + 1/0.42) = Γ(3.381) = 2.9596 (scipy).
  scenarios.push({ name: `weibull0.42 2/s ${w}w`, windows: w, gap: weibull(0.42, 2.9596, 2), warm: 2000 });
  scenarios.push({ name: `lognormal2 0.5/s ${w}w`, windows: w, gap: lognormal(2, 0.5), warm: 40000 });
}
// Power: the second draw burstier or smoother than the first. Weibull gaps of shape 0.8 have a CV
// of 1.26 (Γ(3.5) = 3.3234, Γ(2.25) = 1.1330, scipy), so counts' dispersion up to 1.59.
for (const w of [1, 8, 12]) {
  scenarios.push({ name: `defect: poisson vs weibull0.8, 1/s ${w}w`, windows: w, gap: weibull(1, 1, 1), gapB: weibull(0.8, 1.133, 1), warm: 100 });
  scenarios.push({ name: `defect: weibull0.8 vs poisson, 1/s ${w}w`, windows: w, gap: weibull(0.8, 1.133, 1), gapB: weibull(1, 1, 1), warm: 100 });
}

const METRICS = ['iat_cv_rel_err', 'dispersion_rel_err_1s', 'dispersion_rel_err_10s', 'dispersion_rel_err_60s'];
const defaults = loadThresholds();
const thresholds = { ...defaults, overrides: Object.fromEntries(METRICS.map((m) => [m, 0])) };
console.log(`# validate false alarms by simulation — ${pairs} pairs per scenario, 600 s windows, node ${process.version}`);
console.log('Per metric: pairs failing its allowance alone / failing with the default thresholds (median allowance).');
console.log(`| scenario | requests / side | ${METRICS.join(' | ')} | any of these, alone / defaults |`);
console.log(`|---|---|${METRICS.map(() => '---|').join('')}---|`);
scenarios.forEach((sc, si) => {
  if (only && !only.some((o) => sc.name.includes(o))) return;
  const fails = METRICS.map(() => 0);
  const failsDefault = METRICS.map(() => 0);
  const allowed: number[][] = METRICS.map(() => []);
  let any = 0;
  let anyDefault = 0;
  let requests = 0;
  for (let p = 0; p < pairs; p++) {
    const a = renewal(100_000 * (si + 1) + 2 * p, sc.gap, sc.warm, 600 * sc.windows);
    const b = renewal(100_000 * (si + 1) + 2 * p + 1, sc.gapB ?? sc.gap, sc.warm, 600 * sc.windows);
    requests += a.n;
    const { report } = validateTraces(asResult(a), asResult(b), thresholds);
    let bad = false;
    let badDefault = false;
    METRICS.forEach((name, i) => {
      const m = report.metrics[name];
      if (!m || m.value === null) return;
      allowed[i].push(m.threshold);
      if (!m.pass) {
        fails[i]++;
        bad = true;
      }
      // As validate applies the default (computeMetrics): widened as √(2 000 / n) below 2 000
      // values, n the smaller side's requests (gaps, for the CV: one fewer, close enough here).
      const n = Math.min(a.n, b.n) - (name === 'iat_cv_rel_err' ? 1 : 0);
      const def = defaults.aggregate[name] * (n < 2000 ? Math.sqrt(2000 / Math.max(1, n)) : 1);
      if (m.value > Math.max(def, m.threshold)) {
        failsDefault[i]++;
        badDefault = true;
      }
    });
    if (bad) any++;
    if (badDefault) anyDefault++;
  }
  const med = (xs: number[]) => (xs.length ? [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)].toFixed(3) : '—');
  const pct = (k: number, of: number) => `${k}/${of} (${((100 * k) / Math.max(1, of)).toFixed(1)} %)`;
  console.log(`| ${sc.name} | ${Math.round(requests / pairs)} | ${METRICS.map((_, i) => `${pct(fails[i], allowed[i].length)} / ${failsDefault[i]} (${med(allowed[i])})`).join(' | ')} | ${pct(any, pairs)} / ${anyDefault} |`);
});
