import { describe, expect, it } from 'vitest';
import { fitTrace, type FitOptions } from '../../src/fit/fit-trace.js';
import { validateProfile } from '../../src/profile/read.js';
import { serializeProfile } from '../../src/profile/write.js';
import { traceOf } from './helpers.js';

const base: FitOptions = { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' };

// Found by review: `fit --min-arrivals 0` exited 3 on a window with one request (a model of
// scale 0 about to be written), and windows of one gap got degenerate fits (Gamma shape 10⁶).
describe('minArrivals below 2', () => {
  // Client a: 2 requests 2 s apart (one gap); client b: one request.
  const trace = traceOf([5, 7, 1000], [0, 0, 1], ['a', 'b']);

  for (const minArrivals of [0, 1, 2]) {
    it(`minArrivals ${minArrivals}: a window of one gap or none is not fitted on its own, and the profile is valid`, () => {
      const { profile } = fitTrace(trace, { ...base, minArrivals });
      expect(() => validateProfile(JSON.parse(serializeProfile(profile)))).not.toThrow();
      for (const c of profile.clients) for (const w of c.arrivals) expect(w.model, c.id).toBeNull();
    });
  }

  it('a window of two gaps is fitted with minArrivals 0', () => {
    const { profile } = fitTrace(traceOf([5, 7, 10]), { ...base, minArrivals: 0 });
    expect(profile.clients[0].arrivals[0].model).not.toBeNull();
    expect(profile.clients[0].arrivals[0].gof?.n).toBe(2);
  });
});
