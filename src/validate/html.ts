import { barChart, escapeXml, lineChart } from '../report/svg.js';
import type { ChartData, FidelityReport } from './validate.js';

function num(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

/**
 * Self-contained HTML fidelity report: summary, pass/fail table (with baseline), inline SVG charts.
 * The baseline's ratio to ours is shown only when ours is above 0 (found by review: a value of 0
 * printed "1.00 (1000000000000×)" from a division by 1e-12).
 */
export function fidelityHtml(report: FidelityReport, charts: ChartData): string {
  const hasBase = report.baseline !== undefined;
  const rows = Object.entries(report.metrics)
    .map(([name, m]) => {
      const cls = m.value === null ? 'skip' : m.pass ? 'pass' : 'fail';
      const base = hasBase ? `<td>${num(m.baseline)}${m.baseline !== undefined && m.baseline !== null && m.value !== null && m.value > 0 && m.baseline > m.value * 1.0001 ? ` <small>(${num(m.baseline / m.value)}×)</small>` : ''}</td>` : '';
      return `<tr class="${cls}"><td><code>${escapeXml(name)}</code></td><td>${escapeXml(m.scope)}</td><td>${num(m.value)}</td><td>${num(m.threshold)}</td>${base}<td>${m.value === null ? escapeXml(m.note ?? 'not judged') : m.pass ? 'pass' : 'FAIL'}</td></tr>`;
    })
    .join('\n');
  const side = (label: string, s: FidelityReport['source'] | undefined) =>
    s
      ? `<tr><th>${label}</th><td>${s.requests}</td><td>${s.clients}</td><td>${num(s.span_seconds)}</td><td>${num(s.mean_rate)}</td><td>${num(s.iat_cv)}</td><td>${num(s.index_of_dispersion['1s'])} / ${num(s.index_of_dispersion['10s'])} / ${num(s.index_of_dispersion['60s'])}</td><td>${num(s.peak_p99.requests_per_s)}</td><td>${num(s.peak_p99.tokens_per_s)}</td></tr>`
      : '';
  const chartsHtml = [
    lineChart({ title: 'Request rate per window', series: charts.rate, xLabel: 'time (s)', yLabel: 'requests/s' }),
    lineChart({ title: 'Inter-arrival time CDF (aggregate)', series: charts.iatCdf, xLabel: 'gap (s, log)', yLabel: 'P(gap ≤ x)', xLog: true }),
    lineChart({ title: 'Index of dispersion vs time scale', series: charts.dispersion, xLabel: 'bin (s, log)', yLabel: 'variance / mean (log)', xLog: true, yLog: true }),
    ...charts.lengthCdfs.map((f) => lineChart({ title: `${f.field} CDF`, series: f.series, xLabel: `${f.field} (log)`, yLabel: 'P(X ≤ x)', xLog: true })),
    barChart({ title: 'Client shares (top clients of the source)', rows: charts.shares.map((s) => ({ label: s.id, values: s.values })), seriesLabels: charts.shareLabels, xLabel: 'share of requests' }),
  ].join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ServeGen fidelity report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}
table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}tr.fail{background:#fde2e2}tr.pass td:last-child{color:#17692d}tr.skip{color:#888}
.verdict{font-size:18px;font-weight:700}.ok{color:#17692d}.bad{color:#b3261e}.charts{display:flex;flex-wrap:wrap;gap:16px}
</style></head><body>
<h1>ServeGen fidelity report</h1>
<p class="verdict ${report.pass ? 'ok' : 'bad'}">${report.pass ? 'PASS' : `FAIL — ${report.failed.length} metric(s): ${escapeXml(report.failed.slice(0, 8).join(', '))}${report.failed.length > 8 ? ' …' : ''}`}</p>
<p>Clock resolution ${num(report.clock_resolution_seconds)} s (both sides summarized at the source's resolution). Tool ${escapeXml(report.tool)}.</p>
${report.thresholds.replay ? `<p>Replay (<code>--replay</code>): the generated side is a load generator's record of replaying the source, moved by ${num(report.generated.time_offset_seconds)} s to put its first request on the source's first; thresholds without the sampling-noise allowances two draws need.</p>\n` : ''}<table><tr><th></th><th>requests</th><th>clients</th><th>span (s)</th><th>mean rate</th><th>IAT CV</th><th>dispersion 1 / 10 / 60 s</th><th>peak requests/s (p99, 10 s)</th><th>peak tokens/s (p99, 10 s)</th></tr>
${side('source', report.source)}${side('generated', report.generated)}${side('naive baseline', report.baseline)}</table>
<div class="charts">${chartsHtml}</div>
<h2>Metrics</h2>
<table><tr><th>metric</th><th>scope</th><th>value</th><th>threshold</th>${hasBase ? '<th>naive baseline</th>' : ''}<th>verdict</th></tr>
${rows}</table>
</body></html>
`;
}
