import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { buildSummaries } from '../../src/summary/build.js';
import { DuckDbReadError } from '../../src/summary/duckdb-errors.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { compareEngines } from './engine-compare.js';
import { expectEqualSummaries } from './equal-summaries.js';
import { fuzzCase, writeFuzzCase, type FuzzExtras } from './fuzz-inputs.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001, threads: 1 };

/** Writes files (name → text) in a fresh directory; returns their paths. */
function files(named: Record<string, string>): string[] {
  const dir = tempDir();
  return Object.entries(named).map(([name, text]) => {
    writeFileSync(`${dir}/${name}`, text);
    return `${dir}/${name}`;
  });
}

const refusal = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);

describe('the engines on random small inputs (seeded differential fuzzer)', () => {
  // Disagreements it found, each at its smallest, the TypeScript engine the reference.
  describe('regressions', () => {
    it("CSV: a row whose first field is '#' (DuckDB's sniffer took '#' for a comment character and dropped the row)", async () => {
      const [f] = files({ 'a.csv': 'c,t,i\n#,1,  \nb,2,3\n' });
      const m = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm');
      const s = await summarizeWithDuckDB([f], m, W);
      expect(s.rowsRead).toBe(2);
      expect(s.summaries.arrivals.map((a) => a.client)).toEqual(['#', 'b']);
      expect(await compareEngines([f], m, tempDir())).toEqual({ outcome: 'agree', differences: [] });
    });

    it('CSV: a row with more fields than the header near the top is refused by DuckDB as unsplittable (its sniffer had taken it for the header: "column not in the input")', async () => {
      const [f] = files({ 'a.csv': 't,c,i\n1,a,5\n2,b,6\n3,c,7,8\n' });
      const m = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm');
      expect((await ingestFiles({ inputs: [f], mapping: m })).summary.rejects_by_reason).toEqual({ wrong_column_count: 1 });
      const err = await refusal(summarizeWithDuckDB([f], m, W));
      expect(err).toBeInstanceOf(DuckDbReadError);
      expect(err!.message).toContain('cannot split consistently');
    });

    it('an optional joined client of which one column is missing: the others joined (`b/`), not the field dropped (every row client `unknown`)', async () => {
      const [f] = files({ 'a.csv': 'u,t\nb,1\nc,2\n' });
      const m = parseMapping({ columns: { timestamp: 't', client_id: ['u', 'rid'] }, timestamp: { unit: 's' }, optional: ['client_id'] }, 'm');
      const ts = await ingestFiles({ inputs: [f], mapping: m });
      expect(ts.trace.clientIds).toEqual(['b/', 'c/']);
      const s = await summarizeWithDuckDB([f], m, W);
      expectEqualSummaries(buildSummaries(ts.trace, W), s.summaries);
      expect(await compareEngines([f], m, tempDir())).toEqual({ outcome: 'agree', differences: [] });
    });

    it("a joined client is trimmed as a whole: separator ' / ' after an empty first part is `/ a`, not ` / a` (DuckDB's summaries)", async () => {
      const [f] = files({ 'a.jsonl': '{"t":1,"c":"","x":"a"}\n{"t":2,"c":"b","x":"a"}\n' });
      const m = parseMapping({ columns: { timestamp: 't', client_id: ['c', 'x'] }, timestamp: { unit: 's' }, separator: ' / ' }, 'm');
      const ts = await ingestFiles({ inputs: [f], mapping: m });
      expect(ts.trace.clientIds).toEqual(['/ a', 'b / a']);
      const s = await summarizeWithDuckDB([f], m, W);
      expect(s.summaries.arrivals.map((a) => a.client).sort()).toEqual(['/ a', 'b / a']);
    });

    it('an optional client column missing, rows out of order (DuckDB summarizes from a table): client `unknown`, not `default`', async () => {
      const [f] = files({ 'a.tsv': 't\ti\n2\t5\n1\t6\n' });
      const m = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' }, optional: ['client_id'] }, 'm');
      const s = await summarizeWithDuckDB([f], m, W);
      expect(s.pass).not.toBe('stream');
      expect(s.summaries.arrivals.map((a) => a.client)).toEqual(['unknown']);
    });

    it('JSON lines: a required key that no row of one of several files has stops both engines, naming that file', async () => {
      const [a, b] = files({ 'a.jsonl': '{"t":1,"c":"x","i":5}\n', 'b.jsonl': '{"t":2,"c":"y"}\n' });
      const m = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm');
      await expect(ingestFiles({ inputs: [a, b], mapping: m })).rejects.toThrow(`${b}: mapping names column "i" not in any row`);
      await expect(summarizeWithDuckDB([a, b], m, W)).rejects.toThrow(`${b}: mapping names column "i" not in the input`);
    });

    it('JSON lines: a required key of a path that no row of one of several files has (its struct lacks the key) stops both engines', async () => {
      const [a, b] = files({ 'a.jsonl': '{"t":1,"u":{"p":5}}\n', 'b.jsonl': '{"t":2,"u":{"q":6}}\n' });
      const m = parseMapping({ columns: { timestamp: 't', input_tokens: 'u.p' }, timestamp: { unit: 's' } }, 'm');
      const message = `${b}: mapping reads input_tokens from "u.p", a path no row of the file has`;
      await expect(ingestFiles({ inputs: [a, b], mapping: m })).rejects.toThrow(message);
      await expect(summarizeWithDuckDB([a, b], m, W)).rejects.toThrow(message);
    });

    it('JSON lines: a required coalesce none of whose sources any row has (a missing key, a path below an existing key) stops both engines with one message', async () => {
      const message = (f: string) => `${f}: mapping reads session_id from the first non-empty of "m.s", "sid", none of which any row of the file has`;
      const m = parseMapping({ columns: { timestamp: 't', session_id: { coalesce: ['m.s', 'sid'] } }, timestamp: { unit: 's' } }, 'm');
      const [f] = files({ 'a.jsonl': '{"t":1,"m":{"x":1}}\n{"t":2,"m":{"x":2}}\n' });
      await expect(ingestFiles({ inputs: [f], mapping: m })).rejects.toThrow(message(f));
      await expect(summarizeWithDuckDB([f], m, W)).rejects.toThrow(message(f));
      // The same in the second of two files.
      const [a, b] = files({ 'a.jsonl': '{"t":1,"sid":"s1"}\n', 'b.jsonl': '{"t":2,"m":{"x":2}}\n' });
      await expect(ingestFiles({ inputs: [a, b], mapping: m })).rejects.toThrow(message(b));
      await expect(summarizeWithDuckDB([a, b], m, W)).rejects.toThrow(message(b));
      // No key of it at all (as in a CSV): the TypeScript engine read every row with the field absent.
      const [g] = files({ 'a.jsonl': '{"t":1}\n' });
      const top = parseMapping({ columns: { timestamp: 't', session_id: { coalesce: ['x', 'sid'] } }, timestamp: { unit: 's' } }, 'm');
      await expect(ingestFiles({ inputs: [g], mapping: top })).rejects.toThrow(`${g}: mapping reads session_id from the first non-empty of "x", "sid", none of which is in the input (columns: "t")`);
      await expect(summarizeWithDuckDB([g], top, W)).rejects.toThrow(`${g}: mapping reads session_id from the first non-empty of "x", "sid", none of which is in the input (columns: "t")`);
    });

    it('JSON lines: strings that look like dates stay the strings they are (DuckDB typed them DATE: client "2023-1-5" became 2023-01-05, and a later value of another shape refused the file)', async () => {
      const m = parseMapping({ columns: { timestamp: 't', client_id: 'c' }, timestamp: { unit: 'iso' } }, 'm');
      const [f] = files({ 'a.jsonl': '{"t":"2023-11-14","c":"2023-1-5"}\n{"t":"2023-11-14T22:13:50.500Z","c":"2023-1-6"}\n' });
      const ts = await ingestFiles({ inputs: [f], mapping: m });
      const s = await summarizeWithDuckDB([f], m, W);
      expect(s.summaries.arrivals.map((a) => a.client)).toEqual(['2023-1-5', '2023-1-6']);
      expectEqualSummaries(buildSummaries(ts.trace, W), s.summaries);
    });

    it('CSV of one column: a blank line is no row (DuckDB read it as a row without a time), `""` is one', async () => {
      const [f] = files({ 'a.csv': 't\n1\n\n""\n2\n\n' });
      const m = parseMapping({ columns: { timestamp: 't' }, timestamp: { unit: 's' } }, 'm');
      expect((await ingestFiles({ inputs: [f], mapping: m })).summary).toMatchObject({ rows_read: 3, rejects_by_reason: { missing_timestamp: 1 } });
      const s = await summarizeWithDuckDB([f], m, W);
      expect([s.rowsRead, s.rejectsByReason]).toEqual([3, { missing_timestamp: 1 }]);
    });

    it('several CSVs spelling a mapped column in another case (`sid`, `SID`): DuckDB, matching names without case, refuses and points to --engine ts, which reads it as missing from the second', async () => {
      const [a, b] = files({ 'a.csv': 't,sid\n1,s1\n', 'b.csv': 't,SID\n2,s2\n' });
      const m = parseMapping({ columns: { timestamp: 't', session_id: 'sid' }, timestamp: { unit: 's' }, optional: ['session_id'] }, 'm');
      const ts = await ingestFiles({ inputs: [a, b], mapping: m });
      expect(ts.trace.texts.session_id!.values).toEqual(['s1']);
      const err = await refusal(summarizeWithDuckDB([a, b], m, W));
      expect(err).toBeInstanceOf(DuckDbReadError);
      expect(err!.message).toContain('--engine ts');
    });
  });

  /**
   * The engines compared on `n` cases of `seed`: outcomes counted, differences listed (in case
   * order), cases with end times or a filter counted. Cases run 4 at a time, each in its own
   * directory: most of a case's time is DuckDB's (its own threads, opening an instance ~100 ms
   * for ~15 ms of CPU), which one case at a time left idle.
   */
  async function fuzzEngines(seed: string, n: number, extras: FuzzExtras = {}): Promise<{ outcomes: Record<string, number>; differ: string[]; withExtras: number }> {
    const outcomes: Record<string, number> = {};
    const differByCase: string[][] = Array.from({ length: n }, () => []);
    const root = tempDir();
    let withExtras = 0;
    let next = 0;
    const runCases = async () => {
      for (let i = next++; i < n; i = next++) {
        const c = fuzzCase(seed, i, undefined, extras);
        if (c.mapping.columns.duration || c.mapping.columns.filter) withExtras++;
        const dir = `${root}/${i}`;
        mkdirSync(dir);
        const paths = writeFuzzCase(c, dir);
        const r = await compareEngines(paths, c.mapping, dir);
        outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
        if (r.differences.length) differByCase[i].push(`case ${i} (${c.kind}, mapping ${c.mappingText}): ${r.differences.join('; ')}`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, runCases));
    return { outcomes, differ: differByCase.flat(), withExtras };
  }

  it('120 random CSV/TSV/JSON lines inputs (structure, mapping, presets): same counts, rejects by reason, rows and summaries, or both refuse (DuckDB: as documented)', { timeout: 120_000 }, async () => {
    const { outcomes, differ } = await fuzzEngines('engine-fuzz-1', 120);
    expect(differ).toEqual([]);
    // The cases do compare rows: most are read by both engines.
    expect(outcomes.agree).toBeGreaterThan(50);
  });

  it('80 random inputs read with end times (columns.duration) and row filters (columns.filter, keep): same counts, rejects, rows and summaries, or both refuse', { timeout: 120_000 }, async () => {
    const { outcomes, differ, withExtras } = await fuzzEngines('engine-fuzz-end-filter', 80, { endTimes: true, filter: true });
    expect(differ).toEqual([]);
    expect(withExtras).toBeGreaterThan(50);
    expect(outcomes.agree).toBeGreaterThan(20);
  });

  it('70 random inputs through `ingest --engine ts|duckdb`: the same exit code, --summary and --rejects file (or DuckDB refusing as documented, pointing to --engine ts)', { timeout: 120_000 }, async () => {
    const root = tempDir();
    const differ: string[] = [];
    let compared = 0;
    // (the last 30 read with end times and row filters: their rejects and --max-reject-ratio, which leaves excluded rows out)
    for (let i = 0; i < 70; i++) {
      const c = i < 40 ? fuzzCase('engine-fuzz-cli', i) : fuzzCase('engine-fuzz-cli-end-filter', i, undefined, { endTimes: true, filter: true });
      const dir = `${root}/${i}`;
      mkdirSync(dir);
      const paths = writeFuzzCase(c, dir);
      const run = async (engine: string) => {
        const r = await runCli('ingest', ...paths, '--map', `${dir}/map.json`, '--engine', engine, '--out', `${dir}/${engine}.parquet`, '--summary', `${dir}/${engine}.json`, '--rejects', `${dir}/${engine}.rejects.jsonl`, '--max-reject-ratio', '0.2');
        const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);
        const summary = read(`${dir}/${engine}.json`);
        return { code: r.code, stderr: r.stderr, summary: summary === undefined ? undefined : (JSON.parse(summary) as Record<string, unknown>), rejects: read(`${dir}/${engine}.rejects.jsonl`) };
      };
      const ts = await run('ts');
      const duck = await run('duckdb');
      if (duck.code === 2 && ts.code !== 2 && duck.stderr.includes('--engine ts')) continue;
      if (duck.code !== ts.code) differ.push(`case ${i}: exit ${ts.code} (ts) and ${duck.code} (duckdb): ${duck.stderr.slice(0, 300)}`);
      else if (ts.summary && duck.summary) {
        compared++;
        for (const k of ['rows_read', 'rows_accepted', 'rows_rejected', 'rejects_by_reason', 'clients', 'origin', 'sorted', 'warnings'])
          if (JSON.stringify(ts.summary[k]) !== JSON.stringify(duck.summary[k])) differ.push(`case ${i}: ${k} ${JSON.stringify(ts.summary[k])} (ts) and ${JSON.stringify(duck.summary[k])} (duckdb)`);
        if (ts.rejects !== duck.rejects) differ.push(`case ${i}: the --rejects files differ`);
      }
    }
    expect(differ).toEqual([]);
    expect(compared).toBeGreaterThan(25);
  });
});
