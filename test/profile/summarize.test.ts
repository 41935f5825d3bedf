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
