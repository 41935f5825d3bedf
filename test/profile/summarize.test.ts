import { describe, expect, it } from 'vitest';
import { peakWindowRate, summarizeProfile } from '../../src/profile/summarize.js';
import { fieldCdfs } from '../../src/profile/report-html.js';
import type { Profile } from '../../src/profile/schema.js';

// Found by review: `fit --length-window 7` (length windows shorter than the 600 s arrival
// windows) made inspect weigh only the length windows an arrival window starts in.
describe('summarizeProfile: length windows shorter than arrival windows', () => {
  const pmf = (v: number) => ({ values: [v], counts: [1] });
  const profile: Profile = {
    format: 'servegen-profile',
    version: 1,
    provenance: { tool: 'test', source_sha256: null, created: '2026-01-01T00:00:00Z', options: {} },
    windows: { arrival_seconds: 600, length_seconds: 300 },
    span: { origin: null, start: 0, end: 600 },
    clients: [
      {
        id: 'a',
        requests: 600,
        arrivals: [{ start: 0, rate: 1, cv: 1, model: { family: 'exponential', scale: 1 } }],
        lengths: [
          { start: 0, fields: { input_tokens: { pmf: pmf(10) } } },
          { start: 300, fields: { input_tokens: { pmf: pmf(20) } } },
        ],
      },
    ],
  } as Profile;

  it('weighs each length window by the requests of the arrival windows over its span (rate × overlap)', () => {
    expect(summarizeProfile(profile).fields.input_tokens!.mean).toBe(15);
    const [empirical] = fieldCdfs(profile, 'input_tokens');
    expect(empirical.points).toEqual([
      [10, 0.5],
      [20, 1],
    ]);
  });
});

describe('requestsPerWindow', () => {
  it('gives requestsIn of every length window, bit for bit: sorted, with equal starts, unaligned widths, and unsorted starts (fallback)', async () => {
    const { requestsIn, requestsPerWindow } = await import('../../src/profile/summarize.js');
    const { createRng } = await import('../../src/stats/rng.js');
    const rng = createRng(11);
    let cases = 0;
    for (let trial = 0; trial < 300; trial++) {
      const width = [600, 7, 1e-3, 3600][trial % 4] * (0.5 + rng.next());
      const arrivals = Array.from({ length: 1 + Math.floor(rng.next() * 40) }, () => ({ start: Math.floor(rng.next() * 50) * width + (trial % 5 === 0 ? rng.next() : 0), rate: rng.next() * 5, cv: null, model: null }));
      if (trial % 3 !== 0) arrivals.sort((a, b) => a.start - b.start);
      const span = 50 * width;
      let starts = Array.from({ length: 1 + Math.floor(rng.next() * 12) }, () => rng.next() * span * 1.2 - 0.1 * span).sort((a, b) => a - b);
      if (trial % 7 === 0 && starts.length > 2) starts[2] = starts[1]; // two length windows with one start
      if (trial % 11 === 0) starts = starts.reverse(); // unsorted: the per-window fallback
      const client = { id: 'c', requests: 1, arrivals, lengths: [] } as never;
      const got = requestsPerWindow(client, starts, width);
      starts.forEach((_, i) => {
        const a = i === 0 ? -Infinity : starts[i];
        const b = i + 1 < starts.length ? starts[i + 1] : Infinity;
        expect(Object.is(got[i], requestsIn(client, a, b, width)), `trial ${trial} window ${i}`).toBe(true);
        cases++;
      });
    }
    expect(cases).toBeGreaterThan(1000);
  });
});

// Session 25: inspect's "peak window" summed level clients' realized windows (a sparse client's
// window holding 5 of its requests read as a peak 8× its rate), while `generate` draws them at
// level × rhythm in every window and `--rate peak:R` scales that busiest expected window.
describe('peakWindowRate: level clients at level × rhythm in every window', () => {
  const exp = { family: 'exponential' as const, scale: 1 };
  const win = (start: number, rate: number) => ({ start, rate, cv: 1, model: exp });
  const profile = {
    format: 'servegen-profile',
    version: 1,
    provenance: { tool: 'test', source_sha256: null, created: '2026-01-01T00:00:00Z', options: {} },
    windows: { arrival_seconds: 600, length_seconds: 600 },
    span: { origin: null, start: 0, end: 2400 },
    level_shape: { starts: [0, 600], factors: [0.5, 1.5] },
    clients: [
      // A dense client with no window at 1800.
      { id: 'a', requests: 2700, arrivals: [win(0, 1), win(600, 3), win(1200, 0.5)], lengths: [] },
      // Level clients: their realized windows (10 req/s at 1200) are not what is drawn.
      { id: 'b', requests: 6000, arrivals: [win(1200, 10)], lengths: [], levels: { starts: [0, 1800], rates: [0.5, 4], cv: 1, model: exp } },
      { id: 'c', requests: 2000, arrivals: [win(0, 1)], lengths: [], levels: { starts: [0], rates: [1], cv: 1, model: exp } },
    ],
  } as unknown as Profile;

  it('peaks where only a level changes (1800: (4 + 1) × 1.5), not at the realized windows', () => {
    // 0: 1 + 1.5 × 0.5; 600: 3 + 1.5 × 1.5; 1200: 0.5 + 1.5 × 1.5; 1800: 0 + 5 × 1.5.
    expect(peakWindowRate(profile)).toBeCloseTo(7.5, 12);
    expect(summarizeProfile(profile).peakWindowRate).toBeCloseTo(7.5, 12);
  });

  it('is the busiest window of the windows alone without level clients', () => {
    const plain = { ...profile, level_shape: undefined, clients: [profile.clients[0]] } as Profile;
    expect(peakWindowRate(plain)).toBe(3);
  });
});
