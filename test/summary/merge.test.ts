import { describe, expect, it } from 'vitest';
import { arrivalFields, type ArrivalSummary } from '../../src/summary/types.js';
import { isDeepStrictEqual } from 'node:util';
import { createRng } from '../../src/stats/rng.js';
import { buildSummaries } from '../../src/summary/build.js';
import { mergeAll, mergeArrival, mergeArrivals, mergeLength, mergeLengths, mergeSummaries, partOverlaps } from '../../src/summary/merge.js';
import type { Trace } from '../../src/ingest/trace.js';
import { expectEqualSummaries } from './equal-summaries.js';

/** A trace from (time, client) rows, with token columns so length windows exist too. */
function trace(rows: [number, number][], origin: string | null = null): Trace {
  const sorted = [...rows].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return {
    n: sorted.length,
    timestamp: Float64Array.from(sorted.map((r) => r[0])),
    client: Int32Array.from(sorted.map((r) => r[1])),
    clientIds: ['a', 'b', 'c', 'd'],
    ints: { input_tokens: Int32Array.from(sorted.map((r) => 10 + (Math.round(r[0] * 1000) % 50))), output_tokens: Int32Array.from(sorted.map((r) => 5 + (Math.round(r[0] * 7000) % 20))) },
    texts: {},
    origin,
  };
}

const opts = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };

/** JSON of summaries with their packed histograms and Maps as entry lists. */
const replacer = (_k: string, v: unknown) => (v instanceof Map ? [...v] : v && typeof v === 'object' && 'forEach' in v && !Array.isArray(v) ? entries(v as { forEach(f: (c: number, k: number) => void): void }) : v);
const entries = (h: { forEach(f: (c: number, k: number) => void): void }) => {
  const out: [number, number][] = [];
  h.forEach((c, k) => out.push([k, c]));
  return out;
};

describe('mergeAll', () => {
  it('one part in merged form is returned as is, equal to what adding it up gives; one out of order is added up', () => {
    const rng = createRng(43);
    const rows: [number, number][] = [];
    for (let k = 0; k < 4; k++) {
      let t = 0;
      for (let i = 0; i < 300; i++) rows.push([Math.round((t += -Math.log(rng.nextOpen()) * (3 + 40 * k)) * 1000) / 1000, k]);
    }
    const s = buildSummaries(trace(rows), opts);
    expect(s.arrivals.length).toBeGreaterThan(20);
    const empty = buildSummaries(trace([]), opts);
    const added = mergeSummaries(s, empty);
    expect(added).not.toBe(s);
    expect(mergeAll([s])).toBe(s);
    expect(isDeepStrictEqual(JSON.parse(JSON.stringify(mergeAll([s]), replacer)), JSON.parse(JSON.stringify(added, replacer)))).toBe(true);
    // Out of order, a repeated window, or bins not from the span: added up, as before.
    const shuffled = { ...s, arrivals: [...s.arrivals].reverse() };
    expect(mergeAll([shuffled])).not.toBe(shuffled);
    expectEqualSummaries(mergeAll([shuffled]), s);
    const repeated = { ...s, arrivals: [s.arrivals[0], ...s.arrivals] };
    expect(mergeAll([repeated]).arrivals[0].n).toBe(2 * s.arrivals[0].n);
    const bins = { ...s, arrivals: s.arrivals.map((a, i) => (i === 3 ? { ...arrivalFields(a), disp: { ...a.disp, s10: { ...a.disp.s10, bins: a.disp.s10.bins + 1 } } } : a)) };
    expect(mergeAll([bins]).arrivals[3].disp.s10.bins).toBe(s.arrivals[3].disp.s10.bins);
  });

  it('time partitions cut on 60 s multiples, split further into client shards, given in any order, equal one scan (40 seeded cases)', () => {
    const rng = createRng(41);
    let withMemory = 0;
    for (let c = 0; c < 40; c++) {
      const rows: [number, number][] = [];
      for (let k = 0; k < 4; k++) {
        // Per client: bursty gaps (some ties at 1 ms), a different rate each.
        let t = rng.next() * 300;
        const n = 5 + Math.floor(rng.next() * 200);
        for (let i = 0; i < n; i++) {
          t += rng.next() < 0.2 ? 0 : -Math.log(rng.nextOpen()) * (5 + 60 * k);
          rows.push([Math.round(t * 1000) / 1000, k]);
        }
      }
      const end = Math.max(...rows.map((r) => r[0]));
      const cuts = [...new Set([0, 1, 2].map(() => Math.floor((rng.next() * end) / 60) * 60))].sort((a, b) => a - b);
      const edges = [-Infinity, ...cuts, Infinity];
      const parts = [];
      for (let p = 0; p + 1 < edges.length; p++) {
        const inPart = rows.filter((r) => r[0] >= edges[p] && r[0] < edges[p + 1]);
        // Clients {a, b} and {c, d} as separate shards of this time range.
        for (const shard of [[0, 1], [2, 3]]) {
          const sub = inPart.filter((r) => shard.includes(r[1]));
          if (sub.length) parts.push(buildSummaries(trace(sub), opts));
        }
      }
      for (let i = parts.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [parts[i], parts[j]] = [parts[j], parts[i]];
      }
      const whole = buildSummaries(trace(rows), opts);
      // Partitions of one log: no client's rows overlap in time across parts.
      expect(partOverlaps(parts)).toBeUndefined();
      const merged = mergeAll(parts);
      expect(merged.span).toEqual(whole.span);
      // Gap memory ranks a window's gaps within the window: exact for the windows no cut splits.
      const unsplit = (w: { start: number }) => !cuts.some((t) => t > w.start && t < w.start + opts.arrivalSeconds);
      expectEqualSummaries(whole, merged, unsplit);
      withMemory += whole.arrivals.filter((w) => w.mem && unsplit(w)).length;
    }
    expect(withMemory).toBeGreaterThan(20);
  });

  it('places the gap before a part using every part: a client in three parts whose spans overlap', () => {
    // Client a at 1500 | 1800 | 2500; part 1 also spans 0–3000 through client b.
    const p1 = buildSummaries(trace([[0, 1], [2500, 0], [3000, 1]]), opts);
    const p2 = buildSummaries(trace([[1500, 0]]), opts);
    const p3 = buildSummaries(trace([[1800, 0]]), opts);
    const m = mergeAll([p1, p2, p3]);
    const a = (s: typeof m) => s.arrivals.filter((x) => x.client === 'a').map((x) => [x.start, x.gaps, x.sum]);
    expect(a(m)).toEqual([[1200, 0, 0], [1800, 1, 300], [2400, 1, 700]]);
    expect(a(m)).toEqual(a(buildSummaries(trace([[0, 1], [2500, 0], [3000, 1], [1500, 0], [1800, 0]]), opts)));
  });

  it('pairwise mergeSummaries adds no gap it cannot place (only mergeAll restores them)', () => {
    const q = [[[100, 0], [200, 0]], [[700, 0]], [[1300, 0]]].map((r) => buildSummaries(trace(r as [number, number][]), opts));
    const m = mergeSummaries(mergeSummaries(q[0], q[2]), q[1]);
    expect(m.arrivals.map((x) => [x.start, x.gaps, x.sum])).toEqual([[0, 1, 100], [600, 0, 0], [1200, 0, 0]]);
    expect(mergeAll([q[0], q[2], q[1]]).arrivals.map((x) => [x.start, x.gaps, x.sum])).toEqual([[0, 1, 100], [600, 1, 500], [1200, 1, 600]]);
  });

  it('rebases parts with their own origins onto one grid (window starts snapped, one key per window)', () => {
    const W = 21600 / 7;
    const o = { arrivalSeconds: W, lengthSeconds: 21600, resolution: 0.001 };
    const ts = [3 * W + 1, 10 * W + 5, 10 * W + 100]; // the last two in different 60 s bins (a cut inside a bin changes dispersion)
    const whole = buildSummaries(trace(ts.map((t) => [t, 0]), '2023-11-16T00:00:00.000Z'), o);
    const a = buildSummaries(trace(ts.slice(0, 2).map((t) => [t, 0]), '2023-11-16T00:00:00.000Z'), o);
    const b = buildSummaries(trace([[ts[2] - 21600, 0]], '2023-11-16T06:00:00.000Z'), o);
    const m = mergeAll([b, a]);
    expect(m.origin).toBe('2023-11-16T00:00:00.000Z');
    expectEqualSummaries(whole, m);
  });

  it('refuses parts with different clock resolutions or origins off the window grid', () => {
    const a = buildSummaries(trace([[0.001, 0], [0.002, 0], [0.004, 0]]), { ...opts, resolution: 0.001 });
    const b = buildSummaries(trace([[700, 0], [701, 0]]), { ...opts, resolution: 1 });
    expect(() => mergeAll([a, b])).toThrow(/same --resolution/);
    const c = buildSummaries(trace([[1, 0]], '2023-11-16T00:00:00.000Z'), opts);
    const d = buildSummaries(trace([[1, 0]], '2023-11-16T00:01:00.000Z'), opts);
    expect(() => mergeAll([c, d])).toThrow(/same --origin/);
    expect(() => mergeAll([c, buildSummaries(trace([[1, 0]]), opts)])).toThrow(/relative times/);
  });
});

describe('mergeArrivals / mergeLengths', () => {
  it('equal the pairwise fold exactly: every number, and histogram keys in the same order (fits iterate them)', () => {
    const rng = createRng(7);
    const rows: [number, number][] = [];
    for (let k = 0; k < 4; k++) {
      let t = 0;
      for (let i = 0; i < 3000; i++) {
        t += rng.next() < 0.1 ? 0 : -Math.log(rng.nextOpen()) * (3 + 10 * k);
        rows.push([Math.round(t * 1000) / 1000, k]);
      }
    }
    const s = buildSummaries(trace(rows), { ...opts, lengthSeconds: 3600 });
    expect(s.arrivals.length).toBeGreaterThan(50);
    expect(s.lengths.length).toBeGreaterThan(10);
    // Node's deep strict equality (Object.is on numbers: −0 ≠ 0) is fast; vitest's toStrictEqual
    // on these ~100 k numbers took 27 s of CI. It runs only for the diff when they differ.
    const same = (a: unknown, b: unknown) => {
      if (!isDeepStrictEqual(a, b)) expect(a).toStrictEqual(b);
    };
    const plain = (x: unknown): unknown => (x instanceof Map || (x && typeof x === 'object' && 'entries' in x && typeof x.entries === 'function' && !Array.isArray(x)) ? [...(x as Map<unknown, unknown>).entries()].map(([k, v]) => [k, plain(v)]) : x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)])) : x);
    for (const across of [true, false]) {
      for (const list of [s.arrivals, s.arrivals.slice(0, 2), s.arrivals.slice(0, 1), s.arrivals.slice(5, 40)]) {
        same(plain(mergeArrivals(list, across)), plain(list.reduce((a, b) => mergeArrival(a, b, across))));
      }
    }
    for (const list of [s.lengths, s.lengths.slice(0, 2), s.lengths.slice(0, 1)]) same(plain(mergeLengths(list)), plain(list.reduce((a, b) => mergeLength(a, b))));
    // The inputs are not changed.
    same(plain(s), plain(buildSummaries(trace(rows), { ...opts, lengthSeconds: 3600 })));
  });

  it('mergeArrivals equals the fold for any keys (fractional, negative, large), called again and again', () => {
    const disp = () => ({ s1: { bins: 1, sum: 1, sumSq: 1 }, s10: { bins: 1, sum: 1, sumSq: 1 }, s60: { bins: 1, sum: 1, sumSq: 1 } });
    const w = (start: number, quant: [number, number][], hist: [number, number][]) => ({ client: 'c', start, n: 3, first: start, last: start + 1, gaps: 2, sum: 1, sumSq: 1, sumLog: 0, positive: 2, quant: new Map(quant), hist: new Map(hist), disp: disp() });
    const list: ArrivalSummary[] = [w(0, [[1, 2]], [[40_000, 1], [5, 1]]), w(600, [[0, 1]], [[-9_000, 2], [5, 3]]), w(1200, [[1, 1], [2, 2]], [[40_000, 4], [2.5, 1], [-8_192, 1]]), w(1800, [], [[24_575, 1], [24_576, 2], [5, 1]])];
    const plain = (a: { quant: ReadonlyMap<number, number>; hist: ReadonlyMap<number, number> }) => ({ quant: [...a.quant], hist: [...a.hist] });
    for (let r = 0; r < 3; r++) expect(plain(mergeArrivals(list, true))).toStrictEqual(plain(list.reduce((a, b) => mergeArrival(a, b, true))));
    expect(plain(mergeArrivals(list, true)).hist).toStrictEqual([[40_000, 5], [5, 5], [-9_000, 2], [2.5, 1], [-8_192, 1], [24_575, 1], [24_576, 2]]);
  });

  it('partOverlaps: the same rows twice, or two logs with one client id, are found; time cuts, shards and a shared endpoint are not', () => {
    const a = buildSummaries(trace([[0, 0], [100, 0], [700, 1]]), opts);
    const b = buildSummaries(trace([[100, 0], [900, 0], [1000, 1]]), opts);
    const c = buildSummaries(trace([[50, 0], [60, 0], [690, 1], [710, 1]]), opts);
    // a and b share the endpoint 100 for client a: not an overlap. c overlaps a in both clients
    // (b's one row at 700 lies inside c's 690–710).
    expect(partOverlaps([a, b])).toBeUndefined();
    expect(partOverlaps([a, c])).toMatchObject({ a: 0, b: 1, client: 'a', from: 50, to: 60, clients: 2 });
    expect(partOverlaps([b, a, c])).toMatchObject({ a: 1, b: 2, client: 'a', clients: 2 });
    expect(partOverlaps([a, a])).toMatchObject({ a: 0, b: 1, client: 'a', from: 0, to: 100, clients: 1 });
  });
});
