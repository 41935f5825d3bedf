import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { poolSmallClients } from '../../src/fit/fit-trace.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { createRng } from '../../src/stats/rng.js';
import { buildSummaries } from '../../src/summary/build.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { tempDir } from '../helpers.js';
import { expectEqualSummaries } from './equal-summaries.js';

// `fit --min-client-requests N` (and --anonymize, N = 100) pools the clients with fewer accepted
// rows into one client "tail" before counting. The DuckDB scan could not (it refused), so a
// log too large for the TypeScript engine could not be fitted for sharing. It now counts each
// client's accepted rows with the one pass's own query first; the summaries must be the ones
// the TypeScript engine gives after poolSmallClients.

const W = { arrivalSeconds: 600, lengthSeconds: 21600 };
const dir = tempDir();
const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp: { unit: 's' } }, 'm');

/** A 6 h log of 40 clients, sizes 3 to ~3 000 rows; client text with spaces around some names (normalized to one client), a big client named "tail", and bad rows. */
function rows(seed: number): string[] {
  const rng = createRng(seed);
  const out: [number, string][] = [];
  for (let k = 0; k < 40; k++) {
    const n = Math.round(3 * Math.pow(1000, k / 39));
    const name = k === 39 ? 'tail' : `client-${k}`;
    for (let j = 0; j < n; j++) out.push([1.7e9 + rng.next() * 21600, j % 3 === 1 ? ` ${name} ` : name]);
  }
  out.sort((a, b) => a[0] - b[0]);
  return out.map(([t, c], j) => {
    // Every 50th row of client-9 (~14 rows) has a bad timestamp: its accepted rows decide.
    const bad = c.trim() === 'client-9' && j % 2 === 0;
    return `${bad ? 'x' : t.toFixed(3)},${c},${100 + (j % 37)},${j % 11}`;
  });
}

function write(name: string, lines: string[]): string {
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, 'ts,c,i,o\n' + lines.join('\n') + '\n');
  return file;
}

describe('fit --engine duckdb pools small clients into "tail" as the TypeScript engine does', () => {
  const inOrder = write('in-order', rows(1));
  const reversed = write('reversed', rows(1).reverse());
  for (const [name, file, pass] of [
    ['in time order (one pass)', inOrder, 'stream'],
    ['lines reversed (sorted from a table)', reversed, 'sorted-stream'],
  ] as const) {
    it(name, async () => {
      const { trace } = await ingestFiles({ inputs: [file], mapping });
      for (const min of [10, 100, 5000]) {
        const ts = poolSmallClients(trace, min);
        const duck = await summarizeWithDuckDB([file], mapping, { ...W, poolBelow: min, workers: 0 });
        expect(duck.pass).toBe(pass);
        expect(duck.pooled, `min ${min}`).toBe(ts.pooled);
        expectEqualSummaries(buildSummaries(ts.trace, W), duck.summaries);
        const names = new Set(duck.summaries.arrivals.map((a) => a.client));
        // The big client named "tail" is renamed, the pool is "tail"; at 5 000 every client is pooled.
        expect(names.has('tail')).toBe(true);
        expect(names.has('tail-client')).toBe(min < 5000);
      }
      expect((await summarizeWithDuckDB([file], mapping, { ...W, poolBelow: 0 })).pooled).toBe(0);
    });
  }

  it('counts accepted rows: a client with 15 rows of which 8 are rejected is pooled below 10', async () => {
    const lines: string[] = [];
    for (let k = 0; k < 200; k++) lines.push(`${1.7e9 + k},big,10,5`);
    for (let k = 0; k < 15; k++) lines.push(`${k % 2 ? 1.7e9 + k + 0.5 : 'bad'},small,10,5`);
    const file = write('rejects', lines.sort((a, b) => Number(a.split(',')[0]) - Number(b.split(',')[0])));
    const duck = await summarizeWithDuckDB([file], mapping, { ...W, poolBelow: 10 });
    expect(duck.pooled).toBe(1);
    expect([...new Set(duck.summaries.arrivals.map((a) => a.client))].sort()).toEqual(['big', 'tail']);
  });
});
