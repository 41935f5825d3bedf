import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { validateWithDuckDB } from '../../src/summary/duckdb-validate.js';
import { validateTraces } from '../../src/validate/validate.js';
import { loadThresholds } from '../../src/validate/thresholds.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { traceSessions } from '../../src/validate/side.js';
import { tempDir } from '../helpers.js';
import { expectClose } from './equal-summaries.js';

const MAPPING = parseMapping({ columns: { timestamp: 't', client_id: 'c', session_id: 's', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm');

describe('session statistics: both engines alike on odd sessions', () => {
  it('rows at one time within a session (growth per turn, the turns of one time shortest first, as fit takes it, in any row order), inputs missing, a session id over two clients', async () => {
    const dir = tempDir();
    // Session x: times 0, 10 (three rows, inputs 50/20/40 in that file order), 20; one row without an input.
    // Session x again at client b (another session); session y with one turn.
    const rows = [
      't,c,s,i',
      '0,a,x,10',
      '10,a,x,50',
      '10,a,x,20',
      '10,a,x,40',
      '15,a,x,',
      '20,a,x,70',
      '25,b,x,100',
      '30,b,x,90',
      '31,a,y,5',
      ...Array.from({ length: 40 }, (_, k) => `${40 + k},a,,${k + 1}`),
    ];
    writeFileSync(`${dir}/s.csv`, rows.join('\n') + '\n');
    // The same rows with the tied ones in reverse order: the same statistics.
    writeFileSync(`${dir}/r.csv`, [rows[0], rows[1], rows[4], rows[3], rows[2], ...rows.slice(5)].join('\n') + '\n');
    const source = await ingestFiles({ inputs: [`${dir}/s.csv`], mapping: MAPPING });
    const s = traceSessions(source.trace)!;
    // Growths: x@a 20 − 10, 40 − 20, 50 − 40, 70 − 50; x@b 90 − 100 (h-94: they were taken
    // between times, from the largest input of each: 3 growths, median 20). Session inputs: 10 50 20 40 70 100 90 5.
    expect(s).toMatchObject({ sessions: 3, growths: 5, growthP50: 10, inputP50: 50 });
    expect(traceSessions((await ingestFiles({ inputs: [`${dir}/r.csv`], mapping: MAPPING })).trace)).toEqual(s);
    const t = loadThresholds(undefined);
    for (const gen of [`${dir}/s.csv`, `${dir}/r.csv`]) {
      const ts = validateTraces(source, await ingestFiles({ inputs: [gen], mapping: MAPPING }), t).report;
      const duck = (await validateWithDuckDB({ inputs: [`${dir}/s.csv`], mapping: MAPPING }, { inputs: [gen], mapping: MAPPING }, t, {})).report;
      expect(ts.metrics.session_input_growth_p50_err.value).toBe(0);
      const strip = (r: typeof ts) => JSON.parse(JSON.stringify({ ...r, source: { ...r.source, file: [] }, generated: { ...r.generated, file: [] } }));
      expectClose(strip(ts), strip(duck));
    }
  }, 30_000);
});
