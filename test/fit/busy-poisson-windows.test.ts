import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitTrace, type FitOptions } from '../../src/fit/fit-trace.js';
import { sizesNotChance, type BatchWindow } from '../../src/fit/batches.js';
import { planGeneration } from '../../src/generate/compose.js';
import { readProfile } from '../../src/profile/read.js';
import { createRng } from '../../src/stats/rng.js';
import { traceOf } from './helpers.js';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

/**
 * A busy Poisson client in short arrival windows (`fit --window 0.1`) is no batch or cluster
 * client. At 200/s a 0.1 s window holds ~20 requests whose gaps are all below 100 ms: one run
 * at the 100 ms threshold, as independent gaps at that rate make it. The chance test counted
 * the gap from the window before (never in a run: the scan ends runs at the boundary) among
 * the window's gaps, so it expected ~2 runs a window where chance makes 1, called the client a
 * cluster client, and generate drew ~10 % too few requests (the pooled clusters' spread, ~95 ms,
 * filled the busier windows' cycles; helper 99).
 */

const SECONDS = 120;
const RATE = 200;

/** Poisson arrivals at RATE over SECONDS, rounded to `clock` (seeded). */
function poissonLog(seed: number, clock: number): number[] {
  const rng = createRng(seed);
  const out: number[] = [];
  for (let t = -Math.log(1 - rng.next()) / RATE; t < SECONDS; t += -Math.log(1 - rng.next()) / RATE) out.push(Math.round(t / clock) * clock);
  return out;
}

const options = (window: number): FitOptions => ({ arrivalSeconds: window, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });

/** Requests a draw of the profile gives over the log's span. */
function drawn(profile: Parameters<typeof planGeneration>[0], seed: number): number {
  let n = 0;
  for (const b of planGeneration(profile, { start: 0, duration: SECONDS, rate: { kind: 'scale', factor: 1 }, seed }).batches) n += b.n;
  return n;
}

describe('a Poisson client at 200/s in short windows', () => {
  for (const [clock, name] of [
    [1e-3, 'ms'],
    [1e-6, 'µs'],
  ] as const) {
    it(`is no batch or cluster client at windows of 0.05, 0.1 and 0.5 s (${name} clock), and draws its count`, () => {
      const times = poissonLog(clock === 1e-3 ? 1 : 2, clock);
      for (const window of [0.05, 0.1, 0.5]) {
        const { profile } = fitTrace(traceOf(times), options(window));
        expect(profile.clients[0].batches, `--window ${window}`).toBeUndefined();
        // ~24 000 requests: a draw's count departs from the log's by its own Poisson noise
        // and the log's (sd √(2 · 24 000) ≈ 220, 0.9 %); 3 % is over 3 sd. Drawn as a cluster
        // client it fell short by 8–11 % (window 0.5 s: 8 %).
        const n = drawn(profile, 5);
        expect(Math.abs(n / times.length - 1), `--window ${window}: ${n} drawn for ${times.length}`).toBeLessThan(0.03);
      }
    });
  }

  it('windows whose gaps all lie in one run are what chance makes, at any size', () => {
    // 1 000 windows of 20 requests, each one run (19 gaps inside it): independent gaps with a
    // 19-in-19 share below the threshold make exactly that.
    const windows: BatchWindow[] = Array.from({ length: 1000 }, (_, i) => {
      const n = 15 + (i % 11);
      return { n, zeros: n - 1, batches: new Map([[n, 1]]) };
    });
    expect(sizesNotChance(windows)).toBe(false);
  });

  it('a client sending clusters of 10 (0.4 ms apart) at 2/s is still one in 10 s windows', () => {
    // ~20 clusters a window: their sizes (all 10) are not the geometric runs chance makes.
    const rng = createRng(8);
    const times: number[] = [];
    for (let t = -Math.log(1 - rng.next()) / 2; t < 600; t += -Math.log(1 - rng.next()) / 2) {
      let u = t;
      for (let k = 0; k < 10; k++, u += -Math.log(1 - rng.next()) * 0.0004) times.push(Math.round(u * 1e6) / 1e6);
    }
    const c = fitTrace(traceOf(times), options(10)).profile.clients[0];
    expect(c.batches?.below).toBe(0.01);
  });

  it('fit at --window 0.1 (ms clock, CSV) on both engines: no cluster note, and generate draws its count', async () => {
    const dir = tempDir();
    const times = poissonLog(3, 1e-3);
    const csv = join(dir, 'log.csv');
    writeFileSync(csv, 'ts,tenant\n' + times.map((t) => `${t.toFixed(3)},c1\n`).join(''));
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant' }, timestamp: { unit: 's' } }));
    for (const engine of ['ts', 'duckdb']) {
      const out = join(dir, `${engine}.json`);
      const r = await runCli('fit', csv, '--map', map, '--engine', engine, '--window', '0.1', '--out', out);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/clusters|batches/);
      expect(readProfile(out).profile.clients[0].batches).toBeUndefined();
      const g = await runCli('generate', out, '--duration', String(SECONDS), '--seed', '4', '--out', join(dir, `${engine}.csv`));
      expect(g.code, g.stderr).toBe(0);
      const n = Number(/generated (\d+) requests/.exec(g.stderr)![1]);
      // As above: 3 % is over 3 sd of the two counts' Poisson noise.
      expect(Math.abs(n / times.length - 1), g.stderr).toBeLessThan(0.03);
    }
  });
});
