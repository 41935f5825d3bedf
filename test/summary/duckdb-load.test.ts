import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { validateWithDuckDB } from '../../src/summary/duckdb-validate.js';
import { validateTraces } from '../../src/validate/validate.js';
import { loadThresholds } from '../../src/validate/thresholds.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { tempDir } from '../helpers.js';
import { expectClose } from './equal-summaries.js';

const MAPPING = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp: { unit: 's' } }, 'm');

describe('peak load: both engines alike', () => {
  it('bins on 10 s boundaries, empty bins, missing token values, a side without output_tokens', async () => {
    const dir = tempDir();
    // 1 500 s (150 bins): rows on bin boundaries (10, 20, …), bursts every 300 s, every 7th input
    // and every 5th output empty, a quiet stretch of empty bins.
    const rows = ['t,c,i,o'];
    for (let k = 0; k < 3000; k++) {
      const t = k % 10 === 0 ? k / 2 : (k * 0.4999) % 1500;
      if (t > 600 && t < 700) continue;
      const burst = Math.floor(t / 300) % 2 === 0 && t % 300 < 20;
      rows.push(`${t.toFixed(3)},${k % 3 === 0 ? 'a' : 'b'},${k % 7 === 0 ? '' : (burst ? 900 : 100) + (k % 13)},${k % 5 === 0 ? '' : 20 + (k % 11)}`);
    }
    writeFileSync(`${dir}/s.csv`, rows.join('\n') + '\n');
    // The generated side: the same rows shifted by 5 s, without the output column.
    writeFileSync(`${dir}/g.csv`, ['t,c,i', ...rows.slice(1).map((r) => r.split(',')).map(([t, c, i]) => `${(Number(t) + 5).toFixed(3)},${c},${i}`)].join('\n') + '\n');
    const genMapping = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'g');
    const t = loadThresholds(undefined);
    const source = await ingestFiles({ inputs: [`${dir}/s.csv`], mapping: MAPPING });
    for (const [gen, mapping] of [[`${dir}/s.csv`, MAPPING], [`${dir}/g.csv`, genMapping]] as const) {
      const ts = validateTraces(source, await ingestFiles({ inputs: [gen], mapping }), t).report;
      const duck = (await validateWithDuckDB({ inputs: [`${dir}/s.csv`], mapping: MAPPING }, { inputs: [gen], mapping }, t, {})).report;
      expect(ts.metrics.peak_tokens_p99_rel_err.value).not.toBeNull();
      expect(ts.source.peak_p99.tokens_per_s).toBeGreaterThan(0);
      const strip = (r: typeof ts) => JSON.parse(JSON.stringify({ ...r, source: { ...r.source, file: [] }, generated: { ...r.generated, file: [] } }));
      expectClose(strip(ts), strip(duck));
      expect(duck.generated.peak_p99).toEqual(ts.generated.peak_p99);
      expect(duck.source.peak_p99).toEqual(ts.source.peak_p99);
    }
  }, 30_000);
});
