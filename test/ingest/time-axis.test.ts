import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { findTimeOutliers, implausibleDatesWarning, magnitudeCounts, mixedUnitWarning, windowsHaveTimeOutliers, windowsMayHaveTimeOutliers } from '../../src/ingest/time-axis.js';
import { createRng } from '../../src/stats/rng.js';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

const sorted = (a: number[]) => Float64Array.from(a).sort();
const range = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => from + i * step);

describe('findTimeOutliers', () => {
  it('finds a few rows far before, after, or on both sides of the others', () => {
    const hour = range(1000, 1.7e9, 3.6);
    expect(findTimeOutliers(sorted([0, ...hour]))).toMatchObject({ before: 1, after: 0, gapBefore: 1.7e9, coreStart: 1.7e9, first: 0 });
    expect(findTimeOutliers(sorted([...hour, 4e9]))).toMatchObject({ before: 0, after: 1, last: 4e9 });
    expect(findTimeOutliers(sorted([0, 1, ...hour, 4e9]))).toMatchObject({ before: 2, after: 1 });
    // Two outliers far apart from each other too (1970 and 2000): both counted.
    expect(findTimeOutliers(sorted([0, 9.5e8, ...hour]))).toMatchObject({ before: 2 });
    // One row 5 days after a day of data.
    expect(findTimeOutliers(sorted([...range(1000, 0, 86.4), 6 * 86400]))).toMatchObject({ after: 1 });
  });

  it('finds nothing in real gaps, sparse tails or small shares', () => {
    // Two working days: half the rows on each side of a night.
    expect(findTimeOutliers(sorted([...range(500, 0, 57.6), ...range(500, 86400, 57.6)]))).toBeNull();
    // 99 % of the rows in an hour, the rest spread over the next 3 h.
    expect(findTimeOutliers(sorted([...range(990, 0, 3.6), ...range(10, 3600, 1080)]))).toBeNull();
    // More than 1 % of the rows far away: a real second part of the trace, not an outlier.
    expect(findTimeOutliers(sorted([...range(20, 0, 1), ...range(980, 1e6, 3.6)]))).toBeNull();
    // One row only 3 × the others' span away.
    expect(findTimeOutliers(sorted([...range(1000, 0, 3.6), 3600 * 4]))).toBeNull();
    expect(findTimeOutliers(sorted([1, 2]))).toBeNull();
    // Too few rows for the others' span to say anything (it warned on 3 rows 1 s apart, and on
    // 4 rows of the Azure log: "lies 4.31 s before the other 3 rows, which span 0.396 s").
    expect(findTimeOutliers(sorted([1, 2, 3]))).toBeNull();
    expect(findTimeOutliers(sorted([0.681, 4.995, 5.127, 5.391]))).toBeNull();
    expect(findTimeOutliers(sorted([0, ...range(10, 1.7e9, 3.6)]))).toBeNull();
    expect(findTimeOutliers(sorted([0, ...range(11, 1.7e9, 3.6)]))).toMatchObject({ before: 1 });
    expect(findTimeOutliers(sorted([]))).toBeNull();
  });
});

/** Arrival windows (per client and window of W s: row count, first and last time) of rows. */
function windowsOf(t: number[], client: number[], W: number) {
  const by = new Map<string, { n: number; first: number; last: number }>();
  t.forEach((x, i) => {
    const key = `${client[i]}/${Math.floor(x / W)}`;
    const w = by.get(key);
    if (w) {
      w.n++;
      w.first = Math.min(w.first, x);
      w.last = Math.max(w.last, x);
    } else by.set(key, { n: 1, first: x, last: x });
  });
  return [...by.values()];
}

/**
 * A random trace for the windows checks: spans from seconds to days, rows in bursts or uniform,
 * windows of 60 s to 1 h; outliers at either end, of varying number and distance (some too
 * close to count); `distance` the farthest outliers' offset from the span.
 */
function randomTrace(rng: ReturnType<typeof createRng>): { t: number[]; c: number[]; W: number; span: number; distance: number } {
  const n = 3 + Math.floor(rng.next() * 400);
  const clients = 1 + Math.floor(rng.next() * 6);
  const span = Math.exp(rng.next() * Math.log(3e5));
  const W = [60, 600, 3600][Math.floor(rng.next() * 3)];
  const t: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < n; i++) {
    t.push(rng.next() < 0.3 ? span * 0.5 + rng.next() * span * 0.01 : rng.next() * span);
    c.push(Math.floor(rng.next() * clients));
  }
  let distance = 0;
  for (const side of [-1, 1]) {
    if (rng.next() < 0.5) continue;
    const k = 1 + Math.floor(rng.next() * Math.max(1, n * 0.02));
    const far = span * Math.exp(rng.next() * Math.log(1e4)) * 0.1;
    distance = Math.max(distance, far);
    for (let j = 0; j < k; j++) {
      t.push(side < 0 ? -far - rng.next() * span * 0.05 : span + far + rng.next() * span * 0.05);
      c.push(Math.floor(rng.next() * clients));
    }
  }
  return { t, c, W, span, distance };
}

/** findTimeOutliers' first pass: a gap after at most m rows from either end wider than 4 × t[n − 1 − m] − t[m]. */
function firstPassOutliers(t: Float64Array): boolean {
  const n = t.length;
  if (n < 12) return false;
  const m = Math.min(Math.max(1, Math.floor(n * 0.01)), Math.floor((n - 1) / 2));
  const middle = t[n - 1 - m] - t[m];
  for (let k = 1; k <= m; k++) if (t[k] - t[k - 1] > 4 * middle || t[n - k] - t[n - k - 1] > 4 * middle) return true;
  return false;
}

describe('windowsHaveTimeOutliers (fit --summaries --anonymize: windows, no rows)', () => {
  it('finds outliers only where findTimeOutliers\' first pass finds them, and most of those findTimeOutliers finds many windows away', () => {
    const rng = createRng(11);
    let far = 0;
    let farFound = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const { t, c, W, span, distance } = randomTrace(rng);
      const sorted = Float64Array.from(t).sort();
      const sure = windowsHaveTimeOutliers(windowsOf(t, c, W), W);
      if (sure) expect(firstPassOutliers(sorted), `trial ${trial}`).toBe(true);
      if (findTimeOutliers(sorted) !== null && distance > 10 * (span + W)) {
        far++;
        if (sure) farFound++;
      }
    }
    expect(far).toBeGreaterThan(100);
    expect(farFound / far).toBeGreaterThan(0.9);
  });

  it('finds a 1970 row before a day of requests, and none in the day alone', () => {
    const day = range(8640, 1.7e9, 10);
    const clients = day.map((_, i) => i % 7);
    expect(windowsHaveTimeOutliers(windowsOf(day, clients, 600), 600)).toBe(false);
    expect(windowsHaveTimeOutliers(windowsOf([0, ...day], [0, ...clients], 600), 600)).toBe(true);
    expect(windowsHaveTimeOutliers([], 600)).toBe(false);
  });
});

describe('windowsMayHaveTimeOutliers (the one-pass DuckDB scan keeps windows, not rows)', () => {
  it('never misses what findTimeOutliers finds, on random traces with and without outliers; rarely asks on clean ones', () => {
    const rng = createRng(7);
    let found = 0;
    let asked = 0;
    let cleanAsked = 0;
    let clean = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const { t, c, W, span } = randomTrace(rng);
      const truth = findTimeOutliers(Float64Array.from(t).sort()) !== null;
      const may = windowsMayHaveTimeOutliers(windowsOf(t, c, W), W);
      if (truth) {
        found++;
        expect(may, `trial ${trial}`).toBe(true);
      }
      if (may) asked++;
      if (!truth && span > 8 * W) {
        clean++;
        if (may) cleanAsked++;
      }
    }
    // Both kinds occur, and on traces spanning many windows a clean one is rarely re-read.
    expect(found).toBeGreaterThan(300);
    expect(clean).toBeGreaterThan(300);
    expect(cleanAsked / clean).toBeLessThan(0.1);
    expect(asked).toBeLessThan(3000);
  });

  it('decides from the windows alone when the trace spans many windows: no outliers in a clean day, a 1970 row found', () => {
    const day = range(8640, 1.7e9, 10);
    const clients = day.map((_, i) => i % 7);
    expect(windowsMayHaveTimeOutliers(windowsOf(day, clients, 600), 600)).toBe(false);
    expect(windowsMayHaveTimeOutliers(windowsOf([0, ...day], [0, ...clients], 600), 600)).toBe(true);
    // A span under 4 windows' worth cannot be decided from 600 s windows.
    expect(windowsMayHaveTimeOutliers(windowsOf(range(100, 0, 1), range(100, 0, 0), 600), 600)).toBe(true);
    expect(windowsMayHaveTimeOutliers([], 600)).toBe(false);
    // The middle rows span ~100 s: a 450 s gap qualifies, but it hides inside client 0's
    // window [0, 600) (rows at 0 and 500), so the windows cannot rule it out.
    const t = [0, 500, ...range(100, 450, 1)];
    const c = [0, 0, ...range(100, 1, 1)];
    expect(findTimeOutliers(Float64Array.from(t).sort())).toMatchObject({ before: 1 });
    expect(windowsMayHaveTimeOutliers(windowsOf(t, c, 600), 600)).toBe(true);
    // Windows of 100 s: a row at 0 and one at 85 (client 0, slot 0), 50 rows at 100–104 (slot 1).
    // The middle spans 19 s, so the 85 s gap qualifies, inside slot 0: undecidable from windows
    // (bounds from a slot's latest last, not its first; a threshold under one window is not enough).
    const t2 = [0, 85, ...range(50, 100, 0.08), 104];
    const c2 = [0, 0, ...range(50, 1, 1), 1];
    expect(findTimeOutliers(Float64Array.from(t2).sort())).toMatchObject({ before: 1 });
    expect(windowsMayHaveTimeOutliers(windowsOf(t2, c2, 100), 100)).toBe(true);
  });
});

describe('mixed magnitudes with unit auto', () => {
  it('counts the values that disagree with the unit of the largest', () => {
    expect(mixedUnitWarning(magnitudeCounts([1.7e9, 1.7e9 + 1, 1.7e12]), 'ms')).toMatch(/^timestamps \(unit auto\): 2 of 3 values \(66\.67 %\) disagree with the unit chosen from the largest, epoch milliseconds \(read as ms\): 2 look like epoch seconds\./);
    expect(mixedUnitWarning(magnitudeCounts([5, 1.7e9]), 's')).toMatch(/1 look like relative seconds/);
    expect(mixedUnitWarning(magnitudeCounts([1.7e9, 1.8e9]), 's')).toBeNull();
    expect(mixedUnitWarning(magnitudeCounts([0, 5, 3600]), 's')).toBeNull();
    expect(mixedUnitWarning(magnitudeCounts([]), 's')).toBeNull();
  });
});

describe('implausibleDatesWarning', () => {
  const t = Array.from({ length: 100 }, (_, i) => i * 30);
  it('warns when the bulk of an absolute log lies outside 1990–2100, whatever a stray row at either end says', () => {
    expect(implausibleDatesWarning(t, '+055840-11-08T22:14:32.000Z')).toMatch(/^timestamps: the bulk of the rows lies from \+055840-11-08T22:15:02Z to \+055840-11-08T23:03:32Z, outside the years 1990–2100 of any log: a wrong unit/);
    expect(implausibleDatesWarning(t, '1900-01-01T00:00:00Z')).not.toBeNull();
    expect(implausibleDatesWarning(t, '2023-11-16T18:15:46Z')).toBeNull();
    expect(implausibleDatesWarning(t, '2099-12-31T23:00:00Z')).toBeNull(); // ends in 2100: its bulk starts inside
    // A 1970 row before a 2023 log (origin 1970: findTimeOutliers' case) is no implausible log.
    const stray = [0, ...t.slice(1).map((x) => 1.7e9 + x)];
    expect(implausibleDatesWarning(stray, '1970-01-01T00:00:00Z')).toBeNull();
    // Relative times, and logs under 12 rows, are not judged.
    expect(implausibleDatesWarning(t, null)).toBeNull();
    expect(implausibleDatesWarning(t.slice(0, 11), '1900-01-01T00:00:00Z')).toBeNull();
  });

  it('epoch milliseconds read with unit s: the same warning from both engines, on stderr and in --summary, exit 0 (it said nothing: a trace from the year 55840)', async () => {
    const dir = tempDir();
    const f = join(dir, 'gw.csv');
    writeFileSync(f, ['request_time,tenant,prompt_tokens', ...Array.from({ length: 50 }, (_, i) => `${1700000000000 + i * 700},a,${i + 1}`), ''].join('\n'));
    const m = join(dir, 'map.json');
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'request_time', client_id: 'tenant', input_tokens: 'prompt_tokens' }, timestamp: { unit: 's' } }));
    const seen: string[] = [];
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('ingest', f, '--map', m, '--engine', engine, '--out', join(dir, `t-${engine}.parquet`), '--summary', join(dir, `s-${engine}.json`));
      expect(r.code, engine).toBe(0);
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
      expect(warnings, engine).toHaveLength(1);
      expect(warnings[0], engine).toMatch(/^warning: timestamps: the bulk of the rows lies from \+055840-\S+ to \+055840-\S+, outside the years 1990–2100 of any log: a wrong unit \(epoch milliseconds read as seconds/);
      expect(JSON.parse(readFileSync(join(dir, `s-${engine}.json`), 'utf8')).warnings, engine).toEqual([warnings[0].slice('warning: '.length)]);
      seen.push(warnings[0]);
    }
    expect(seen[1]).toBe(seen[0]);
    // The one-pass DuckDB scan (fit, summarize) keeps no rows: its windows say when to look.
    for (const args of [['fit', '--out', join(dir, 'p.json')], ['summarize', '--out', join(dir, 'scan')], ['inspect']]) {
      const r = await runCli(args[0], f, '--map', m, '--engine', 'duckdb', ...args.slice(1));
      expect(r.code, args[0]).toBe(0);
      expect(r.stderr.split('\n'), args[0]).toContain(seen[0]);
    }
    // With the right unit: no warning.
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'request_time', client_id: 'tenant', input_tokens: 'prompt_tokens' }, timestamp: { unit: 'ms' } }));
    expect((await runCli('ingest', f, '--map', m, '--out', join(dir, 't.jsonl'))).stderr).not.toContain('warning');
  });
});

describe('ingest warns when the time axis looks wrong (stderr, exit 0), and only then', () => {
  it('the bundled real traces give no warning', async () => {
    const cases: [string, string][] = [
      ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv'],
      ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_code.csv'],
      ['mooncake', 'mooncake/conversation_trace.jsonl.gz'],
      ['burstgpt', 'burstgpt/burstgpt3_slice.csv'],
    ];
    for (const [preset, file] of cases) {
      const r = await ingestFiles({ inputs: [fixture('traces', file)], mapping: loadPreset(preset) });
      expect(r.summary.warnings, file).toBeUndefined();
      expect('warnings' in r.summary, file).toBe(false); // --summary JSON unchanged
    }
    const dir = tempDir();
    const cli = await runCli('ingest', fixture('traces', 'azure-llm-2023/AzureLLMInferenceTrace_code.csv'), '--preset', 'azure-llm-2023', '--out', join(dir, 't.jsonl'));
    expect(cli.code).toBe(0);
    expect(cli.stderr).not.toContain('warning');
  });

  it('one epoch-milliseconds value among epoch seconds: both warnings, one line each, exit 0, no rejects', async () => {
    const dir = tempDir();
    const conv = readFileSync(fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), 'utf8').split('\n').slice(1, 1001);
    const secs = conv.map((l) => {
      const [t, i, o] = l.split(',');
      return `${(Date.parse(`${t.slice(0, 23).replace(' ', 'T')}Z`) / 1000).toFixed(3)},${i},${o}`;
    });
    const f = join(dir, 'mixed.csv');
    writeFileSync(f, ['ts,in,out', ...secs, '1700158762707,10,10', ''].join('\n'));
    const m = join(dir, 'map.json');
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'ts', input_tokens: 'in', output_tokens: 'out' }, timestamp: { unit: 'auto' } }));
    const r = await runCli('ingest', f, '--map', m, '--out', join(dir, 't.jsonl'), '--summary', join(dir, 's.json'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('0 rejected');
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/1000 of 1001 values \(99\.90 %\) disagree with the unit chosen from the largest, epoch milliseconds \(read as ms\): 1000 look like epoch seconds/);
    expect(warnings[1]).toMatch(/1 row \(0\.10 %, at 2023-11-16T18:19:22\.707Z\) lies 53\.8 years after the other 1000 rows/);
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).warnings).toHaveLength(2);
    // Epoch seconds alone: no warning.
    writeFileSync(f, ['ts,in,out', ...secs, ''].join('\n'));
    const clean = await ingestFiles({ inputs: [f], mapping: parseMapping({ columns: { timestamp: 'ts' }, timestamp: { unit: 'auto' } }, 'm') });
    expect(clean.summary.warnings).toBeUndefined();
  });
});
