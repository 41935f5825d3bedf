import { describe, expect, it } from 'vitest';
import { summarizeProfile } from '../../src/profile/summarize.js';
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
