/**
 * A profile built or edited in memory reaches generation without readProfile's schema check.
 * Before, a window's rate of NaN or −1 (an edit gone wrong) drew no request from it without a
 * word — 0 requests where the profile promised 1 482 in 600 s — and a rate of "2" (a string) was
 * taken as 2 req/s (found by using the installed package as a library, h-102). Now planning
 * refuses such a profile with a ProfileError naming the value's JSON path.
 */
import { describe, expect, it } from 'vitest';
import { readProfile } from '../../src/profile/read.js';
import { ProfileError } from '../../src/profile/errors.js';
import type { Profile } from '../../src/profile/schema.js';
import { defaultGenerateOptions } from '../../src/generate/defaults.js';
import { planGeneration } from '../../src/generate/compose.js';
import { planNaiveGeneration } from '../../src/generate/naive.js';
import { planRequests } from '../../src/generate/in-memory.js';
import { fixture } from '../helpers.js';

const { profile: essentials } = readProfile(fixture('profiles', 'essentials.json'));
const options = defaultGenerateOptions({ duration: 600 });

/** The profile with its first client's second window's rate set to `rate`. */
const withRate = (rate: unknown): Profile => ({
  ...essentials,
  clients: essentials.clients.map((c, ci) => (ci === 0 ? { ...c, arrivals: c.arrivals.map((w, i) => (i === 1 ? { ...w, rate: rate as number } : w)) } : c)),
});

/** What planning (and drawing) the profile throws, by both generators. */
function thrownBy(profile: Profile): ProfileError[] {
  return [planGeneration, planNaiveGeneration].map((plan) => {
    try {
      for (const r of planRequests(plan(profile, options))) void r;
    } catch (e) {
      return e as ProfileError;
    }
    throw new Error(`${plan.name} drew the profile without a word`);
  });
}

describe('generation from a profile edited in memory', () => {
  it.each([
    ['NaN', NaN, 'NaN'],
    ['negative', -1, '-1'],
    ['infinite', Infinity, 'Infinity'],
    ['a string', '2', '"2" (a string)'],
    ['absent', undefined, 'undefined'],
    ['null', null, 'null'],
  ])('refuses a window rate that is %s, naming its path', (_, rate, shown) => {
    for (const err of thrownBy(withRate(rate))) {
      expect(err).toBeInstanceOf(ProfileError);
      expect(err.where).toBe('clients[0].arrivals[1].rate');
      expect(err.file).toBe('<profile>');
      expect(err.message).toBe(`<profile>: clients[0].arrivals[1].rate: expected a finite number ≥ 0 (requests/s, or a factor of them), got ${shown}; check the edit that made it (profile.validateProfile checks a whole profile)`);
    }
  });

  it("refuses a level client's bad level and a bad level_shape factor", () => {
    const levels = { starts: [0], rates: [NaN], cv: 1, model: { family: 'exponential' as const, scale: 1 } };
    const levelled: Profile = { ...essentials, clients: [{ ...essentials.clients[0], levels }] };
    for (const err of thrownBy(levelled)) expect(err.where).toBe('clients[0].levels.rates[0]');
    const shaped: Profile = { ...essentials, clients: [{ ...essentials.clients[0], levels: { ...levels, rates: [1] } }], level_shape: { starts: [0], factors: [-0.5] } };
    expect(thrownBy(shaped)[0].where).toBe('level_shape.factors[0]');
  });

  it('still draws a valid profile, and a bad client the run leaves out does not stop it', () => {
    let n = 0;
    for (const r of planRequests(planGeneration(essentials, options))) n += r.client_id === 'tenant-0001' ? 1 : 0;
    expect(n).toBeGreaterThan(500); // 1.33 req/s over 600 s: 798 expected
    const two: Profile = { ...essentials, clients: [essentials.clients[0], { ...withRate(NaN).clients[0], id: 'broken', requests: 1 }] };
    expect(() => planGeneration(two, defaultGenerateOptions({ duration: 600, clients: { ids: ['tenant-0001'] } }))).not.toThrow();
    expect(() => planGeneration(two, options)).toThrow(/^<profile>: clients\[1\]\.arrivals\[1\]\.rate: expected a finite number ≥ 0 .*got NaN/);
  });
});
