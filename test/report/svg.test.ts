import { describe, expect, it } from 'vitest';
import { barChart, lineChart, num } from '../../src/report/svg.js';

const labels = (svg: string, anchor: 'middle' | 'end') =>
  [...svg.matchAll(new RegExp(`<text x="[^"]*" y="[^"]*" text-anchor="${anchor}">([^<]*)</text>`, 'g'))].map((m) => m[1]);

describe('lineChart tick labels (found by review)', () => {
  it('ticks far from 0 get distinct labels (were "2e+7" ×5 and "5400 5400 5400 5410 …")', () => {
    const seconds = lineChart({ title: 't', series: [{ label: 'a', points: [[19440000, 1], [19481563, 2]] }], xLabel: 'time (s)', yLabel: 'r' });
    const x = labels(seconds, 'middle').filter((l) => /^\d{6,}$/.test(l));
    expect(x).toEqual(['19440000', '19450000', '19460000', '19470000', '19480000']);
    const hours = lineChart({ title: 't', series: [{ label: 'a', points: [[5400, 1], [5411.5, 2]] }], xLabel: 'time (h)', yLabel: 'r' });
    const h = labels(hours, 'middle').filter((l) => /^54/.test(l));
    expect(h).toEqual(['5400', '5402', '5404', '5406', '5408', '5410']);
  });

  it('labels that were already distinct are unchanged', () => {
    const svg = lineChart({ title: 't', series: [{ label: 'a', points: [[0, 0], [3000, 3.5]] }], xLabel: 'x', yLabel: 'y' });
    expect(labels(svg, 'middle').slice(0, 7)).toEqual(['0', '500', '1000', '1500', '2000', '2500', '3000']);
    expect(labels(svg, 'end')).toEqual(['0', '0.5', '1', '1.5', '2', '2.5', '3', '3.5']);
  });
});

describe('lineChart with many points (found by review)', () => {
  it('draws 300 000 points (Math.min(...points) overflowed the call stack)', () => {
    const points: [number, number][] = Array.from({ length: 300_000 }, (_, i) => [i, i % 7]);
    expect(lineChart({ title: 't', series: [{ label: 'a', points }], xLabel: 'x', yLabel: 'y' })).toContain('<svg');
  });
});

describe('lineChart on a log axis spanning about a decade (found by review: the dispersion axis from 1 to 8 read "1" only)', () => {
  it('adds 2× and 5× ticks when powers of 10 give fewer than three; wide ranges keep powers of 10 only', () => {
    const narrow = lineChart({ title: 't', series: [{ label: 'a', points: [[1, 1], [60, 8]] }], xLabel: 'x', yLabel: 'y', xLog: true, yLog: true });
    expect(labels(narrow, 'middle')).toEqual(['1', '2', '5', '10', '20', '50']);
    expect(labels(narrow, 'end')).toEqual(['1', '2', '5']);
    const wide = lineChart({ title: 't', series: [{ label: 'a', points: [[1e-6, 0.1], [1, 1]] }], xLabel: 'x', yLabel: 'y', xLog: true });
    expect(labels(wide, 'middle')).toEqual(['1e-6', '1e-5', '1e-4', '0.001', '0.01', '0.1', '1']);
  });

  it('puts the legend above the plot, where no line runs under it (found by a visual audit: it hid a rate\'s first windows)', () => {
    const svg = lineChart({ title: 't', series: [{ label: 'source', points: [[0, 20], [3000, 20]] }, { label: 'generated', points: [[0, 19], [3000, 21]] }, { label: 'naive baseline', points: [[0, 18], [3000, 22]] }], xLabel: 'x', yLabel: 'y' });
    const plotTop = Number(/<rect x="56" y="([\d.]+)"[^>]*fill="none" stroke="#999"/.exec(svg)![1]);
    const legendY = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" font-size="10">(source|generated|naive baseline)</g)].map((m) => Number(m[1]));
    expect(legendY).toHaveLength(3);
    for (const y of legendY) expect(y).toBeLessThan(plotTop);
    expect(svg).not.toContain('fill="#fff"');
    // The dashed third series has a dashed swatch.
    expect(svg).toMatch(/<line [^>]*stroke-dasharray="4 3"\/><text [^>]*>naive baseline</);
  });

  it('wraps a legend wider than the chart onto a second row, and makes the chart taller by it', () => {
    const series = ['empirical (PMFs)', 'fitted (lognormal+pareto, lognormal-mixture-2, exponential)'].map((label) => ({ label, points: [[1, 0.1], [10, 0.9]] as [number, number][] }));
    const svg = lineChart({ title: 't', series, xLabel: 'x', yLabel: 'y' });
    expect(svg).toContain('height="308"');
    const ys = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" font-size="10">/g)].map((m) => Number(m[1]));
    expect(new Set(ys).size).toBe(2);
  });
});

describe('lineChart on degenerate data (found by a visual audit of fit reports)', () => {
  it('draws a one-point series as a dot, centred on a log axis (a one-client profile\'s concentration chart was empty)', () => {
    const svg = lineChart({ title: 't', series: [{ label: 'cumulative share', points: [[1, 1]] }], xLabel: 'clients', yLabel: 'share', xLog: true });
    expect(svg).toMatch(/<circle cx="252" cy="[\d.]+" r="3"/);
    expect(labels(svg, 'middle')).toEqual(['0.5', '1', '2']);
  });

  it('labels a log axis spanning less than one 1-2-5 step with linear steps (IAT CVs from 0.99 to 1.1 read "1" alone)', () => {
    const svg = lineChart({ title: 't', series: [{ label: 'w', points: [[0.99, 0.1], [1.04, 0.5], [1.1, 1]] }], xLabel: 'CV (log)', yLabel: 'y', xLog: true });
    expect(labels(svg, 'middle')).toEqual(['1', '1.02', '1.04', '1.06', '1.08', '1.1']);
  });

  it('writes large ticks as "1e5", as small ones are "1e-6" (was "1e+5"), and coordinates without float noise', () => {
    const svg = lineChart({ title: 't', series: [{ label: 'a', points: [[1000, 0.1], [150000, 1]] }], xLabel: 'x', yLabel: 'y', xLog: true });
    expect(labels(svg, 'middle')).toEqual(['1000', '10000', '1e5']);
    expect(svg).not.toMatch(/\d\.\d{5,}/); // was y1="194.40000000000003"
  });
});

describe('num, the reports\' table numbers (found by a visual audit)', () => {
  it('writes an integer as such (0 was "0.00", a p50 of 13 tokens "13.00") and a tiny value without trailing zeros (a 1e-6 s clock read "0.00000100 s")', () => {
    expect([0, 13, 1, -2, 1e-6, 0.00098, 0.0123, 1.5, 27.875, 123.4, NaN, null].map(num)).toEqual(['0', '13', '1', '-2', '0.000001', '0.00098', '0.0123', '1.50', '27.88', '123', '—', '—']);
  });
});

describe('barChart scale (found by a visual audit: the axis said only "share (max 0.842)")', () => {
  it('labels a scale under the bars, at most 6 ticks so that labels do not touch', () => {
    const svg = barChart({ title: 't', rows: [{ label: 'a', values: [0.181, 0.17] }, { label: 'b', values: [0.01, 0.02] }], seriesLabels: ['source', 'generated'], xLabel: 'share of requests' });
    expect(labels(svg, 'middle')).toEqual(['0', '0.04', '0.08', '0.12', '0.16']);
    expect(svg).toContain('>share of requests</text>');
    expect(svg).not.toContain('(max');
  });
});
