/**
 * A log with more rows with hash_ids than the DuckDB engine's prefix pass holds (PREFIX_MAX_ROWS)
 * is fitted on its earliest rows with ids (the rows before the time of the (max + 1)-th): fit's
 * prefix sections are the TypeScript engine's on those rows, each with `share` — its requests
 * with ids over all its accepted requests before that time — which generate reads in place of
 * requests / the client's requests (a slice's requests over the whole log's would be a share of
 * a span the slice does not cover). validate judges its prefix metrics on the source's earliest
 * rows and each generated side's rows before the same time; inspect reads none above the limit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { duckdbPrefixSections } from '../../src/cli/summarize.js';
import type { Reporter } from '../../src/cli/progress.js';
import { poolSmallClients } from '../../src/fit/fit-trace.js';
import { prefixSections } from '../../src/fit/prefix.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { sliceTrace, type Trace } from '../../src/ingest/trace.js';
import { ProfileSchema } from '../../src/profile/schema.js';
import { createRng } from '../../src/stats/rng.js';
import { prefixRowsWithDuckDB, prefixSideWithDuckDB } from '../../src/summary/duckdb-prefix.js';
import { validateWithDuckDB } from '../../src/summary/duckdb-validate.js';
import { inspectWithDuckDB } from '../../src/summary/duckdb-inspect.js';
import { loadThresholds } from '../../src/validate/thresholds.js';
import { prefixSideOf } from '../../src/validate/prefix.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: 'user', input_tokens: 'prompt', output_tokens: 'answer', hash_ids: 'ids' }, timestamp: { unit: 's' }, block_tokens: 16 }, 'm');

/**
 * ~900 rows over an hour, shuffled, of 4 clients (one of 4 rows, pooled below 5), a few shared
 * stems per client so prefixes repeat; per client a different share of rows without ids (a blank
 * cell), some bad values (kept without ids, counted as having a value), and ties in time.
 */
function writeLog(name: string, seed = 23): { file: string; withValue: number[] } {
  const rng = createRng(seed);
  const lines: string[] = [];
  const withValue: number[] = [];
  const clients: [string, number, number][] = [['chat', 500, 0.1], ['docs', 300, 0.5], ['agent', 96, 0], ['tiny', 4, 0]];
  for (const [c, n, blank] of clients) {
    for (let j = 0; j < n; j++) {
      const stem = Math.floor(rng.next() * 4);
      const ids = [stem, ...Array.from({ length: 1 + Math.floor(rng.next() * 4) }, (_, m) => (rng.next() < 0.6 ? stem * 10 + m : 100 + Math.floor(rng.next() * 60)))];
      const t = 1.7e9 + Math.floor(rng.next() * 3600 * 20) / 20;
      const value = rng.next() < blank ? '' : j % 61 === 7 ? '"[1, -1]"' : `"${JSON.stringify(ids).replace(/"/g, '""')}"`;
      if (value !== '') withValue.push(t);
      lines.push(`${t.toFixed(2)},${c},${16 * ids.length - 3},${1 + (j % 50)},${value}`);
    }
  }
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  const file = join(dir, name);
  writeFileSync(file, ['ts,user,prompt,answer,ids', ...lines].join('\n') + '\n');
  return { file, withValue: withValue.sort((a, b) => a - b) };
}

/** Per client of the trace: [rows with ids, rows]. */
function idShares(trace: Trace): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (let i = 0; i < trace.n; i++) {
    const c = trace.clientIds[trace.client[i]];
    const e = out.get(c) ?? [0, 0];
    if (trace.hashIds!.offsets[i + 1] > trace.hashIds!.offsets[i]) e[0]++;
    e[1]++;
    out.set(c, e);
  }
  return out;
}

describe('the DuckDB prefix pass above its limit (a slice of the log)', () => {
  const { file, withValue } = writeLog('log.csv');
  const max = 300;
  const notes: string[] = [];
  const rep = { info: (l: string) => notes.push(l), stage: () => {} } as unknown as Reporter;

  it("fits the TypeScript engine's sections on the rows before the (max + 1)-th row with a value, with each client's share there", async () => {
    const sections = await duckdbPrefixSections([file], mapping, { maxRows: max }, 5, rep);
    // The cut, from the log's own text: the time of its (max + 1)-th earliest row with a value.
    const cut = withValue[max];
    expect(withValue.filter((t) => t < cut).length).toBeLessThanOrEqual(max);
    const ts = (await ingestFiles({ inputs: [file], mapping })).trace;
    const origin = Date.parse(ts.origin!) / 1000;
    const whole = poolSmallClients(ts, 5).trace;
    const early = sliceTrace(whole, -Infinity, cut - origin);
    expect(early.n).toBeLessThan(ts.n / 2);
    const want = prefixSections(early)!;
    expect(sections).toBeDefined();
    expect([...sections!.keys()].sort()).toEqual(['agent', 'chat', 'docs', 'tail']);
    const shares = idShares(early);
    for (const [c, p] of sections!) {
      const { share, ...rest } = p;
      expect(rest).toEqual(want.get(c));
      const [ids, all] = shares.get(c)!;
      expect(share).toBeCloseTo(ids / all, 6);
    }
    // The clients' different shares of rows without ids: the docs' near a half, the agent's all.
    expect(sections!.get('docs')!.share).toBeLessThan(0.65);
    expect(sections!.get('agent')!.share).toBe(1);
    // A profile with them is valid; `share` sits after `requests`.
    expect(Object.keys(sections!.get('chat')!).slice(0, 3)).toEqual(['block_tokens', 'requests', 'share']);
    expect(() => ProfileSchema.shape.clients.element.shape.prefix.parse(sections!.get('chat'))).not.toThrow();
    const note = notes.find((l) => l.includes('more than the DuckDB engine'));
    expect(note).toContain(`hash_ids: ${withValue.length} requests have them, more than the DuckDB engine's prefix pass holds (${max}): the prefix sections are fitted on the earliest`);
  });

  it('says which clients have ids only after the slice: they get no prefix section (it was unsaid)', async () => {
    const f = join(dir, 'late-client.csv');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    // `late` starts after the slice; `tiny-late`'s 2 rows are pooled into `tail` (which has a section).
    for (let i = 0; i < 40; i++) lines.push(`${(1.7e9 + 3500 + i).toFixed(2)},late,29,3,"[${500 + (i % 3)}, ${600 + i}]"`);
    for (let i = 0; i < 2; i++) lines.push(`${(1.7e9 + 3550 + i).toFixed(2)},tiny-late,29,3,"[700, ${800 + i}]"`);
    writeFileSync(f, lines.join('\n') + '\n');
    const said: string[] = [];
    const sections = await duckdbPrefixSections([f], mapping, { maxRows: max }, 5, { info: (l: string) => said.push(l), stage: () => {} } as unknown as Reporter);
    expect(sections!.has('late')).toBe(false);
    expect(sections!.has('tail')).toBe(true);
    const note = said.find((l) => l.includes('more than the DuckDB engine'))!;
    expect(note).toMatch(/; 1 client with ids only after it has no prefix section \(their generated requests get no ids\): "late"$/);
    // Below the limit: all of them, nothing to say.
    expect((await duckdbPrefixSections([f], mapping, {}, 5, rep))!.has('late')).toBe(true);
  });

  it("validate judges the prefix metrics on the source's earliest rows and the generated side's before the same time, and says so", async () => {
    const gen = writeLog('gen.csv', 29);
    const said: string[] = [];
    const { report } = await validateWithDuckDB({ inputs: [file], mapping }, { inputs: [gen.file], mapping }, loadThresholds(undefined), { prefixMaxRows: max, onNote: (l) => said.push(l) });
    const src = (await ingestFiles({ inputs: [file], mapping })).trace;
    const other = (await ingestFiles({ inputs: [gen.file], mapping })).trace;
    // (the sides' times from their own origins; the generated side has no generator.start: offset 0)
    const cut = withValue[max] - Date.parse(src.origin!) / 1000;
    const s = prefixSideOf(sliceTrace(src, -Infinity, cut))!;
    // (from the source's first request: the generated side's rows before it are not in the span)
    const g = prefixSideOf(sliceTrace(other, src.timestamp[0], cut))!;
    expect(sliceTrace(other, src.timestamp[0], cut).n).toBeLessThan(other.n * 0.6);
    const m = report.metrics.prefix_hit_ratio_abs_err;
    expect(m.value).toBeCloseTo(Math.abs(g.hitRatio - s.hitRatio), 12);
    // (not the whole generated side's)
    expect(Math.abs(prefixSideOf(other)!.hitRatio - g.hitRatio)).toBeGreaterThan(0.01);
    expect(m.note).toMatch(new RegExp(`judged on the first [\\d.]+ min of each side: the source's earliest \\d+ of ${withValue.length} requests with hash_ids \\(the DuckDB engine holds 300\\)`));
    expect(said.join('\n')).toContain('prefix-cache metrics judged on the first');
  });

  it("validate reads a generated side over the source slice's span, from its start too (rows before the source's first request were read)", async () => {
    // Relative times: the source's from 600 s, the generated side's from 0 (its first 600 s
    // before any of the source's requests, on the axis the sides are compared on).
    const relative = (from: string, to: string, shift: number) => {
      const text = readFileSync(from, 'utf8').split('\n');
      writeFileSync(to, [text[0], ...text.slice(1).filter((l) => l !== '').map((l) => l.replace(/^[^,]*/, (t) => (Number(t) - 1.7e9 + shift).toFixed(2)))].join('\n') + '\n');
    };
    const src = join(dir, 'rel-src.csv');
    const gen = join(dir, 'rel-gen.csv');
    relative(file, src, 600);
    relative(writeLog('rel-gen-abs.csv', 37).file, gen, 0);
    const { report } = await validateWithDuckDB({ inputs: [src], mapping }, { inputs: [gen], mapping }, loadThresholds(undefined), { prefixMaxRows: max });
    const s = (await ingestFiles({ inputs: [src], mapping })).trace;
    const g = (await ingestFiles({ inputs: [gen], mapping })).trace;
    const cut = withValue[max] - 1.7e9 + 600;
    const start = s.timestamp[0];
    expect(start).toBeGreaterThan(600);
    const want = Math.abs(prefixSideOf(sliceTrace(g, start, cut))!.hitRatio - prefixSideOf(sliceTrace(s, -Infinity, cut))!.hitRatio);
    expect(report.metrics.prefix_hit_ratio_abs_err.value).toBeCloseTo(want, 12);
  });

  it("validate starts a generated side's span at the source's first time as put on its clock", async () => {
    // The source on a 1 s clock, its first time 0.4 µs past its tick (within the clock's
    // tolerance); a generated request 0.2 µs past that tick is on the source's first tick.
    const m = parseMapping({ columns: { timestamp: 'ts', client_id: 'user', input_tokens: 'prompt', output_tokens: 'answer', hash_ids: 'ids' }, timestamp: { unit: 's' }, block_tokens: 16 }, 'm');
    const src = join(dir, 'tick-src.csv');
    const gen = join(dir, 'tick-gen.csv');
    const row = (t: string, i: number) => `${t},u,29,3,"[${i % 4}, ${100 + i}]"`;
    writeFileSync(src, ['ts,user,prompt,answer,ids', row('12.0000004', 0), ...Array.from({ length: 39 }, (_, i) => row(String(13 + i), i + 1))].join('\n') + '\n');
    writeFileSync(gen, ['ts,user,prompt,answer,ids', row('12.0000002', 0), ...Array.from({ length: 39 }, (_, i) => row(String(13 + i), i + 5))].join('\n') + '\n');
    const { report } = await validateWithDuckDB({ inputs: [src], mapping: m }, { inputs: [gen], mapping: m }, loadThresholds(undefined), { prefixMaxRows: 20 });
    const s = (await ingestFiles({ inputs: [src], mapping: m })).trace;
    const g = (await ingestFiles({ inputs: [gen], mapping: m })).trace;
    // (the cut: the 21st time, 32 s; 20 rows before it on each side, the generated side's first among them)
    const want = Math.abs(prefixSideOf(sliceTrace(g, 12, 32))!.hitRatio - prefixSideOf(sliceTrace(s, -Infinity, 32))!.hitRatio);
    expect(sliceTrace(g, 12, 32).n).toBe(20);
    // (not what it gives without the generated side's first request)
    expect(Math.abs(prefixSideOf(sliceTrace(g, 12.5, 32))!.hitRatio - prefixSideOf(sliceTrace(s, -Infinity, 32))!.hitRatio)).not.toBeCloseTo(want, 6);
    expect(report.metrics.prefix_hit_ratio_abs_err.value).toBeCloseTo(want, 12);
  });

  it('validate judges a generated side covering a small part of the span against the source over that part, and says so (it said it was judged on the whole span)', async () => {
    // A quarter of a log's rows in its first 300 s (relative times): the source's span is longer.
    const short = join(dir, 'short.csv');
    const text = readFileSync(writeLog('short-abs.csv', 41).file, 'utf8').trimEnd().split('\n');
    writeFileSync(short, [text[0], ...text.slice(1).filter((_, i) => i % 4 === 0).map((l) => l.replace(/^[^,]*/, (t) => ((Number(t) - 1.7e9) / 12).toFixed(3)))].join('\n') + '\n');
    const { report } = await validateWithDuckDB({ inputs: [file], mapping }, { inputs: [short], mapping }, loadThresholds(undefined), { prefixMaxRows: max });
    const m = report.metrics.prefix_hit_ratio_abs_err;
    expect(m.value).toEqual(expect.any(Number));
    expect(m.note).toMatch(/judged on the first [\d.]+ min of each side: .*; the generated side's requests cover \d+ % of that span only \(from 0 s to 2\d\d s into it\), and the source is judged over the same part$/);
    // The source over the same part (it was its whole slice against this side's 300 s: an
    // infinite cache's hits grow with the span): the TypeScript engine's statistics of both.
    const src = (await ingestFiles({ inputs: [file], mapping })).trace;
    const g = (await ingestFiles({ inputs: [short], mapping })).trace;
    const part = sliceTrace(src, Math.max(g.timestamp[0], src.timestamp[0]), g.timestamp[g.n - 1]);
    expect(part.n).toBeLessThan(src.n / 5);
    expect(m.value).toBeCloseTo(Math.abs(prefixSideOf(g)!.hitRatio - prefixSideOf(part)!.hitRatio), 12);
    // One that covers it: no such words.
    const { report: full } = await validateWithDuckDB({ inputs: [file], mapping }, { inputs: [file], mapping }, loadThresholds(undefined), { prefixMaxRows: max });
    expect(full.metrics.prefix_hit_ratio_abs_err.note).not.toContain('cover');
  });

  it("validate does not judge a generated side none of whose requests with ids come in the source's slice, and says so (it said the side had no hash_ids)", async () => {
    // (relative times from 4000 s: past the source's slice, on the axis the sides are compared on)
    const late = join(dir, 'late.csv');
    const { file: g } = writeLog('late-src.csv', 31);
    const text = readFileSync(g, 'utf8').split('\n');
    writeFileSync(late, [text[0], ...text.slice(1).filter((l) => l !== '').map((l) => l.replace(/^[^,]*/, (t) => (Number(t) - 1.7e9 + 4000).toFixed(2)))].join('\n') + '\n');
    const { report } = await validateWithDuckDB({ inputs: [file], mapping }, { inputs: [late], mapping }, loadThresholds(undefined), { prefixMaxRows: max });
    for (const name of ['prefix_hit_ratio_abs_err', 'prefix_lru_hit_ratio_abs_err']) {
      const m = report.metrics[name];
      expect(m.value, name).toBeNull();
      expect(m.note, name).toMatch(/^not judged: none of its \d+ requests with hash_ids come in the first [\d.]+ min the source's prefix metrics are judged on/);
      expect(m.note, name).not.toContain('no hash_ids on the generated side');
    }
    // Too many there: not judged, said with the span, not "judged on the first …".
    // (the log's rows a hundred times denser: most of them in the source's slice)
    const dense = join(dir, 'dense.csv');
    writeFileSync(dense, [text[0], ...text.slice(1).filter((l) => l !== '').map((l) => l.replace(/^[^,]*/, (t) => ((Number(t) - 1.7e9) / 100).toFixed(4)))].join('\n') + '\n');
    const { report: r2 } = await validateWithDuckDB({ inputs: [file], mapping }, { inputs: [dense], mapping }, loadThresholds(undefined), { prefixMaxRows: 10 });
    expect(r2.metrics.prefix_hit_ratio_abs_err.note).toMatch(/^not judged: hash_ids: \d+ requests have them in the first [\d.]+ s the source's prefix metrics are judged on, more than the DuckDB engine's prefix pass holds there \(13\)/);
    expect(r2.metrics.prefix_hit_ratio_abs_err.note).not.toContain('; judged on the first');
  });

  it("inspect gives the earliest rows' statistics, with their span, and says so", async () => {
    const said: string[] = [];
    const { summary } = await inspectWithDuckDB([file], mapping, { prefixMaxRows: max, onNote: (l) => said.push(l) });
    const ts = (await ingestFiles({ inputs: [file], mapping })).trace;
    const origin = Date.parse(ts.origin!) / 1000;
    const { firstSeconds, ...stats } = summary.prefix!;
    expect(stats).toEqual(prefixSideOf(sliceTrace(ts, -Infinity, withValue[max] - origin)));
    expect(firstSeconds).toBeCloseTo(withValue[max] - origin - ts.timestamp[0], 6);
    expect(said.join('\n')).toMatch(/the prefix-cache statistics are of the earliest \d+, the first [\d.]+ min/);
    // Below the limit: all of them, no span.
    expect((await inspectWithDuckDB([file], mapping)).summary.prefix).toEqual(prefixSideOf(ts));
  });

  it('reads them all, with no share, below the limit; the side of a generated trace with too many is not judged', async () => {
    const all = await duckdbPrefixSections([file], mapping, { maxRows: withValue.length }, 5, rep);
    for (const p of all!.values()) expect(p.share).toBeUndefined();
    const ts = (await ingestFiles({ inputs: [file], mapping })).trace;
    expect(all).toEqual(prefixSections(poolSmallClients(ts, 5).trace));
    const side = await prefixSideWithDuckDB([file], mapping, { maxRows: max });
    expect(side.side).toBeUndefined();
    expect(side.unread).toMatch(/^not judged: hash_ids: \d+ requests have them/);
  });

  it('counts no empty list (nor JSON\'s empty text) toward the limit: only values that may hold ids, as the TypeScript engine reads them', async () => {
    // 10 rows with ids among 25 with [], "" or null (JSON lines), and 10 among `[]` cells and one
    // `""` cell (CSV: a bad value there, counted and noted by both engines).
    const j = join(dir, 'empty.jsonl');
    const values = ['[]', '""', 'null', '[]', '[]'];
    writeFileSync(j, Array.from({ length: 35 }, (_, i) => JSON.stringify({ ts: 1700000000 + i, user: 'u', prompt: 20, answer: 3 }).replace(/}$/, `,"ids":${i % 7 === 0 || i % 7 === 3 ? `[${i % 3},${i}]` : values[i % 5]}}`)).join('\n') + '\n');
    const c = join(dir, 'empty.csv');
    writeFileSync(c, ['ts,user,prompt,answer,ids', ...Array.from({ length: 21 }, (_, i) => `${1700000000 + i},u,20,3,${i === 20 ? '""""""' : i % 2 ? '[]' : `"[${i % 3}, ${i}]"`}`)].join('\n') + '\n');
    for (const [f, withIds] of [[j, 10], [c, 11]] as const) {
      const ts = (await ingestFiles({ inputs: [f], mapping })).trace;
      const rows = await prefixRowsWithDuckDB([f], mapping, { maxRows: withIds, slice: true });
      expect(rows?.tooMany, f).toBeUndefined();
      expect(rows?.trace?.n, f).toBe(10);
      expect(prefixSideOf(rows!.trace!), f).toEqual(prefixSideOf(ts));
      expect(rows?.bad.rows, f).toBe(f === c ? 1 : 0);
      // One fewer: too many, and the count says how many have a value.
      expect((await prefixRowsWithDuckDB([f], mapping, { maxRows: withIds - 1 }))?.tooMany, f).toEqual({ rows: withIds, max: withIds - 1 });
    }
  });

  it('reads none when every row up to the (max + 1)-th with a value shares the first time', async () => {
    const f = join(dir, 'one-time.csv');
    writeFileSync(f, ['ts,user,prompt,answer,ids', ...Array.from({ length: 20 }, (_, i) => `${i < 12 ? 1700000000 : 1700000000 + i},u,29,3,"[1, ${i}]"`)].join('\n') + '\n');
    const rows = await prefixRowsWithDuckDB([f], mapping, { maxRows: 10, slice: true });
    expect(rows?.trace).toBeUndefined();
    expect(rows?.tooMany).toEqual({ rows: 20, max: 10 });
    const ok = await prefixRowsWithDuckDB([f], mapping, { maxRows: 12, slice: true });
    expect(ok?.trace?.n).toBe(12);
    expect(ok?.sliced?.end).toBe(12);
  });
});
