/**
 * The one pass (summarize / fit --engine duckdb) checks a text client column for ids whose
 * digits were lost (numbers in exponent form past 2^53, src/ingest/id-digits.ts) on the
 * distinct texts its client pre-pass lists anyway, and reads the inputs for them only when one
 * is: reading a CSV again for every row's client cost ~12 % of the pass on bench:scale's 5 M
 * rows. The warning is the TypeScript engine's, said once, naming the files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { tempDir } from '../helpers.js';

const A = '1234567890123456789';
const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in' }, timestamp: { unit: 's' } }, 'm');
const W = { arrivalSeconds: 600, lengthSeconds: 21600, workers: 0 };

async function onePass(files: string[]): Promise<{ notes: string[]; stages: string[]; pass: string }> {
  const notes: string[] = [];
  const stages: string[] = [];
  const r = await summarizeWithDuckDB(files, mapping, { ...W, onNote: (l) => notes.push(l), onStage: (s) => stages.push(s) });
  return { notes, stages, pass: r.pass };
}

describe('one pass: client ids in exponent form, tested on the distinct client texts', () => {
  it('warns as the TypeScript engine does, naming each file, once', async () => {
    const dir = tempDir();
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeFileSync(a, ['ts,client,in', ...Array.from({ length: 30 }, (_, k) => `${k},${[' 1.2e18', '1.2E+18', A, '3e4f', '1e15', 'tenant-e'][k % 6]},5`)].join('\n') + '\n');
    writeFileSync(b, ['ts,client,in', ...Array.from({ length: 10 }, (_, k) => `${30 + k},${k % 2 ? '1.3e18' : A},5`)].join('\n') + '\n');
    const ts = (await ingestFiles({ inputs: [a, b], mapping })).summary.warnings ?? [];
    expect(ts).toHaveLength(1);
    const duck = await onePass([a, b]);
    expect(duck.pass).toBe('stream');
    expect(duck.notes.filter((n) => n.includes('2^53'))).toEqual(ts.map((w) => `warning: ${w}`));
    expect(duck.stages.some((s) => s.includes('client ids past 2^53'))).toBe(true);
    // In one file only: only that file is named.
    const one = await onePass([b]);
    expect(one.notes.filter((n) => n.includes('2^53'))).toEqual(((await ingestFiles({ inputs: [b], mapping })).summary.warnings ?? []).map((w) => `warning: ${w}`));
    expect(one.notes.join('\n')).not.toContain(a);
  });

  it('reads no input again when no client text is in exponent form past 2^53', async () => {
    const dir = tempDir();
    const file = join(dir, 'plain.csv');
    writeFileSync(file, ['ts,client,in', ...Array.from({ length: 40 }, (_, k) => `${k},${['tenant-1', A, '1e15', '3e4f'][k % 4]},5`)].join('\n') + '\n');
    expect((await ingestFiles({ inputs: [file], mapping })).summary.warnings ?? []).toEqual([]);
    const duck = await onePass([file]);
    expect(duck.notes.filter((n) => n.includes('2^53'))).toEqual([]);
    expect(duck.stages.filter((s) => s.includes('2^53'))).toEqual([]);
  });
});
