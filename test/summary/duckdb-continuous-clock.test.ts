import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { buildSummaries } from '../../src/summary/build.js';
import { fitSummaries } from '../../src/fit/fit-trace.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { serializeProfile } from '../../src/profile/write.js';
import { validateProfile } from '../../src/profile/read.js';
import { createRng } from '../../src/stats/rng.js';
import { expectEqualSummaries } from './equal-summaries.js';
import { tempDir } from '../helpers.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600 };

/**
 * A continuous clock (resolution detected as 0) with repeated timestamps, large enough for the
 * DuckDB one pass to count on worker threads: the workers' summaries said resolution 0 where one
 * builder says 1 µs, and the fit then wrote each window's zero gaps as a null bin (log10 0),
 * a profile every reader refuses (found on 3.5 M requests generated from the m-small pool).
 */
describe('a continuous clock with repeated times, counted on worker threads', () => {
  it('gives the TypeScript engine’s summaries (resolution included) and a valid profile', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const rng = createRng(17);
    const lines = ['t,c,i,o'];
    let t = 1000;
    for (let k = 0; k < 260_000; k++) {
      // ~8 % of rows at the time of the row before; otherwise gaps with 9 decimals (no quantum).
      if (rng.next() >= 0.08) t += -Math.log(rng.nextOpen()) / 50;
      lines.push(`${t.toFixed(9)},c${Math.floor(rng.next() * 3)},${1 + Math.floor(rng.next() * 900)},${1 + Math.floor(rng.next() * 90)}`);
    }
    const file = `${dir}/log.csv`;
    writeFileSync(file, lines.join('\n') + '\n');
    const mapping = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp: { unit: 's' } }, 'm');
    const ts = buildSummaries((await ingestFiles({ inputs: [file], mapping })).trace, W);
    const duck = await summarizeWithDuckDB([file], mapping, W);
    expect(duck.pass).toBe('stream');
    expect(ts.resolution).toBe(1e-6);
    expectEqualSummaries(ts, duck.summaries);
    const fit = (s: typeof ts) => fitSummaries(s, { ...W, minArrivals: 10, minClientRequests: 0, created: '2026-01-01T00:00:00Z', sourceSha256: '0'.repeat(64) });
    const text = serializeProfile(fit(duck.summaries));
    expect(text).not.toMatch(/[[,]\s*null/); // no null among numbers (origin is null: relative times)
    expect(text).toBe(serializeProfile(fit(ts)));
    // Read back as generate reads it: schema and fast checks pass.
    expect(validateProfile(JSON.parse(text), 'p.json').clients.length).toBe(3);
  });
});
