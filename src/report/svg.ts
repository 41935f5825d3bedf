/**
 * Minimal inline-SVG charts for self-contained HTML reports (no network, no scripts):
 * line charts with linear or log axes, and grouped bar charts.
 */
import { log10, pow } from '../stats/det-math.js';

export interface Series {
  label: string;
  points: [number, number][];
}

const COLORS = ['#1f77b4', '#d62728', '#7f7f7f', '#2ca02c', '#9467bd', '#ff7f0e'];

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A table's number: 3 significant digits; an integer as such (a p50 of 13 tokens read "13.00", 0
 * "0.00") and a tiny one without padding (a clock of 1e-6 s read "0.00000100 s").
 */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (Number.isInteger(v)) return String(v);
  if (a < 1e-3) return String(Number(v.toPrecision(3)));
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

function niceTicks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    // Powers of 10; and 2× and 5× them where the range spans too few decades to show more than
    // two (a dispersion axis from 1 to 8 was labelled "1" only).
    const inRange = (v: number) => v >= lo / 1.0001 && v <= hi * 1.0001;
    const decades = (mults: number[]) => {
      const out: number[] = [];
      for (let e = Math.floor(log10(lo)); e <= Math.ceil(log10(hi)); e++) for (const k of mults) out.push(Number((k * pow(10, e)).toPrecision(12)));
      return out.filter(inRange);
    };
    const major = decades([1]);
    if (major.length >= 3) return major;
    const minor = decades([1, 2, 5]);
    // Within one 1-2-5 step (IAT CVs from 0.93 to 1.3) the axis read "1" alone: linear steps then.
    return minor.length >= 2 ? minor : niceTicks(lo, hi, false);
  }
  const span = hi - lo || 1;
  const step = pow(10, Math.floor(log10(span / 4)));
  const mult = span / step > 20 ? 5 : span / step > 8 ? 2 : 1;
  const s = step * mult;
  const out: number[] = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-9; v += s) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(0).replace('e+', 'e'); // "1e5", as "1e-6" (was "1e+5")
  return Number(v.toPrecision(3)).toString();
}

/**
 * Labels of linear-axis ticks, with the digits their step needs: fmt's three significant digits
 * printed one label for several ticks far from 0 (found by review: a profile whose span starts
 * at 19 440 000 s labelled its hours axis "5400 5400 5400 5410 5410 5410" and the fidelity
 * report's seconds axis "2e+7" five times).
 */
function tickLabels(ticks: number[], log: boolean): string[] {
  const labels = ticks.map(fmt);
  if (log || ticks.length < 2 || new Set(labels).size === labels.length) return labels;
  const step = Math.abs(ticks[1] - ticks[0]);
  const decimals = Math.max(0, Math.min(12, -Math.floor(log10(step) + 1e-9)));
  return ticks.map((v) => {
    const t = v.toFixed(decimals);
    return /^-?0(\.0+)?$/.test(t) ? '0' : t;
  });
}

/** A coordinate with one decimal: tick lines were at y="194.40000000000003" (found by a visual audit). */
const px = (v: number) => Number(v.toFixed(1));

const drawable = (log: { x?: boolean; y?: boolean }) => ([x, y]: [number, number]) => Number.isFinite(x) && Number.isFinite(y) && (!log.x || x > 0) && (!log.y || y > 0);

/** An axis's range with room around a single value: ×/÷ 2 on a log axis, ± 0.5 on a linear one. */
function widen(lo: number, hi: number, log: boolean): [number, number] {
  if (hi !== lo) return [lo, hi];
  return log ? [lo / 2, hi * 2] : [lo - 0.5, hi + 0.5];
}

/**
 * The legend's entries in rows above the plot, each as wide as its label: drawn inside the plot
 * (on a white ground) it hid the lines under it, a rate's first windows or a CDF's low end
 * (found by a visual audit).
 */
function legendRows(labels: string[], left: number, right: number): { x: number; row: number }[] {
  let x = left;
  let row = 0;
  return labels.map((l) => {
    const w = 26 + 6 * l.length;
    if (x > left && x + w > right) {
      x = left;
      row++;
    }
    const at = { x, row };
    x += w + 10;
    return at;
  });
}

/** A line chart (step-free polylines) as an <svg> element string. */
export function lineChart(opts: { title: string; series: Series[]; xLabel: string; yLabel: string; xLog?: boolean; yLog?: boolean; width?: number; height?: number }): string {
  const W = opts.width ?? 460;
  const ok = drawable({ x: opts.xLog, y: opts.yLog });
  const shown = opts.series.map((s, i) => ({ s, i, p: s.points.filter(ok) })).filter((x) => x.p.length > 0);
  const legend = legendRows(shown.map((x) => x.s.label), 56, W - 12);
  const rows = legend.length ? legend[legend.length - 1].row + 1 : 0;
  const m = { l: 56, r: 12, t: 28 + rows * 14, b: 44 };
  const H = (opts.height ?? 280) + rows * 14;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(opts.title)}">`;
  svg += `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">${escapeXml(opts.title)}</text>`;
  if (shown.length === 0) return svg + `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="12">no data</text></svg>`;
  // Loops, not Math.min(...pts): spreading ~10^5 points overflowed the call stack (found by review).
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const { p } of shown)
    for (const [x, y] of p) {
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  if (!opts.yLog) y0 = Math.min(0, y0);
  // A single x (one client's concentration, every window's CV 1) was drawn at the plot's left
  // edge on an axis from 1 to 2: centred now (found by a visual audit).
  [x0, x1] = widen(x0, x1, Boolean(opts.xLog));
  [y0, y1] = opts.yLog ? widen(y0, y1, true) : [y0, y1 === y0 ? y0 + 1 : y1];
  const tx = (x: number) => px(m.l + ((opts.xLog ? log10(x / x0) / log10(x1 / x0) : (x - x0) / (x1 - x0)) * (W - m.l - m.r)));
  const ty = (y: number) => px(H - m.b - ((opts.yLog ? log10(y / y0) / log10(y1 / y0) : (y - y0) / (y1 - y0)) * (H - m.t - m.b)));
  svg += `<g font-size="10" fill="#444">`;
  const xt = niceTicks(x0, x1, Boolean(opts.xLog));
  const xl = tickLabels(xt, Boolean(opts.xLog));
  xt.forEach((v, i) => (svg += `<line x1="${tx(v)}" x2="${tx(v)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/><text x="${tx(v)}" y="${H - m.b + 14}" text-anchor="middle">${xl[i]}</text>`));
  const yt = niceTicks(y0, y1, Boolean(opts.yLog));
  const yl = tickLabels(yt, Boolean(opts.yLog));
  yt.forEach((v, i) => (svg += `<line x1="${m.l}" x2="${W - m.r}" y1="${ty(v)}" y2="${ty(v)}" stroke="#eee"/><text x="${m.l - 4}" y="${ty(v) + 3}" text-anchor="end">${yl[i]}</text>`));
  svg += `</g><rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`;
  svg += `<text x="${(W + m.l) / 2}" y="${H - 8}" text-anchor="middle" font-size="11">${escapeXml(opts.xLabel)}</text>`;
  svg += `<text transform="translate(12 ${(H - m.b + m.t) / 2}) rotate(-90)" text-anchor="middle" font-size="11">${escapeXml(opts.yLabel)}</text>`;
  shown.forEach(({ s, i, p }, k) => {
    const color = COLORS[i % COLORS.length];
    const dash = i === 2 ? ' stroke-dasharray="4 3"' : '';
    const step = Math.max(1, Math.floor(p.length / 600)); // keep files small
    const path = p.filter((_, j) => j % step === 0 || j === p.length - 1).map(([x, y], j) => `${j ? 'L' : 'M'}${tx(x).toFixed(1)},${ty(y).toFixed(1)}`).join('');
    // One point draws no line: a dot (a one-client profile's concentration chart was empty).
    svg += p.length === 1 ? `<circle cx="${tx(p[0][0])}" cy="${ty(p[0][1])}" r="3" fill="${color}"/>` : `<path d="${path}" fill="none" stroke="${color}" stroke-width="1.6"${dash}/>`;
    const { x, row } = legend[k];
    const y = 26 + row * 14;
    svg += `<line x1="${x}" x2="${x + 16}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"${dash}/><text x="${x + 20}" y="${y + 3.5}" font-size="10">${escapeXml(s.label)}</text>`;
  });
  return svg + '</svg>';
}

/** Grouped horizontal bars: one group per row, one bar per series. */
export function barChart(opts: { title: string; rows: { label: string; values: number[] }[]; seriesLabels: string[]; xLabel: string; width?: number }): string {
  const W = opts.width ?? 460;
  const bar = 6;
  const group = bar * opts.seriesLabels.length + 6;
  const m = { l: 150, r: 16, t: 28 + opts.seriesLabels.length * 14, b: 44 };
  const H = m.t + m.b + group * opts.rows.length;
  const max = Math.max(1e-12, ...opts.rows.flatMap((r) => r.values));
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(opts.title)}">`;
  svg += `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">${escapeXml(opts.title)}</text>`;
  // A scale under the bars: the axis said only "(max 0.842)" (found by a visual audit).
  const every = niceTicks(0, max, false);
  const ticks = every.length > 6 ? every.filter((_, i) => i % 2 === 0) : every; // labels of 10 ticks touched
  const labels = tickLabels(ticks, false);
  svg += `<g font-size="10" fill="#444">`;
  ticks.forEach((v, i) => {
    const x = px(m.l + ((W - m.l - m.r) * v) / max);
    svg += `<line x1="${x}" x2="${x}" y1="${m.t - 2}" y2="${H - m.b}" stroke="#eee"/><text x="${x}" y="${H - m.b + 14}" text-anchor="middle">${labels[i]}</text>`;
  });
  svg += `</g><line x1="${m.l}" x2="${m.l}" y1="${m.t - 2}" y2="${H - m.b}" stroke="#999"/>`;
  opts.seriesLabels.forEach((l, i) => {
    svg += `<rect x="${m.l}" y="${24 + i * 14}" width="10" height="8" fill="${COLORS[i % COLORS.length]}"/><text x="${m.l + 14}" y="${32 + i * 14}" font-size="10">${escapeXml(l)}</text>`;
  });
  opts.rows.forEach((r, gi) => {
    const y = m.t + gi * group;
    svg += `<text x="${m.l - 4}" y="${y + group / 2}" text-anchor="end" font-size="10">${escapeXml(r.label.length > 24 ? r.label.slice(0, 23) + '…' : r.label)}</text>`;
    r.values.forEach((v, si) => {
      svg += `<rect x="${m.l}" y="${y + si * bar}" width="${px(((W - m.l - m.r) * v) / max)}" height="${bar - 1}" fill="${COLORS[si % COLORS.length]}"/>`;
    });
  });
  svg += `<text x="${(W + m.l) / 2}" y="${H - 8}" text-anchor="middle" font-size="11">${escapeXml(opts.xLabel)}</text>`;
  return svg + '</svg>';
}
