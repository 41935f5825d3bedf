/**
 * A mapping's row filter (`columns.filter`, `keep`): rows whose filter text is not one of
 * `keep` are counted as `excluded`, in both engines and `servegen sql`, never written to
 * --rejects nor held against --max-reject-ratio.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { TraceBuilder } from '../../src/ingest/normalize.js';
import { rowsSql } from '../../src/summary/sql.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { compareEngines } from '../summary/engine-compare.js';
import { checkSqlScripts } from '../summary/sql-scripts.js';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

const GATEWAY = `ts,phase,path,in,out
1,warmup,/v1/chat,10,5
2,profiling,/v1/chat,11,6
3,profiling,/health,,
4, profiling ,/v1/chat,12,7
5,,/v1/chat,13,8
6,profiling,/v1/chat,abc,9
7,Profiling,/v1/chat,14,9
8,profiling,/v1/chat,15,10
`;
const GATEWAY_MAP = { columns: { timestamp: 'ts', filter: ['phase', 'path'], input_tokens: 'in', output_tokens: 'out' }, separator: ' ', keep: ['profiling /v1/chat'], timestamp: { unit: 's' } };

/** A temporary directory with GATEWAY as gw.csv and GATEWAY_MAP as gw.json. */
function gateway(): { dir: string; file: string; map: string } {
  const dir = tempDir();
  writeFileSync(`${dir}/gw.csv`, GATEWAY);
  writeFileSync(`${dir}/gw.json`, JSON.stringify(GATEWAY_MAP));
  return { dir, file: `${dir}/gw.csv`, map: `${dir}/gw.json` };
}

describe('row filter: columns.filter and keep', () => {
  it('keeps the rows whose filter text (trimmed, columns joined) is one of keep; both engines count the others as excluded', async () => {
    const dir = tempDir();
    const file = `${dir}/gw.csv`;
    writeFileSync(file, GATEWAY);
    const mapping = parseMapping(GATEWAY_MAP, 'gw.json');
    const ts = await ingestFiles({ inputs: [file], mapping });
    // Kept: rows 2, 4 (" profiling " trimmed) and 8; row 6 kept by the filter, then a bad number.
    expect(Array.from(ts.trace.timestamp)).toEqual([2, 4, 8]);
    expect(ts.summary.rejects_by_reason).toEqual({ excluded: 4, bad_number: 1 });
    expect(ts.summary.rows_read).toBe(8);
    // Excluded rows are counted, not kept as rejects (they may be most of a log).
    expect(ts.rejects.map((r) => r.reason)).toEqual(['bad_number']);
    const r = await compareEngines([file], mapping, dir);
    expect(r.differences).toEqual([]);
    expect(r.outcome).toBe('agree');
  });

  it('drop: the rows whose filter text is one of drop are excluded, every other row kept (a blank filter too), in both engines and every dialect', async () => {
    const { dir, file } = gateway();
    const { keep: _, ...rest } = GATEWAY_MAP;
    const mapping = parseMapping({ ...rest, drop: ['profiling /health', ' warmup /v1/chat '] }, 'gw.json');
    const ts = await ingestFiles({ inputs: [file], mapping });
    // Dropped: rows 1 (the drop text trimmed) and 3; row 5's blank phase joins to "/v1/chat", kept;
    // row 7's "Profiling" is another text, kept; row 6 kept by the filter, then a bad number.
    expect(Array.from(ts.trace.timestamp)).toEqual([2, 4, 5, 7, 8]);
    expect(ts.summary.rejects_by_reason).toEqual({ excluded: 2, bad_number: 1 });
    const r = await compareEngines([file], mapping, dir);
    expect(r.differences).toEqual([]);
    expect(r.outcome).toBe('agree');
    // A blank filter text is kept by drop: in both engines (one column, blank in some rows).
    const blank = `${dir}/blank.csv`;
    writeFileSync(blank, 'ts,path\n1,/health\n2,\n3,/v1/chat\n4,  \n');
    const m2 = parseMapping({ columns: { timestamp: 'ts', filter: 'path' }, drop: ['/health'], timestamp: { unit: 's' } }, 'b.json');
    expect(Array.from((await ingestFiles({ inputs: [blank], mapping: m2 })).trace.timestamp)).toEqual([2, 3, 4]);
    expect((await compareEngines([blank], m2, dir)).differences).toEqual([]);
    const map = `${dir}/drop.json`;
    writeFileSync(map, JSON.stringify(mapping));
    const [rejects] = await checkSqlScripts(map, file, "THEN 'excluded'");
    expect(Object.fromEntries(rejects.map((x) => [String(x.reason), Number(x.c)]))).toEqual({ null: 5, excluded: 2, bad_number: 1 });
    // Every row dropped: the error names drop.
    writeFileSync(`${dir}/all.json`, JSON.stringify({ columns: { timestamp: 'ts', filter: 'path' }, drop: ['/health', '/v1/chat'], timestamp: { unit: 's' } }));
    writeFileSync(`${dir}/few.csv`, 'ts,path\n1,/health\n3,/v1/chat\n');
    for (const engine of ['ts', 'duckdb']) {
      const e = await runCli('ingest', `${dir}/few.csv`, '--map', `${dir}/all.json`, '--engine', engine, '--out', `${dir}/all-${engine}.parquet`);
      expect(e.code, engine).toBe(2);
      expect(e.stderr, engine).toContain(`the mapping's filter excluded all 2 rows`);
      expect(e.stderr, engine).toContain('drop is ["/health","/v1/chat"]');
    }
  });

  it('ingest, both engines: --rejects holds the bad rows only, and --max-reject-ratio is a share of the rows kept (1 of 4, not 1 of 8)', async () => {
    const { dir, file, map } = gateway();
    for (const engine of ['ts', 'duckdb']) {
      const ok = await runCli('ingest', file, '--map', map, '--engine', engine, '--out', `${dir}/${engine}.parquet`, '--rejects', `${dir}/${engine}-rejects.jsonl`, '--max-reject-ratio', '0.25');
      expect(ok.code, ok.stderr).toBe(0);
      // (was "3 accepted, 5 rejected (excluded 4, bad_number 1)": excluded rows read as bad ones)
      expect(ok.stderr).toContain("8 rows from 1 file(s): 3 accepted, 4 excluded by the mapping's filter, 1 rejected (bad_number 1)");
      const rejects = readFileSync(`${dir}/${engine}-rejects.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; reason: string });
      expect(rejects.map((x) => [x.line, x.reason])).toEqual([[7, 'bad_number']]);
      expect(ok.stderr).not.toContain('note: --rejects');
      const over = await runCli('ingest', file, '--map', map, '--engine', engine, '--out', `${dir}/${engine}-2.parquet`, '--max-reject-ratio', '0.2');
      expect(over.code, engine).toBe(1);
      expect(over.stderr).toContain('25.00 % of rows rejected');
    }
  });

  it("AIPerf's records of a warmup phase: the preset with a filter on metadata.benchmark_phase keeps the profiling records; numbers in keep match numbers and text alike", async () => {
    const dir = tempDir();
    const lines = readFileSync(fixture('aiperf', 'profile_export.jsonl'), 'utf8').trim().split('\n');
    // The first 3 of its 8 records as warmup, the rest as written (profiling).
    const marked = lines.map((l, i) => (i < 3 ? l.replace('"benchmark_phase":"profiling"', '"benchmark_phase":"warmup"') : l));
    expect(marked.filter((l) => l.includes('"warmup"'))).toHaveLength(3);
    const file = `${dir}/profile_export.jsonl`;
    writeFileSync(file, marked.join('\n') + '\n');
    const preset = loadPreset('aiperf-records');
    const mapping = parseMapping({ ...preset, columns: { ...preset.columns, filter: 'metadata.benchmark_phase' }, keep: ['profiling'] }, 'aiperf.json');
    const all = await ingestFiles({ inputs: [fixture('aiperf', 'profile_export.jsonl')], mapping: preset });
    const kept = await ingestFiles({ inputs: [file], mapping });
    expect(kept.summary.rejects_by_reason).toEqual({ ...all.summary.rejects_by_reason, excluded: 3 });
    expect(kept.summary.rows_accepted).toBe(all.summary.rows_accepted - 3);
    expect((await compareEngines([file], mapping, dir)).differences).toEqual([]);

    // Status codes: a JSON number and its text both match keep [200] (and "200").
    const status = `${dir}/status.jsonl`;
    writeFileSync(status, [200, '200', ' 200 ', 500, '500', null, 200.5, [200]].map((s, i) => JSON.stringify({ t: i, status: s })).join('\n') + '\n');
    for (const keep of [[200], ['200']]) {
      const m = parseMapping({ columns: { timestamp: 't', filter: 'status' }, keep, timestamp: { unit: 's' } }, 's.json');
      const r = await ingestFiles({ inputs: [status], mapping: m });
      expect(Array.from(r.trace.timestamp), JSON.stringify(keep)).toEqual([0, 1, 2]);
      expect((await compareEngines([status], m, dir)).differences).toEqual([]);
    }
  });

  it('no accepted rows: every row excluded says so, without pointing at --rejects (which holds none); some excluded, the others rejected, says which is which — both engines', async () => {
    const dir = tempDir();
    const file = `${dir}/gw.csv`;
    writeFileSync(file, GATEWAY);
    const none = `${dir}/none.json`;
    writeFileSync(none, JSON.stringify({ ...GATEWAY_MAP, keep: ['PROFILING /v1/chat'] }));
    const mixed = `${dir}/mixed.csv`;
    writeFileSync(mixed, 'ts,phase,in\n1,warmup,1\n2,profiling,x\n3,profiling,y\n');
    const mixedMap = `${dir}/mixed.json`;
    writeFileSync(mixedMap, JSON.stringify({ columns: { timestamp: 'ts', filter: 'phase', input_tokens: 'in' }, keep: ['profiling'], timestamp: { unit: 's' } }));
    for (const engine of ['ts', 'duckdb']) {
      // Was: "no accepted rows: all 8 rows rejected (excluded 8); see …rejects.jsonl", a file left empty.
      const r = await runCli('fit', file, '--map', none, '--engine', engine, '--out', `${dir}/${engine}.json`, '--rejects', `${dir}/${engine}-rejects.jsonl`);
      expect(r.code, engine).toBe(2);
      expect(r.stderr, engine).toContain(`${file}: no accepted rows: the mapping's filter excluded all 8 rows (its texts compared exactly with "keep" or "drop"`);
      // What the filter read and looked for; the texts read where the TypeScript engine read them.
      expect(r.stderr, engine).toContain(`; columns.filter reads ["phase","path"] joined with " "${engine === 'ts' ? ' (the first texts read: "warmup /v1/chat", "profiling /v1/chat", "profiling /health", "/v1/chat", "Profiling /v1/chat")' : ''}, keep is ["PROFILING /v1/chat"]`);
      expect(r.stderr, engine).not.toContain('rejects');
      expect(readFileSync(`${dir}/${engine}-rejects.jsonl`, 'utf8'), engine).toBe('');
      const m = await runCli('inspect', mixed, '--map', mixedMap, '--engine', engine);
      expect(m.code, engine).toBe(2);
      expect(m.stderr, engine).toContain(`${mixed}: no accepted rows: 1 of 3 rows excluded by the mapping's filter, the other 2 rejected (bad_number 2) (use --rejects to see them)`);
    }
  });

  it("ingest --help's filter example gives the separator its joined text needs (the default \"/\" read \"POST//v1/chat/completions\": every row excluded)", async () => {
    const h = await runCli('ingest', '--help');
    expect(h.stdout).toMatch(/"filter": \["method", "path"\] in columns and give\s+"separator": " " and "keep": \["POST \/v1\/chat\/completions"\]/);
    // (drop, beside keep since d1cb1b4, was not in the help)
    expect(h.stdout).toMatch(/Or "drop":\s+\["GET \/health"\] instead of "keep"/);
  });

  it('summarize --engine duckdb --out DIR, then fit --summaries DIR: the requests summarized and the rows read, excluded ones counted once (was: "summarized 8 rows", then "3 rows scanned")', async () => {
    const { dir, file, map } = gateway();
    const s = await runCli('summarize', file, '--map', map, '--engine', 'duckdb', '--out', `${dir}/scan`, '--max-reject-ratio', '0.5');
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toContain('summarized 3 requests (of 8 rows read) into');
    const f = await runCli('fit', '--summaries', `${dir}/scan`, '--out', `${dir}/p.json`);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toContain(`${dir}/scan: 8 rows scanned (3 accepted, 4 excluded by the mapping's filter, 1 rejected (bad_number 1))`);
  });

  it('a dotted filter path no row has is refused without the advice to list filter in "optional", which is refused too', async () => {
    const dir = tempDir();
    const file = `${dir}/r.jsonl`;
    writeFileSync(file, '{"t": 1, "metadata": {"phase": "profiling"}}\n');
    const map = `${dir}/m.json`;
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 't', filter: 'metadata.benchmark_phase' }, keep: ['profiling'], timestamp: { unit: 's' } }));
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('ingest', file, '--map', map, '--engine', engine, '--out', `${dir}/${engine}.parquet`);
      expect(r.code, engine).toBe(2);
      expect(r.stderr, engine).toContain('mapping reads filter from "metadata.benchmark_phase", a path no row of the file has');
      expect(r.stderr, engine).toContain('fix the path; every row needs its filter text (a row without one is excluded): map the column that holds it');
      expect(r.stderr, engine).not.toContain('optional');
    }
  });

  it('booleans in keep: [true] keeps JSON true and the text "true" (was refused: "keep[0]: Invalid input"), in both engines', async () => {
    const dir = tempDir();
    const file = `${dir}/s.jsonl`;
    writeFileSync(file, [true, 'true', ' true', false, 'True', null, 1].map((s, i) => JSON.stringify({ t: i, stream: s })).join('\n') + '\n');
    const m = parseMapping({ columns: { timestamp: 't', filter: 'stream' }, keep: [true], timestamp: { unit: 's' } }, 'b.json');
    const r = await ingestFiles({ inputs: [file], mapping: m });
    expect(Array.from(r.trace.timestamp)).toEqual([0, 1, 2]);
    expect((await compareEngines([file], m, dir)).differences).toEqual([]);
  });

  it('a filter without keep, keep without a filter, or an optional filter is refused', () => {
    const refused = (m: unknown) => {
      try {
        parseMapping(m, 'm.json');
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ columns: { timestamp: 't', filter: 'phase' } })).toMatch(/^m\.json: columns\.filter: give "keep"/);
    expect(refused({ columns: { timestamp: 't' }, keep: ['x'] })).toMatch(/^m\.json: keep: map columns\.filter too/);
    expect(refused({ columns: { timestamp: 't', filter: 'phase' }, keep: ['x'], optional: ['filter'] })).toMatch(/optional: filter cannot be optional/);
    expect(refused({ columns: { timestamp: 't', filter: 'phase' }, keep: [] })).toMatch(/keep/);
    expect(refused({ columns: { timestamp: 't', filter: 'phase' }, keep: ['x'], drop: ['y'] })).toMatch(/^m\.json: keep and drop: give one of them/);
    expect(refused({ columns: { timestamp: 't' }, drop: ['x'] })).toMatch(/^m\.json: drop: map columns\.filter too/);
    expect(refused({ columns: { timestamp: 't', filter: 'phase' }, drop: [' '] })).toMatch(/^m\.json: drop: " " is blank once trimmed/);
    expect(refused({ columns: { timestamp: 't', filter: 'phase' } })).toMatch(/or "drop", those a row is excluded for/);
    // A Mapping built by hand (the library's types allow it) is checked too: a filter without
    // keep excluded every row in the TypeScript engine and was `IN ()` in SQL.
    const hand = { ...parseMapping({ columns: { timestamp: 't', filter: 'phase' }, keep: ['x'] }, 'm.json'), keep: undefined };
    expect(() => new TraceBuilder(hand)).toThrow(/columns\.filter: give "keep"/);
    expect(() => rowsSql('t', hand, false)).toThrow(/columns\.filter: give "keep"/);
    // So is an empty list, which the schema's min(1) refuses in a file: drop [] kept every row and
    // keep [] none in the TypeScript engine, and both were `IN ()` in SQL.
    for (const list of ['keep', 'drop'] as const) {
      const empty = { ...hand, [list]: [] };
      expect(() => new TraceBuilder(empty), list).toThrow(new RegExp(`^mapping: ${list}: an empty list`));
      expect(() => rowsSql('t', empty, false), list).toThrow(new RegExp(`^mapping: ${list}: an empty list`));
    }
    // A blank text kept no row, silently (a blank filter is excluded).
    expect(refused({ columns: { timestamp: 't', filter: 'phase' }, keep: ['profiling', ' \t'] })).toMatch(/^m\.json: keep: " \\t" is blank once trimmed/);
  });

  it('servegen sql: every dialect filters; Trino and Spark parse; the DuckDB script counts the excluded rows as the TypeScript engine does', async () => {
    const { dir, file, map } = gateway();
    const [rejects] = await checkSqlScripts(map, file, "THEN 'excluded'");
    expect(Object.fromEntries(rejects.map((r) => [String(r.reason), Number(r.c)]))).toEqual({ null: 3, excluded: 4, bad_number: 1 });
  });
});
