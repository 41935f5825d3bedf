/**
 * Scaling one client's rate from the library (h-102). A level client (README, Sparse clients)
 * is drawn at its `levels.rates`, not at its windows' rates: multiplying `arrivals[].rate` —
 * the edit bench/validate-power.ts makes, and the one a library user makes — left BurstGPT's
 * GPT-4 conversation client at the same requests (89 at ×1 and ×2, seed 1) without a word.
 * scaleClientRates scales both, and leaves its input as it was.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { defaultFitOptions } from '../../src/fit/defaults.js';
import { fitTrace } from '../../src/fit/fit-trace.js';
import type { Profile } from '../../src/profile/schema.js';
import { scaleClientRates } from '../../src/profile/scale-clients.js';
import { defaultGenerateOptions } from '../../src/generate/defaults.js';
import { planGeneration } from '../../src/generate/compose.js';
import { planRequests } from '../../src/generate/in-memory.js';
import { fixture } from '../helpers.js';

let profile: Profile;
beforeAll(async () => {
  const source = await ingestFiles({ inputs: [fixture('traces', 'burstgpt', 'burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
  profile = fitTrace(source.trace, defaultFitOptions({ created: '2026-01-01T00:00:00.000Z' })).profile;
});

/** One client's expected and drawn requests over the profile's span (seed 1). */
function requestsOf(p: Profile, id: string): { expected: number; drawn: number } {
  const plan = planGeneration(p, defaultGenerateOptions({ start: p.span.start, duration: p.span.end - p.span.start, seed: 1, clients: { ids: [id] } }));
  let drawn = 0;
  for (const r of planRequests(plan)) drawn += r.client_id === id ? 1 : 0;
  return { expected: plan.expectedRequests, drawn };
}

describe('profile.scaleClientRates', () => {
  it("scales a level client, which an edit of its windows' rates leaves as it was", () => {
    const level = profile.clients.find((c) => c.levels)!;
    expect(level.id).toBe('GPT-4/Conversation log');
    const base = requestsOf(profile, level.id);
    expect(base.expected).toBeGreaterThan(80);
    // The edit that did nothing: the client is drawn at its levels.
    const windowsOnly: Profile = { ...profile, clients: profile.clients.map((c) => (c === level ? { ...c, arrivals: c.arrivals.map((w) => ({ ...w, rate: w.rate * 2 })) } : c)) };
    expect(requestsOf(windowsOnly, level.id)).toEqual(base);
    const doubled = requestsOf(scaleClientRates(profile, { [level.id]: 2 }), level.id);
    expect(doubled.expected).toBeCloseTo(2 * base.expected, 6);
    // Poisson-like noise on ~180 requests: well inside ±35 %.
    expect(doubled.drawn / (2 * base.expected)).toBeGreaterThan(0.65);
    expect(doubled.drawn / (2 * base.expected)).toBeLessThan(1.35);
  });

  it('scales a window client, keeps the others, and leaves its input unmodified', () => {
    const before = JSON.stringify(profile);
    const [a, b] = profile.clients.filter((c) => !c.levels);
    const scaled = scaleClientRates(profile, { [a.id]: 0.5, [b.id]: 0 });
    expect(JSON.stringify(profile)).toBe(before);
    expect(requestsOf(scaled, a.id).expected).toBeCloseTo(0.5 * requestsOf(profile, a.id).expected, 6);
    expect(requestsOf(scaled, b.id)).toEqual({ expected: 0, drawn: 0 });
    const other = profile.clients.find((c) => c.id !== a.id && c.id !== b.id)!;
    expect(scaled.clients.find((c) => c.id === other.id)).toBe(other);
    expect(scaled.clients.map((c) => c.requests)).toEqual(profile.clients.map((c) => c.requests));
  });

  it('refuses an id the profile lacks, and a factor that is not a finite number ≥ 0', () => {
    expect(() => scaleClientRates(profile, { 'gpt-4/conversation log': 2 })).toThrow(RangeError);
    expect(() => scaleClientRates(profile, { 'gpt-4/conversation log': 2 })).toThrow(/^scaleClientRates: no client "gpt-4\/conversation log" in the profile; did you mean "GPT-4\/Conversation log" .*\(its 4 client ids: /);
    for (const k of [NaN, -1, Infinity, '2' as unknown as number]) expect(() => scaleClientRates(profile, { 'GPT-4/API log': k })).toThrow(/^scaleClientRates: the factor of client "GPT-4\/API log" must be a finite number ≥ 0, got /);
  });
});
