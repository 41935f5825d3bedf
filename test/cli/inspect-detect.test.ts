import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

/** JSON.stringify with every object's keys sorted (what `jq -S` or `json.dump(sort_keys=True)` write). */
function sortedJson(v: unknown, indent?: number): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(sort) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort((x as Record<string, unknown>)[k])])) : x;
  return JSON.stringify(sort(v), null, indent);
}

describe('inspect tells a profile from a trace by content, whatever the key order', () => {
  it('reads a profile rewritten with sorted keys (pretty or compact) as a profile, and reports broken or foreign JSON documents as bad input', async () => {
    const dir = tempDir();
    // A real pool: its format key ends up far past the first 4 KB once keys are sorted.
    const pool = join(dir, 'pool.json');
    expect((await runCli('import-servegen', fixture('servegen', 'multimodal', 'mm-image'), '--out', pool, '--quiet')).code).toBe(0);
    const profile = JSON.parse(readFileSync(pool, 'utf8')) as unknown;
    for (const indent of [1, undefined]) {
      const file = join(dir, `sorted-${indent ?? 'compact'}.json`);
      writeFileSync(file, sortedJson(profile, indent) + '\n');
      const r = await runCli('inspect', file);
      expect(r.code, file).toBe(0);
      expect(r.stdout, file).toMatch(/^profile /);
    }
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "clients": [\n');
    const b = await runCli('inspect', broken);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/broken\.json.*invalid JSON/);
    const report = join(dir, 'fidelity.json');
    writeFileSync(report, JSON.stringify({ format: 'servegen-fidelity', version: 1, pass: true }, null, 2) + '\n');
    const f = await runCli('inspect', report);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/servegen-fidelity file, not a profile or a trace: a validate report/);
    // Summaries: what to do with them.
    const parts = join(dir, 'part-1.json');
    writeFileSync(parts, JSON.stringify({ format: 'servegen-summaries', version: 1 }) + '\n');
    const p = await runCli('inspect', parts);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain(`fit it first (servegen fit --summaries ${parts} --out profile.json)`);
  });
});

describe('inspect on a trace of one request', () => {
  it('prints — for the mean rate and the IAT CV (a zero span, no gaps), not NaN, with either engine', async () => {
    const dir = tempDir();
    const file = join(dir, 'one.csv');
    writeFileSync(file, 'ts,tenant,prompt_tokens,completion_tokens\n1,a,2,3\n');
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt_tokens', output_tokens: 'completion_tokens' }, timestamp: { unit: 's' } }));
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('inspect', file, '--map', map, '--engine', engine, '--quiet');
      expect(r.code, engine).toBe(0);
      expect(r.stdout, engine).toContain('requests      1 (mean — req/s); aggregate IAT CV —');
      expect(r.stdout, engine).not.toContain('NaN');
      // As for any trace without a window of 16 gaps (the line was left out; found by review).
      expect(r.stdout, engine).toContain('  gap memory    not judged (no client has a 600 s window with 16 gaps)');
    }
  });
});

describe('inspect: a directory, several profiles (found by review)', () => {
  it('a directory (an upstream pool) is bad input (exit 2, named), not an internal error', async () => {
    const pool = fixture('servegen', 'multimodal', 'mm-image');
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('inspect', pool, '--engine', engine);
      expect(r.code, engine).toBe(2);
      // ... and says to import it (a new user's walkthrough: "give the files (or a pattern like DIR/*.csv)").
      expect(r.stderr, engine).toBe(`servegen: ${pool}: is an upstream ServeGen pool (chunk-N-trace.csv): import it first (servegen import-servegen ${pool} --out pool.json), then use the profile; where a source trace goes (validate, capacity, roundtrip) a pool has no requests to compare: give a trace generated from the profile (servegen generate pool.json --duration 3600 --out trace.jsonl)\n`);
    }
  });

  it('a profile among several files is refused by name (it was read as JSON lines: rows rejected)', async () => {
    const profile = fixture('profiles', 'essentials.json');
    const dir = tempDir();
    const trace = join(dir, 'g.jsonl');
    expect((await runCli('generate', profile, '--duration', '30', '--out', trace, '--quiet')).code).toBe(0);
    for (const [files, which] of [[[profile, profile], 'given twice'], [[trace, profile], `${trace} given beside it`]] as const) {
      const r = await runCli('inspect', ...files, '--quiet');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`servegen: ${profile}: a profile; inspect takes one profile at a time (several files are read as one trace): ${which}\n`);
    }
  });
});

describe('inspect --report on a trace (found by review)', () => {
  it('is refused with exit 2 (it was ignored: exit 0 and no file)', async () => {
    const dir = tempDir();
    const trace = join(dir, 'g.jsonl');
    expect((await runCli('generate', fixture('profiles', 'essentials.json'), '--duration', '30', '--out', trace, '--quiet')).code).toBe(0);
    const html = join(dir, 'r.html');
    const r = await runCli('inspect', trace, '--report', html, '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--report: the HTML characterization is written for a profile');
    const p = await runCli('inspect', fixture('profiles', 'essentials.json'), '--report', html);
    expect(p.code).toBe(0);
  });
});

describe('fit on requests that all share one timestamp (found by review: one request became a 1 req/s profile)', () => {
  it('warns that their rate cannot be measured, with either engine and from summaries; not when times differ', async () => {
    const dir = tempDir();
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt_tokens', output_tokens: 'completion_tokens' }, timestamp: { unit: 's' } }));
    const one = join(dir, 'one.csv');
    writeFileSync(one, 'ts,tenant,prompt_tokens,completion_tokens\n1,a,2,3\n1,b,4,5\n');
    const two = join(dir, 'two.csv');
    writeFileSync(two, 'ts,tenant,prompt_tokens,completion_tokens\n1,a,2,3\n2,b,4,5\n');
    const warning = 'warning: all 2 request(s) share one timestamp: their rate cannot be measured';
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('fit', one, '--map', map, '--engine', engine, '--out', join(dir, `p-${engine}.json`));
      expect(r.code, engine).toBe(0);
      expect(r.stderr, engine).toContain(warning);
      expect((await runCli('fit', two, '--map', map, '--engine', engine, '--out', join(dir, `q-${engine}.json`))).stderr, engine).not.toContain('share one timestamp');
    }
    expect((await runCli('summarize', one, '--map', map, '--out', join(dir, 's.json'), '--quiet')).code).toBe(0);
    expect((await runCli('fit', '--summaries', join(dir, 's.json'), '--out', join(dir, 'ps.json'))).stderr).toContain(warning);
  });
});

describe('inspect of a trace on a coarse clock', () => {
  it('says the clock beside the aggregate IAT CV, with both engines (found by review: Mooncake read CV 3.03, its profile 1.00, without a word)', async () => {
    const dir = tempDir();
    // 600 rows at 4 req/s on a 3 s clock (times floored to multiples of 3 s), and the same rows at their exact times.
    const rows = (coarse: boolean) => ['timestamp,client_id,input_tokens,output_tokens', ...Array.from({ length: 600 }, (_, i) => `${coarse ? Math.floor((i * 0.25 + (i % 7) * 0.031) / 3) * 3 : (i * 0.25 + (i % 7) * 0.031).toFixed(3)},c,10,5`)].join('\n') + '\n';
    writeFileSync(join(dir, 'coarse.csv'), rows(true));
    writeFileSync(join(dir, 'fine.csv'), rows(false));
    for (const engine of ['ts', 'duckdb']) {
      const coarse = await runCli('inspect', join(dir, 'coarse.csv'), '--preset', 'servegen', '--engine', engine);
      expect(coarse.code, coarse.stderr).toBe(0);
      expect(coarse.stdout, engine).toMatch(/aggregate IAT CV [\d.]+ on a 3\.00 s clock \(the mean gap is 0\.2\d+ s: many gaps read as 0; fit models the gaps within a tick\)/);
      const fine = await runCli('inspect', join(dir, 'fine.csv'), '--preset', 'servegen', '--engine', engine);
      expect(fine.stdout, engine).toMatch(/aggregate IAT CV [\d.]+\n/);
    }
  });
});
