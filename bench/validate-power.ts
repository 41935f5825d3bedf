/**
 * Power of `validate` (seventh session): how often it fails a generated trace with a known
 * defect, next to how often it fails a faithful one (a false alarm). Source: a draw of the
 * mm-image pool (fixtures, Apache-2.0); generated: another draw with a seed of its own, with
 * one defect injected into the profile or the trace. Dense: constant 25 req/s for 2 h (~180 000
 * requests); sparse: constant 0.6 req/s (~4 300). Prints, per defect and density, the pairs that
 * failed and the metrics that failed most often.
 * Usage: npm run bench:validate-power [-- --pairs 6] [--all]
 * With --all, every failing metric's count follows each row (not only the four most frequent),
 * so a before/after comparison of an allowance sees each metric's catches.
 */
import { importServegenPool } from '../src/profile/upstream.js';
import { planGeneration, type GenerateOptions } from '../src/generate/compose.js';
import { validateTraces } from '../src/validate/validate.js';
import { loadThresholds } from '../src/validate/thresholds.js';
import type { Trace } from '../src/ingest/trace.js';
import { asResult, toTrace } from '../test/validate/traces.js';
import type { Profile } from '../src/profile/schema.js';

const argv = process.argv.slice(2);
const pairs = argv.includes('--pairs') ? Number(argv[argv.indexOf('--pairs') + 1]) : 6;
const all = argv.includes('--all');
const pool = importServegenPool(new URL('../fixtures/servegen/multimodal/mm-image', import.meta.url).pathname, () => 'x').profile;

const top = [...pool.clients].sort((a, b) => b.requests - a.requests)[0].id;
const edit = (f: (p: Profile) => void): Profile => {
  const p = structuredClone(pool);
  f(p);
  return p;
};

/** Each defect: the profile to generate from, the rate, and an edit of the generated trace. */
interface Defect {
  name: string;
  profile?: Profile;
  rateFactor?: number;
  trace?: (t: Trace) => Trace;
}
const defects: Defect[] = [
  { name: 'none (false alarms)' },
  { name: 'rate +25 %', rateFactor: 1.25 },
  {
    name: 'Poisson arrivals per client',
    profile: edit((p) => p.clients.forEach((c) => c.arrivals.forEach((w) => Object.assign(w, { cv: 1, model: null, empirical: undefined })))),
  },
  // Burstier than the source (session 39): the defect on the side where the generated index of
  // dispersion and gap CV are the larger, whose allowances are e^(3·SE) − 1 (wider than 1 − e^(−3·SE)).
  { name: 'gap CV +25 % per window', profile: edit((p) => p.clients.forEach((c) => c.arrivals.forEach((w) => w.model && w.cv !== null && Object.assign(w, { cv: w.cv * 1.25, empirical: undefined })))) },
  { name: `top client (${top}) at 70 % of its rate`, profile: edit((p) => p.clients.find((c) => c.id === top)!.arrivals.forEach((w) => (w.rate *= 0.7))) },
  { name: 'input tokens +20 %', trace: (t) => ({ ...t, ints: { ...t.ints, input_tokens: t.ints.input_tokens!.map((v) => (v >= 0 ? Math.round(v * 1.2) : v)) } }) },
  // Imported pools carry no input/output correlation (upstream draws them independently): the
  // defect is a strong one where there was none.
  { name: 'input/output correlated (copula 0.8)', profile: edit((p) => p.clients.forEach((c) => c.lengths.forEach((l) => (l.joint = { spearman: 0.79, copula: 0.8 })))) },
];

const thresholds = loadThresholds();
console.log(`# validate power — mm-image pool, ${pairs} pairs per cell (source seed s, generated seed 100 + s), node ${process.version}`);
console.log('| defect | density | pairs failed | metrics failing most often |');
console.log('|---|---|---|---|');
for (const [density, rate] of [['dense (25 req/s, 2 h)', 25], ['sparse (0.6 req/s, 2 h)', 0.6]] as const) {
  const base: GenerateOptions = { start: 36000, duration: 7200, rate: { kind: 'constant', rate }, seed: 0 };
  const sources = Array.from({ length: pairs }, (_, s) => toTrace(planGeneration(pool, { ...base, seed: s + 1 })));
  for (const d of defects) {
    let failed = 0;
    const counts = new Map<string, number>();
    for (let s = 0; s < pairs; s++) {
      let gen = toTrace(planGeneration(d.profile ?? pool, { ...base, rate: { kind: 'constant', rate: rate * (d.rateFactor ?? 1) }, seed: 101 + s }));
      if (d.trace) gen = d.trace(gen);
      const { report } = validateTraces(asResult(sources[s]), asResult(gen), thresholds);
      if (!report.pass) failed++;
      for (const m of new Set(report.failed.map((n) => n.replace(/@client:.*$/, '@client')))) counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    const most = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, all ? counts.size : 4).map(([m, n]) => `${m} (${n})`).join(', ');
    console.log(`| ${d.name} | ${density} | ${failed}/${pairs} | ${most || '—'} |`);
  }
}
