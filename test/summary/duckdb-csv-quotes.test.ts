import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { buildSummaries } from '../../src/summary/build.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { expectEqualSummaries } from './equal-summaries.js';
import { tempDir } from '../helpers.js';
import { DuckDbReadError } from '../../src/summary/duckdb-errors.js';
import { ingestWithDuckDB } from '../../src/summary/duckdb-ingest.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };

describe('DuckDB engine: CSV quoting is RFC 4180, as the TypeScript reader parses it', () => {
  const same = async (file: string, mapping: ReturnType<typeof parseMapping>) => {
    const duck = await summarizeWithDuckDB([file], mapping, W);
    const ts = await ingestFiles({ inputs: [file], mapping });
    expect(duck.rowsRead).toBe(ts.summary.rows_read);
    expect(duck.rejectsByReason).toEqual(ts.summary.rejects_by_reason);
    expectEqualSummaries(buildSummaries(ts.trace, W), duck.summaries);
    return ts;
  };

  it('a quoted field (with a comma and doubled quotes) first seen past the sniffed sample', async () => {
    const file = `${tempDir()}/late-quote.csv`;
    const rows = ['t,c,i'];
    for (let k = 0; k < 30_000; k++) rows.push(`${(k * 0.1).toFixed(1)},a,${k % 50}`);
    rows.push('3000.5,"b, ""x""",7');
    writeFileSync(file, rows.join('\n') + '\n');
    const m = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm');
    const ts = await same(file, m);
    expect(ts.trace.clientIds).toContain('b, "x"');
  });

  it('our own CSV trace (# servegen: comment line) with quoted client ids', async () => {
    const file = `${tempDir()}/ours.csv`;
    const header = '# servegen: {"format":"servegen-trace","version":1,"origin":null}';
    const rows = [header, 'timestamp,client_id,input_tokens,output_tokens'];
    // Every id needs quotes only for its doubled quote (no comma anywhere): the sniffer chose no quote.
    for (let k = 0; k < 200; k++) rows.push(`${(k * 0.5).toFixed(3)},${k % 2 ? '"q""uote"' : '"x""y"'},${k + 1},${k + 2}`);
    writeFileSync(file, rows.join('\n') + '\n');
    const ts = await same(file, loadPreset('servegen'));
    expect([...ts.trace.clientIds].sort()).toEqual(['q"uote', 'x"y']);
  });

  it("'#' in values: our CSV writer quotes them (DuckDB skips our '# servegen:' lines as comments, cutting unquoted values at '#'); files without such lines keep unquoted '#' (found by review)", async () => {
    const dir = tempDir();
    const { csvField } = await import('../../src/io/to-csv.js');
    const ids = ['#hash', 'a#', 'plain'];
    // A '#' in the last column: cut there, '12#' would read as the valid number 12 (it is a bad number).
    const rows = (from: number, quote: (s: string) => string) => Array.from({ length: 100 }, (_, k) => `${(from + k * 0.5).toFixed(3)},${quote(ids[k % 3])},${quote(`m#${k % 2}`)},${quote(k % 10 ? String(k + 1) : `${k + 1}#`)}`);
    writeFileSync(`${dir}/a.csv`, ['# servegen: {"format":"servegen-trace","version":1,"origin":null}', '# a second comment line', 'timestamp,client_id,model,input_tokens', ...rows(0, csvField)].join('\n') + '\n');
    writeFileSync(`${dir}/b.csv`, ['timestamp,client_id,model,input_tokens', ...rows(100, (s) => s)].join('\n') + '\n');
    for (const files of [[`${dir}/a.csv`], [`${dir}/b.csv`], [`${dir}/a.csv`, `${dir}/b.csv`]]) {
      const duck = await summarizeWithDuckDB(files, loadPreset('servegen'), W);
      const ts = await ingestFiles({ inputs: files, mapping: loadPreset('servegen') });
      expect(duck.rowsRead).toBe(files.length * 100);
      expect(duck.rejectsByReason).toEqual(ts.summary.rejects_by_reason);
      expectEqualSummaries(buildSummaries(ts.trace, W), duck.summaries);
      expect([...ts.trace.clientIds].sort()).toEqual(ids);
      expect(ts.summary.rejects_by_reason).toEqual({ bad_number: 10 * files.length });
    }
  });

  it('a quote inside an unquoted field is a literal character, as DuckDB reads it (and Python csv, pandas); spaces around a quoted field are dropped; before, past the sniffed sample, LF or CRLF (found by review)', async () => {
    const dir = tempDir();
    const odd = ['cli"ent', 'client"', 'a""b', 'x "ab"', ' "sp" ', '"q""t"'];
    const m = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp: { unit: 's' } }, 'm');
    for (const eol of ['\n', '\r\n']) {
      const rows = ['t,c,i,o'];
      const add = (from: number) => {
        odd.forEach((c, k) => rows.push(`${from + k},${c},${k + 1},${k + 2}`));
        rows.push(`${from + 9},plain,12",1`);
      };
      add(0);
      for (let k = 0; k < 30_000; k++) rows.push(`${(10 + k * 0.1).toFixed(1)},plain,${k % 50},${k % 40}`);
      add(4000);
      const file = `${dir}/literal-${eol.length}.csv`;
      writeFileSync(file, rows.join(eol) + eol);
      const ts = await same(file, m);
      // `12"` is a bad number in both engines (not a broken line), so 2 rows of 30 014 are rejected.
      expect(ts.summary.rejects_by_reason).toEqual({ bad_number: 2 });
      expect(ts.summary.rows_read).toBe(30_014);
      expect([...ts.trace.clientIds].sort()).toEqual(['a""b', 'cli"ent', 'client"', 'plain', 'q"t', 'sp', 'x "ab"']);
      const out = `${dir}/literal-${eol.length}.parquet`;
      const d = await ingestWithDuckDB([file], m, out, { maxRejectRatio: 0.01 });
      expect(d.summary).toMatchObject({ rows_read: 30_014, rows_rejected: 2, rejects_by_reason: { bad_number: 2 }, clients: ts.summary.clients });
      const back = await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') });
      expect([...back.trace.clientIds].sort()).toEqual([...ts.trace.clientIds].sort());
    }
  });

  it('text after a closing quote ("ab"c) is an unparseable_line with its line and field; DuckDB refuses the file and points to --engine ts', async () => {
    const dir = tempDir();
    const m = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm');
    for (const [name, bad] of [['junk', '"ab"c'], ['tab', '"ab"\t'], ['reopen', '" "x']]) {
      const file = `${dir}/${name}.csv`;
      writeFileSync(file, `t,c,i\n1,a,10\n2,${bad},11\n3,b,12\n`);
      const ts = await ingestFiles({ inputs: [file], mapping: m });
      expect(ts.summary, name).toMatchObject({ rows_read: 3, rows_accepted: 2, rows_rejected: 1, rejects_by_reason: { unparseable_line: 1 } });
      expect(ts.rejects.map((r) => [r.line, r.reason, r.message]), name).toEqual([[3, 'unparseable_line', 'text after the closing quote of field 2']]);
      expect(ts.trace.clientIds).toEqual(['a', 'b']);
      const err = await summarizeWithDuckDB([file], m, W).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(DuckDbReadError);
      expect(String(err)).toContain('text after a closing quote, or mixed line endings); --engine ts reads it and counts such rows as rejects');
    }
    // In the header it is a clear error, naming file and line.
    const head = `${dir}/head.csv`;
    writeFileSync(head, 't,"c"x,i\n1,a,10\n');
    await expect(ingestFiles({ inputs: [head], mapping: m })).rejects.toThrow(`${head}:1: cannot parse the header row (text after the closing quote of field 2)`);
  });
});
