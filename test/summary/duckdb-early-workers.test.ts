/**
 * The one pass starts its counting workers before it has decided the clock resolution (when
 * the client pre-pass counted at least 200 000 rows), so they load while the first rows are
 * read. Whatever happens next the workers it spawned are used or stopped, and the summaries are
 * the TypeScript engine's: the pass counts on them; it gives up on a row out of time order
 * (after they started counting) and scans again; too few rows are accepted to repay them and it
 * counts on the calling thread.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseMapping } from '../../src/ingest/mapping.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { buildSummaries } from '../../src/summary/build.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { ParallelSummaryBuilder, type SpawnedWorkers } from '../../src/summary/parallel-build.js';
import { createRng } from '../../src/stats/rng.js';
import { expectEqualSummaries } from './equal-summaries.js';

const dir = mkdtempSync(join(tmpdir(), 'sg-early-workers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'in', output_tokens: 'out' }, timestamp: { unit: 's' } }, 'test');
const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };

/** 240 000 rows of 12 clients at 100 req/s; `edit` may change a row's fields (as text). */
function writeLog(name: string, edit: (i: number, row: string[]) => void = () => undefined): string {
  const rng = createRng(5);
  const lines = ['ts,tenant,in,out'];
  let t = 1_700_000_000;
  for (let i = 0; i < 240_000; i++) {
    t += -Math.log(rng.nextOpen()) * 0.01;
    const row = [t.toFixed(3), `c${Math.floor(rng.next() * 12)}`, String(Math.floor(rng.next() * 3000)), String(Math.floor(rng.next() * 500))];
    edit(i, row);
    lines.push(row.join(','));
  }
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Spies on ParallelSummaryBuilder.spawn: what it spawned, and whether each was stopped. */
function watchSpawns(): { spawned: SpawnedWorkers[]; closed: boolean[] } {
  const out = { spawned: [] as SpawnedWorkers[], closed: [] as boolean[] };
  const real = ParallelSummaryBuilder.spawn.bind(ParallelSummaryBuilder);
  vi.spyOn(ParallelSummaryBuilder, 'spawn').mockImplementation((n: number) => {
    const s = real(n);
    out.spawned.push(s);
    return s;
  });
  return out;
}

const lanesStopped = (s: SpawnedWorkers) => s.lanes.every((lane) => (lane as { closed?: boolean }).closed === true);

async function expectTsEngine(file: string, duck: Awaited<ReturnType<typeof summarizeWithDuckDB>>): Promise<void> {
  const r = await ingestFiles({ inputs: [file], mapping });
  expectEqualSummaries(buildSummaries(r.trace, W), duck.summaries);
}

describe('one pass: counting workers started before the first rows are counted', () => {
  it('counts on them, and stops them at the end', async () => {
    const file = writeLog('in-order.csv');
    const w = watchSpawns();
    const duck = await summarizeWithDuckDB([file], mapping, { ...W, workers: 1 });
    expect(duck.pass).toBe('stream');
    expect(w.spawned).toHaveLength(1);
    expect(lanesStopped(w.spawned[0])).toBe(true);
    await expectTsEngine(file, duck);
  }, 60_000);

  it('stops them when the pass gives up on a row out of time order (after they counted), and the scan again gives the same summaries', async () => {
    // Row 230 000 (counted by the workers by then) moved 50 s back, behind its client's previous row.
    const file = writeLog('late-row.csv', (i, row) => {
      if (i === 230_000) row[0] = (Number(row[0]) - 50).toFixed(3);
    });
    const w = watchSpawns();
    const duck = await summarizeWithDuckDB([file], mapping, { ...W, workers: 1 });
    expect(duck.pass).not.toBe('stream');
    expect(w.spawned.length).toBeGreaterThanOrEqual(1);
    for (const s of w.spawned) expect(lanesStopped(s)).toBe(true);
    await expectTsEngine(file, duck);
  }, 60_000);

  it('stops them unused when fewer than 200 000 rows are accepted', async () => {
    // Every other row rejected (a negative output count): 120 000 accepted of 240 000 read.
    const file = writeLog('half-rejected.csv', (i, row) => {
      if (i % 2 === 1) row[3] = '-1';
    });
    const w = watchSpawns();
    const duck = await summarizeWithDuckDB([file], mapping, { ...W, workers: 1 });
    expect(duck.pass).toBe('stream');
    expect(duck.rejectsByReason).toEqual({ negative_tokens: 120_000 });
    expect(w.spawned).toHaveLength(1);
    expect(lanesStopped(w.spawned[0])).toBe(true);
    const r = await ingestFiles({ inputs: [file], mapping });
    expectEqualSummaries(buildSummaries(r.trace, W), duck.summaries);
  }, 60_000);
});
