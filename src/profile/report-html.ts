import { barChart, escapeXml, lineChart, num, type Series } from '../report/svg.js';
import { ratePoints } from '../report/rate-points.js';
import { PmfSampler } from '../stats/pmf.js';
import { normalCdf } from '../stats/normal.js';
import { lognormalParetoCdf, twoNormalsCdf } from '../fit/mixtures.js';
import type { LengthFieldName, Profile } from './schema.js';
import { anonymizedText, requestsPerWindow, secondsInSpan, summarizeProfile } from './summarize.js';
import { expm1, log, pow } from '../stats/det-math.js';
import { insideWords } from '../fit/batches.js';

const fmt = num;

/** Rate-weighted mixture CDF of a field over all clients and windows, and the mean fitted CDF. */
export function fieldCdfs(profile: Profile, field: LengthFieldName): Series[] {
  const W = profile.windows.arrival_seconds;
  const atoms = new Map<number, number>();
  const fits: { family: string; params: Record<string, number>; weight: number }[] = [];
  for (const c of profile.clients) {
    const lw = c.lengths.filter((w) => w.fields[field]);
    const weights = requestsPerWindow(c, lw.map((w) => w.start), W, profile.span);
    lw.forEach((w, i) => {
      const weight = weights[i];
      if (!(weight > 0)) return;
      const f = w.fields[field]!;
      const s = new PmfSampler(f.pmf);
      let prev = 0;
      for (let k = 0; k < s.lo.length; k++) {
        const x = s.isRange[k] ? s.lo[k] + s.span[k] / 2 : s.lo[k];
        atoms.set(x, (atoms.get(x) ?? 0) + (s.cum[k] - prev) * weight);
        prev = s.cum[k];
      }
      if (f.fit?.params) fits.push({ family: f.fit.family, params: f.fit.params, weight });
    });
  }
  const xs = [...atoms.keys()].sort((a, b) => a - b);
  const total = [...atoms.values()].reduce((a, b) => a + b, 0);
  let acc = 0;
  const empirical: [number, number][] = xs.map((x) => {
    acc += atoms.get(x)! / total;
    return [x, acc];
  });
  const series: Series[] = [{ label: 'empirical (PMFs)', points: empirical }];
  if (fits.length > 0 && xs.length > 1) {
    const fw = fits.reduce((a, f) => a + f.weight, 0);
    const cdfAt = (x: number) =>
      fits.reduce((sum, f) => {
        const p = f.params;
        const F =
          f.family === 'lognormal'
            ? x <= 0 ? 0 : normalCdf((log(x) - p.mu) / p.sigma)
            : f.family === 'exponential'
              ? x <= 0 ? 0 : -expm1(-x / p.scale)
              : f.family === 'lognormal+pareto'
                ? lognormalParetoCdf(p as never, x)
                : f.family === 'lognormal-mixture-2'
                  ? x <= 0 ? 0 : twoNormalsCdf(p as never, log(x))
                  : f.family === 'normal-mixture-2'
                    ? twoNormalsCdf(p as never, x)
                    : NaN;
        return sum + (f.weight / fw) * F;
      }, 0);
    const lo = Math.max(field === 'reason_ratio' ? 1e-3 : 1, xs[0]);
    const hi = xs[xs.length - 1];
    const pts: [number, number][] = [];
    for (let k = 0; k <= 120; k++) {
      const x = lo * pow(hi / lo, k / 120);
      pts.push([x, cdfAt(x)]);
    }
    if (pts.every(([, y]) => Number.isFinite(y))) series.push({ label: `fitted (${[...new Set(fits.map((f) => f.family))].join(', ')})`, points: pts });
  }
  return series;
}

/**
 * The report's aggregate rate chart: (hours, requests/s) at each arrival window's start, drawn as
 * validate's rate chart draws a trace (ratePoints) from each window's requests (its rate over its
 * seconds in the span): a window the span cuts over the part it covers (under a tenth of it:
 * together with the window next to it), and a pause between windows at 0. Its rate over that
 * part was drawn as a whole window's: a Poisson log at 0.05 req/s from 590 s into a 600 s
 * window rose to 0.1 req/s at its start, the chart's top — the span starts at the first
 * request, so the window it starts in holds one whatever the rate (found by review, h-98).
 */
export function profileRatePoints(profile: Profile): [number, number][] {
  const W = profile.windows.arrival_seconds;
  const requests = new Map<number, number>();
  for (const c of profile.clients) for (const w of c.arrivals) requests.set(w.start, (requests.get(w.start) ?? 0) + w.rate * secondsInSpan(w.start, W, profile.span));
  return ratePoints(requests, W, profile.span).map(([t, r]) => [t / 3600, r]);
}

/**
 * Self-contained HTML characterization of a profile (the paper's view of a workload): rate
 * over time, IAT CV distribution, family mix, length CDFs with fitted curves, client
 * concentration. Inline SVG, no scripts, no network.
 */
export function profileHtml(profile: Profile, title = 'ServeGen profile'): string {
  const s = summarizeProfile(profile);
  const W = profile.windows.arrival_seconds;
  const ratePts = profileRatePoints(profile);
  const cvs: [number, number][] = [];
  for (const c of profile.clients) for (const w of c.arrivals) if (w.cv !== null && w.model && w.rate > 0) cvs.push([w.cv, w.rate * secondsInSpan(w.start, W, profile.span)]);
  cvs.sort((a, b) => a[0] - b[0]);
  const cvTotal = cvs.reduce((a, b) => a + b[1], 0);
  let acc = 0;
  // From 0 at the lowest CV: Azure code's first window holds a fifth of the requests and its
  // curve began at 0.2 in mid-air (found by a visual audit).
  const cvCdf: [number, number][] = cvs.length ? [[cvs[0][0], 0]] : [];
  for (const [cv, w] of cvs) cvCdf.push([cv, (acc += w / cvTotal)]);
  const vols = profile.clients.map((c) => c.requests).sort((a, b) => b - a);
  const vt = vols.reduce((a, b) => a + b, 0);
  acc = 0;
  const conc = vols.map((v, i) => {
    acc += v / vt;
    return [i + 1, acc] as [number, number];
  });
  const fields = Object.keys(s.fields) as LengthFieldName[];
  const charts = [
    lineChart({ title: 'Aggregate request rate (Σ client window rates)', series: [{ label: 'rate', points: ratePts }], xLabel: profile.span.origin ? 'time (h from origin)' : "time (h, the log's clock)", yLabel: 'requests/s' }),
    lineChart({ title: 'IAT CV per window (request-weighted CDF)', series: [{ label: 'windows', points: cvCdf }, { label: 'Poisson (CV 1)', points: [[1, 0], [1, 1]] }], xLabel: 'CV (log)', yLabel: 'share of requests', xLog: true }),
    barChart({ title: 'Arrival family mix', rows: Object.entries(s.familyMix).map(([k, v]) => ({ label: k, values: [v] })), seriesLabels: ['share of requests'], xLabel: 'share of requests' }),
    lineChart({ title: 'Client concentration', series: [{ label: 'cumulative share', points: conc }], xLabel: 'clients, largest first (log)', yLabel: 'share of requests', xLog: true }),
    ...fields
      .filter((f) => (s.fields[f]?.p99 ?? 0) > 0)
      .map((f) => lineChart({ title: `${f} CDF`, series: fieldCdfs(profile, f), xLabel: `${f} (log)`, yLabel: 'P(X ≤ x)', xLog: true })),
  ].join('\n');
  // Fields 0 in every request (a multimodal pool's audio and video) in one line, as `inspect`
  // prints them: the table had four rows of "0.00" (found by a visual audit).
  const alwaysZero = fields.filter((f) => s.fields[f]!.mean === 0 && s.fields[f]!.p99 === 0);
  const fieldRows = fields
    .filter((f) => !alwaysZero.includes(f))
    .map((f) => {
      const x = s.fields[f]!;
      return `<tr><td><code>${f}</code></td><td>${fmt(x.mean)}</td><td>${fmt(x.p50)}</td><td>${fmt(x.p90)}</td><td>${fmt(x.p99)}</td></tr>`;
    })
    .join('');
  const zeroCaption = alwaysZero.length ? `<caption>always 0: ${alwaysZero.map((f) => `<code>${f}</code>`).join(', ')}</caption>` : '';
  const agg = profile.aggregate as { diurnal_peak_to_mean?: number; nmae?: number } | undefined;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}table{border-collapse:collapse;margin:8px 0 20px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:16px}caption{caption-side:bottom;text-align:left;padding-top:4px}</style>
</head><body>
<h1>${escapeXml(title)}</h1>
<table>
<tr><th>clients</th><td>${s.clients} (${s.concentration.p50} / ${s.concentration.p90} / ${s.concentration.p99} carry 50 / 90 / 99 % of requests)</td></tr>
<tr><th>span</th><td>${fmt(s.span.hours)} h${s.span.origin ? `, origin ${escapeXml(s.span.origin)}` : ''}</td></tr>
${s.anonymized ? `<tr><th>anonymized</th><td>${escapeXml(anonymizedText(s.anonymized))}</td></tr>` : ''}
<tr><th>requests</th><td>${s.requests} (mean ${fmt(s.meanRate)} req/s, peak window ${fmt(s.peakWindowRate)} req/s)</td></tr>
<tr><th>IAT CV</th><td>request-weighted median ${fmt(s.cv.requestWeightedMedian)}, mean ${fmt(s.cv.requestWeightedMean)}; ${fmt(100 * s.cv.shareAbove1)} % of requests in windows with CV &gt; 1</td></tr>
<tr><th>families</th><td>${Object.keys(s.familyMix).length === 0 ? 'none: no window has enough gaps for a model' : Object.entries(s.familyMix).map(([k, v]) => `${k} ${fmt(100 * v)} %`).join(', ')}${s.empiricalShare > 0 ? `; ${fmt(100 * s.empiricalShare)} % drawn from gap histograms` : ''}</td></tr>
<tr><th>gap memory</th><td>${s.gapMemory.clients === 0 ? 'none: gaps drawn independently within each window' : `${s.gapMemory.clients} client${s.gapMemory.clients === 1 ? '' : 's'} (${fmt(100 * s.gapMemory.share)} % of requests): ${s.gapMemory.top.map((x) => `client ${escapeXml(JSON.stringify(x.id))}: weight ${fmt(x.weight)}, φ ${fmt(x.phi)}`).join('; ')}`}</td></tr>${s.batches.clients === 0 ? '' : `<tr><th>batches</th><td>${s.batches.clients} client${s.batches.clients === 1 ? '' : 's'} (${fmt(100 * s.batches.share)} % of requests) ${s.batches.clients === 1 ? 'sends' : 'send'} requests ${s.batches.how}: ${s.batches.top.map((x) => `client ${escapeXml(JSON.stringify(x.id))}: ${fmt(x.meanSize)} per ${x.below === undefined ? 'instant' : `cluster (gaps ${insideWords(x.below)})`} on average, up to ${x.maxSize}`).join('; ')}</td></tr>`}
${agg?.diurnal_peak_to_mean ? `<tr><th>aggregate model</th><td>trend + 24 h/12 h Fourier: diurnal peak/mean ${fmt(agg.diurnal_peak_to_mean)}, normalized MAE ${fmt(agg.nmae)}</td></tr>` : ''}
${s.reasoningToAnswer !== undefined ? `<tr><th>reasoning</th><td>reasoning ≈ ${fmt(s.reasoningToAnswer)} × answer tokens</td></tr>` : ''}
</table>
<table>${zeroCaption}<tr><th>field</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th></tr>${fieldRows}</table>
<table><tr><th>${s.topClients.length < s.clients ? `top ${s.topClients.length} of ${s.clients} clients` : 'client'}</th><th>share</th><th>mean window CV</th><th>rate shifts</th></tr>${s.topClients.map((c) => `<tr><td>${escapeXml(c.id)}</td><td>${fmt(100 * c.share)} %</td><td>${fmt(c.cv)}</td><td>${c.shifts}</td></tr>`).join('')}</table>
${s.sessions.length ? `<table><tr><th>client (sessions)</th><th>sessions</th><th>mean turns</th><th>multi-turn share</th><th>median inter-turn gap (s)</th><th>median input growth per turn</th></tr>${s.sessions.slice(0, 10).map((x) => { const t = x.stats as Record<string, number | null>; return `<tr><td>${escapeXml(x.id)}</td><td>${t.sessions}</td><td>${fmt(t.mean_turns)}</td><td>${fmt(100 * (t.multi_turn_share ?? NaN))} %</td><td>${fmt(t.inter_turn_gap_median_s)}</td><td>${fmt(t.input_growth_per_turn_median)}</td></tr>`; }).join('')}</table>` : ''}
<div class="charts">${charts}</div>
</body></html>
`;
}
