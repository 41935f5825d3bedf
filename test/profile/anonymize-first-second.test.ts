/**
 * anonymizeProfile publishes times counted from the log's first whole second, as `fit
 * --anonymize` does (it fits the log rebased there, rebaseToFirstSecond), and refuses a profile
 * that does not count so. A library caller's fit of the log's own times keeps its windows on the
 * clock's grid: moved by its first window's start, the profile published the span's offset into
 * that window and the length windows' offset from the span's start — the log's start past the
 * clock's 10 minutes and 6 hours, to the second (found by review, h-98: a log from
 * 1 700 000 110.3 s gave `span.start` 310 and length windows from −15 000 s).
 */
import { describe, expect, it } from 'vitest';
import { fitTrace, type FitOptions } from '../../src/fit/fit-trace.js';
import { rebaseToFirstSecond, type Trace } from '../../src/ingest/trace.js';
import { anonymizeProfile } from '../../src/profile/anonymize.js';
import { ProfileError } from '../../src/profile/errors.js';
import { readProfile } from '../../src/profile/read.js';
import { importServegenPool } from '../../src/profile/upstream.js';
import { createRng } from '../../src/stats/rng.js';
import { traceOf } from '../fit/helpers.js';
import { fixture } from '../helpers.js';

const options = (arrivalSeconds = 600): FitOptions => ({ arrivalSeconds, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });

/** Poisson at `rate` req/s from `first` (seconds from the Unix epoch) for `seconds`, inputs 10–109. */
function log(first: number, seconds: number, rate: number): Trace {
  const rng = createRng(3);
  const ts: number[] = [];
  const input: number[] = [];
  for (let t = first; t < first + seconds; t += -Math.log(rng.nextOpen()) / rate) {
    ts.push(t);
    input.push(10 + Math.floor(rng.next() * 100));
  }
  return { ...traceOf(ts, undefined, ['tenant-a'], { input_tokens: Int32Array.from(input) }), origin: '1970-01-01T00:00:00.000Z' };
}

/** The ProfileError anonymizeProfile throws for `profile` (fails when it throws none). */
function refusal(profile: Parameters<typeof anonymizeProfile>[0]): ProfileError {
  try {
    anonymizeProfile(profile);
  } catch (e) {
    expect(e).toBeInstanceOf(ProfileError);
    return e as ProfileError;
  }
  throw new Error('anonymizeProfile published the profile');
}

describe('anonymizeProfile of a profile not counted from its first whole second', () => {
  it('refuses a span that starts inside its first window (it published the offset: span.start 310)', () => {
    const own = fitTrace(log(1_700_000_110.3, 2 * 86400, 0.2), options()).profile;
    expect(own.span.start).toBe(1_700_000_110);
    expect(own.clients[0].arrivals[0].start).toBe(1_699_999_800);
    const e = refusal(own);
    expect(e.where).toBe('span.start');
    expect(e.message).toMatch(/^anonymizeProfile: span\.start 1700000110 is 310 s into its first arrival window \(from 1699999800\)/);
    expect(e.message).toContain('ingest.rebaseToFirstSecond(source.trace)');
  });

  it('refuses length windows off the span\'s start (it published −15 600: the start past the clock\'s 6 hours)', () => {
    // 1 700 000 400 is on the 600 s grid, 15 600 s past a 21 600 s one.
    const own = fitTrace(log(1_700_000_400.3, 2 * 86400, 0.2), options()).profile;
    expect(own.span.start).toBe(own.clients[0].arrivals[0].start);
    expect(own.clients[0].lengths[0].start).toBe(1_700_000_400 - 15_600);
    const e = refusal(own);
    expect(e.where).toBe('clients[0].lengths[0].start');
    expect(e.message).toMatch(/^anonymizeProfile: a length window starts 15600 s before span\.start \(at 1699984800; span\.start 1700000400\), not a whole number of length windows \(21600 s\) from it/);
  });

  it('publishes the profile of the log rebased to its first second, as `fit --anonymize` fits it: times from 0', () => {
    for (const first of [1_700_000_110.3, 1_700_000_400.3]) {
      const anon = anonymizeProfile(fitTrace(rebaseToFirstSecond(log(first, 2 * 86400, 0.2)), options()).profile);
      expect(anon.span.start).toBe(0);
      expect(anon.clients[0].arrivals[0].start).toBe(0);
      expect(anon.clients[0].arrivals.every((w) => w.start % 600 === 0)).toBe(true);
      expect(anon.clients[0].lengths.map((w) => w.start)).toEqual([0, 21600, 43200, 64800, 86400, 108000, 129600, 151200]);
      // Anonymized again: the same.
      expect(anonymizeProfile(anon)).toEqual(anon);
    }
  });

  it('windows under a second: the rebased log\'s span starts at its window inside the first second, and is published', () => {
    const rebased = fitTrace(rebaseToFirstSecond(log(1_700_000_110.37, 120, 5)), options(0.1)).profile;
    expect(rebased.span.start).toBeCloseTo(0.3, 9);
    expect(rebased.clients[0].lengths[0].start).toBe(0);
    const anon = anonymizeProfile(rebased);
    expect(anon.span.start).toBe(0);
    expect(anonymizeProfile(anon)).toEqual(anon);
    // Not rebased, its length windows are on the clock's 6 hours.
    expect(refusal(fitTrace(log(1_700_000_110.37, 120, 5), options(0.1)).profile).where).toBe('clients[0].lengths[0].start');
  });

  it('takes the profiles that count from their start: the essentials fixture, an imported upstream pool', () => {
    const essentials = readProfile(fixture('profiles', 'essentials.json')).profile;
    expect(anonymizeProfile(essentials).span).toEqual({ origin: null, start: 0, end: 1200 });
    const { profile: pool } = importServegenPool(fixture('servegen', 'multimodal', 'mm-image'));
    expect(anonymizeProfile(pool).span.start).toBe(0);
  });
});
