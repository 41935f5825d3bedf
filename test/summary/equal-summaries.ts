import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { TraceSummaries } from '../../src/summary/types.js';

/** Two profile files are the same profile (expectClose), their provenance's source hash and creation time aside. */
export function expectSameProfileFiles(a: string, b: string): void {
  const strip = (p: string) => {
    const j = JSON.parse(readFileSync(p, 'utf8'));
    delete j.provenance.source_sha256;
    delete j.provenance.created;
    return j;
  };
  expectClose(strip(a), strip(b));
}

/** Deep equality with numbers equal to 1e-9 relative (float sums differ in the last bits). */
export function expectClose(a: unknown, b: unknown, path = ''): void {
  if (typeof a === 'number' && typeof b === 'number') {
    const d = a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    expect(d, path).toBeLessThan(1e-9);
    return;
  }
  if (a && b && typeof a === 'object') {
    expect(Object.keys(b as object).sort(), path).toEqual(Object.keys(a as object).sort());
    for (const k of Object.keys(a as object)) expectClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  expect(b, path).toEqual(a);
}

/**
 * Summaries equal as the engines and merges promise. `memFor` picks the arrival windows whose
 * gap-memory terms are compared (default all; a merge is exact only for windows no cut splits).
 */
export function expectEqualSummaries(a: TraceSummaries, b: TraceSummaries, memFor: (w: TraceSummaries['arrivals'][number]) => boolean = () => true): void {
  const rel = (x: number, y: number) => (x === y ? 0 : Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y)));
  expect(b.resolution).toBe(a.resolution);
  expect(b.origin).toBe(a.origin);
  expect(b.arrivals.length).toBe(a.arrivals.length);
  a.arrivals.forEach((x, i) => {
    const y = b.arrivals[i];
    expect([y.client, y.start, y.n, y.gaps, y.positive]).toEqual([x.client, x.start, x.n, x.gaps, x.positive]);
    for (const k of ['sum', 'sumSq', 'sumLog', 'first', 'last'] as const) expect(rel(x[k], y[k]), k).toBeLessThan(1e-9);
    expect(new Map([...y.quant].sort())).toEqual(new Map([...x.quant].sort()));
    expect(new Map([...y.hist].sort())).toEqual(new Map([...x.hist].sort()));
    expect(y.disp).toEqual(x.disp);
    expect(new Map([...(y.batches ?? [])].sort()), `batches of ${x.client} at ${x.start}`).toEqual(new Map([...(x.batches ?? [])].sort()));
    expect(new Map([...(y.clusters ?? [])].sort()), `clusters of ${x.client} at ${x.start}`).toEqual(new Map([...(x.clusters ?? [])].sort()));
    // Gap memory: both sides or neither; a term is a difference of sums that can be near 0, so
    // each is held to 1e-9 of its window's variance term (the scale of its sums).
    if (!memFor(x)) return;
    expect(y.mem === undefined, `mem of ${x.client} at ${x.start}`).toBe(x.mem === undefined);
    if (x.mem && y.mem) {
      expect(y.mem.length).toBe(x.mem.length);
      const scale = Math.max(...x.mem.map(Math.abs));
      x.mem.forEach((v, j) => expect(Math.abs(v - y.mem![j]), `mem[${j}] of ${x.client} at ${x.start}`).toBeLessThanOrEqual(1e-9 * scale));
    }
  });
  // The 5-minute counts (the aggregate rate model's): the same buckets, or none on either side.
  const buckets = (s: TraceSummaries) => (s.buckets ? { base: s.buckets.base, counts: Array.from(s.buckets.counts) } : undefined);
  expect(buckets(b), 'buckets').toEqual(buckets(a));
  expect(b.lengths.length).toBe(a.lengths.length);
  a.lengths.forEach((x, i) => {
    const y = b.lengths[i];
    expect([y.client, y.start, y.n]).toEqual([x.client, x.start, x.n]);
    for (const [f, m] of x.fields) expect(new Map([...(y.fields.get(f) ?? [])].sort()), f).toEqual(new Map([...m].sort()));
    expect(new Map([...y.joint].sort())).toEqual(new Map([...x.joint].sort()));
  });
}
