import { describe, expect, it } from 'vitest';
import { lineChart } from '../../src/report/svg.js';

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

  it('draws the legend last, on a white ground, over the lines', () => {
    const svg = lineChart({ title: 't', series: [{ label: 'source', points: [[0, 20], [3000, 20]] }, { label: 'generated', points: [[0, 19], [3000, 21]] }], xLabel: 'x', yLabel: 'y' });
    const ground = svg.indexOf('fill="#fff"');
    expect(ground).toBeGreaterThan(svg.lastIndexOf('<path'));
    expect(svg.indexOf('>source<')).toBeGreaterThan(ground);
  });
});
