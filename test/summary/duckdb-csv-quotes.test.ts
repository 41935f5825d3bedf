import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { buildSummaries } from '../../src/summary/build.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { expectEqualSummaries } from './equal-summaries.js';
import { tempDir } from '../helpers.js';

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
});
