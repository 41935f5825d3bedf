/**
 * The profile report's rate chart (`fit --report`, `inspect --report`) draws a window the span
 * cuts as validate's rate chart draws a trace's (ratePoints): over the part it covers (a part under
 * a tenth of the window together with the window next to it). Since the span-start rule the first window may be cut to a few seconds, rated by
 * fit over those; the first request is in it whatever the rate, so at a low rate it read far
 * above the log's and was drawn as a whole window's rate, a spike that set the chart's top
 * (found by review, h-98).
 */
import { describe, expect, it } from 'vitest';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { profileHtml, profileRatePoints } from '../../src/profile/report-html.js';
import { createRng } from '../../src/stats/rng.js';
import { ratePoints } from '../../src/validate/validate.js';
import { traceOf } from '../fit/helpers.js';

const options = { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' };

/** Poisson at 0.05 req/s from 590.4 s (relative times) for 4 h, and one request more 5.2 s into the window after the last. */
function thinEnds() {
  const rng = createRng(11);
  const ts: number[] = [];
  for (let t = 590.4; t < 14390; t += -Math.log(rng.nextOpen()) / 0.05) ts.push(t);
  ts.push(14405.2);
  return fitTrace(traceOf(ts), options).profile;
}

describe('the profile report draws a window the span cuts over its part (under a tenth of it: with the window next to it)', () => {
  const profile = thinEnds();
  const windows = profile.clients[0].arrivals;

  it('a first window cut to 10 s and a last one to 5.2 s, each holding one request, are no spikes', () => {
    expect(profile.span.start).toBe(590);
    // Fit rates them over their parts: 1 request in 10 s and in 5.2 s.
    expect(windows[0]).toMatchObject({ start: 0, rate: 0.1 });
    expect(windows.at(-1)!.start).toBe(14400);
    expect(windows.at(-1)!.rate).toBeCloseTo(1 / 5.2, 9);
    const pts = profileRatePoints(profile);
    expect(pts).toHaveLength(windows.length);
    // Each rated together with the whole window next to it (session 39): its request and the
    // neighbour's over 610 s and 605.2 s. They were drawn at 0.1 and 0.19 req/s, 2 and 4 times the
    // log's 0.05, while rated over their parts, then at 1/60 (its one request over a tenth of the
    // window: a dip to a third) while rated over a tenth of the window at least.
    const whole = (k: number) => windows[k].rate * 600;
    expect(pts[0][0]).toBe(0);
    expect(pts[0][1]).toBeCloseTo((1 + whole(1)) / 610, 12);
    expect(pts.at(-1)![0]).toBe(4);
    expect(pts.at(-1)![1]).toBeCloseTo((1 + whole(windows.length - 2)) / 605.2, 12);
    for (const p of [pts[0], pts.at(-1)!]) expect(Math.abs(p[1] - 0.05)).toBeLessThan(0.02);
    // Whole windows at their rates, and the chart's top near theirs.
    for (let k = 1; k < windows.length - 1; k++) expect(pts[k][1]).toBeCloseTo(windows[k].rate, 12);
    const top = Math.max(...pts.map((p) => p[1]));
    expect(top).toBeLessThan(0.08);
    // The chart drawn: its y axis tops at 0.06 (ticks 0, 0.01 … 0.06), not at the spike's 0.2.
    const chart = /Aggregate request rate[\s\S]*?<\/svg>/.exec(profileHtml(profile))![0];
    const ticks = [...chart.matchAll(/text-anchor="end">([\d.]+)<\/text>/g)].map((m) => Number(m[1]));
    expect(Math.max(...ticks)).toBe(0.06);
  });

  it('as validate draws the log itself: the same points from its windows\' requests', () => {
    const requests = new Map(windows.map((w) => [w.start, Math.round(w.rate * (Math.min(w.start + 600, profile.span.end) - Math.max(w.start, profile.span.start)))]));
    const fromLog = ratePoints(requests, 600, profile.span).map(([t, r]) => [t / 3600, r]);
    const drawn = profileRatePoints(profile);
    drawn.forEach(([t, r], k) => {
      expect(t).toBe(fromLog[k][0]);
      expect(r).toBeCloseTo(fromLog[k][1], 12);
    });
  });

  it('windows with no requests between two with them are drawn at 0, as validate draws a pause', () => {
    const pause = { ...profile, clients: [{ ...profile.clients[0], arrivals: windows.filter((w) => w.start < 3000 || w.start >= 6000) }] };
    const pts = profileRatePoints(pause);
    expect(pts.filter(([t]) => t >= 3000 / 3600 && t < 6000 / 3600)).toEqual([[3000 / 3600, 0], [5400 / 3600, 0]]);
  });
});
