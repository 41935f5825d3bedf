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
});
