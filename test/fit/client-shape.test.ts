import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { planGeneration } from '../../src/generate/compose.js';
import { validateProfile } from '../../src/profile/read.js';
import type { Profile } from '../../src/profile/schema.js';
import { summarizeProfile } from '../../src/profile/summarize.js';
import { serializeProfile } from '../../src/profile/write.js';
import { sampleStandardGamma } from '../../src/stats/gamma.js';
import { createRng } from '../../src/stats/rng.js';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';
import { traceOf } from './helpers.js';

// A sparse bursty client: ~90 gaps per 600 s window (too few for a window's own empirical gap
// distribution, ≥ 200) of two-phase gaps (90 % exponential at 0.2× the mean, 10 % at 8.2×: CV
// ≈ 3.5), which no Gamma or Weibull matches. Every window missed the same way, so the client's
// gaps came out at two-sample KS ~0.2 (tenant-2 to tenant-4 of the 2 000-client span log).

// 3.5 hours (21 windows): 12 hours of it (72 windows) made it a level client in session 25 —
// its windows' counts would add ~12 (CV²) to its 600 s index of dispersion, its levels miss
// none (src/fit/levels.ts windowsAddedDispersion) — and a log of fewer than 24 blocks keeps its
// windows (LEVEL_MIN_BLOCKS).
type Kind = 'two-phase' | 'poisson' | 'gamma';
const RATE = 0.15;
const HOURS = 3.5;

/** Arrival times of one client (seeded), floored to `clock` seconds. */
function times(kind: Kind, seed: number, clock = 0.001): number[] {
  const rng = createRng(seed);
  const out: number[] = [];
  for (let t = 0; t < HOURS * 3600; ) {
    out.push(Math.floor(t / clock) * clock);
    const e = -Math.log(rng.nextOpen()) / RATE;
    t += kind === 'two-phase' ? e * (rng.next() < 0.9 ? 0.2 : 8.2) : kind === 'gamma' ? sampleStandardGamma(rng, 0.5) / 0.5 / RATE : e;
  }
  return out;
}

function fit(ts: number[]): Profile {
  return fitTrace(traceOf(ts), { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' }).profile;
}

const sortedGaps = (t: number[]) => {
  const g = new Float64Array(t.length - 1);
  for (let i = 1; i < t.length; i++) g[i - 1] = t[i] - t[i - 1];
  return g.sort();
};

/** Two-sample KS statistic of sorted samples. */
function ks(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i], b[j]);
    while (i < a.length && a[i] <= x) i++;
    while (j < b.length && b[j] <= x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

function generatedGaps(profile: Profile, useEmpirical: boolean): Float64Array {
  const t: number[] = [];
  const plan = planGeneration(profile, { start: 0, duration: HOURS * 3600, rate: { kind: 'scale', factor: 1 }, seed: 3, useEmpirical, gapMemory: false });
  for (const b of plan.batches) for (let i = 0; i < b.n; i++) t.push(b.timestamp[i]);
  return sortedGaps(t.sort((x, y) => x - y));
}

describe("a client's pooled gap shape", () => {
  it('is kept for a sparse two-phase client, and its regenerated gaps match the source (KS < 0.075 at ~1 800 gaps a side; ~0.2 from the families)', () => {
    const ts = times('two-phase', 1);
    const profile = fit(ts);
    const c = profile.clients[0];
    expect(c.arrivals.filter((w) => w.empirical).length).toBe(0);
    expect(c.empirical).toBeDefined();
    // In mean gaps: the pooled shape's mass sits around 1 (bin 1200 of 200 per decade from 1 µs).
    const e = c.empirical!;
    const total = e.counts.reduce((a, b) => a + b, 0) + e.below_count;
    expect(total).toBeGreaterThan(1600);
    expect(() => validateProfile(JSON.parse(serializeProfile(profile)))).not.toThrow();
    const src = sortedGaps(ts);
    // Two-sample KS critical value at α = 0.05 with ~1 800 gaps a side: 1.36·√(2/1 800) ≈ 0.045;
    // the pooled shape's log bins and the per-window rescaling leave ~0.035 (at 12 h: 0.033–0.038
    // over three seeds); five seeds here gave 0.042–0.055.
    expect(ks(src, generatedGaps(profile, true))).toBeLessThan(0.075);
    // The same profile drawn from the windows' families: the miss this shape fixes.
    expect(ks(src, generatedGaps(profile, false))).toBeGreaterThan(0.15);
  });

  it('is not kept when the windows’ families reproduce the client (Poisson, Gamma k = 0.5; 5 seeds each)', () => {
    for (const kind of ['poisson', 'gamma'] as const) {
      for (let seed = 1; seed <= 5; seed++) expect(fit(times(kind, seed)).clients[0].empirical, `${kind} seed ${seed}`).toBeUndefined();
    }
  });

  it('is not kept on a 1 s clock, where most of these gaps are within a tick (their lengths are unknown)', () => {
    const profile = fit(times('two-phase', 2, 1));
    expect(profile.provenance.options.clock_resolution_seconds).toBe(1);
    expect(profile.clients[0].empirical).toBeUndefined();
  });

  it('inspect counts the requests drawn from gap histograms', () => {
    expect(summarizeProfile(fit(times('two-phase', 1))).empiricalShare).toBe(1);
    expect(summarizeProfile(fit(times('poisson', 1))).empiricalShare).toBe(0);
  });

  it('export-servegen says upstream cannot carry it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'p.json'), serializeProfile(fit(times('two-phase', 1))));
    const r = await runCli('export-servegen', join(dir, 'p.json'), '--out', join(dir, 'up'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: 1 client\(s\) have empirical gap distributions .*not written/);
  });

  it('is checked when a profile is read', () => {
    const profile = JSON.parse(serializeProfile(fit(times('two-phase', 1)))) as Profile;
    profile.clients[0].empirical!.counts[0] = -1;
    expect(() => validateProfile(profile)).toThrow(/clients\[0\]\.empirical\.counts\[0\]/);
  });

  it('is refused when its counts do not line up with its bins or hold no gaps (generate drew NaN gaps: the client generated nothing)', () => {
    const read = () => JSON.parse(serializeProfile(fit(times('two-phase', 1)))) as Profile;
    const short = read();
    short.clients[0].empirical!.counts.pop();
    expect(() => validateProfile(short)).toThrow(/clients\[0\]\.empirical\.counts: \d+ counts for \d+ bins/);
    const empty = read();
    empty.clients[0].empirical = { ...empty.clients[0].empirical!, below_count: 0, bins: [], counts: [] };
    expect(() => validateProfile(empty)).toThrow(/clients\[0\]\.empirical: no gaps/);
    const window = read();
    window.clients[0].arrivals[3].empirical = { ...window.clients[0].empirical!, counts: window.clients[0].empirical!.counts.map(() => 0), below_count: 0 };
    expect(() => validateProfile(window)).toThrow(/clients\[0\]\.arrivals\[3\]\.empirical: no gaps/);
    // Zero-tick gaps alone, drawn at 0 (`below` 0): nothing sets the mean gap.
    const zeros = read();
    zeros.clients[0].empirical = { ...zeros.clients[0].empirical!, below: 0, below_count: 5, bins: [], counts: [] };
    expect(() => validateProfile(zeros)).toThrow(/clients\[0\]\.empirical: every gap at 0/);
    expect(() => validateProfile(read())).not.toThrow();
  });
});
