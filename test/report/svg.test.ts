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
