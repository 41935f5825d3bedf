import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

// BurstGPT's slice: 394 of its 400 rows carry a Session ID.
const BURST = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');

describe('fit and sessions by engine (review: sessions were dropped without a word)', () => {
  it('--engine auto below its threshold fits as --engine ts does: sessions and the 5-minute aggregate', async () => {
    const dir = tempDir();
    const read = (f: string) => {
      const p = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      delete p.provenance;
      return p;
    };
    expect((await runCli('fit', BURST, '--preset', 'burstgpt', '--engine', 'ts', '--out', join(dir, 'ts.json'), '--quiet')).code).toBe(0);
    const auto = await runCli('fit', BURST, '--preset', 'burstgpt', '--engine', 'auto', '--out', join(dir, 'auto.json'));
    expect(auto.code).toBe(0);
    expect(auto.stderr).not.toContain('note: the inputs have session ids');
    const ts = read('ts.json');
    expect(ts.clients.filter((c: { sessions?: unknown }) => c.sessions).length).toBe(2);
    expect(read('auto.json')).toEqual(ts);
  });

  it('summarize says that the summaries keep no sessions; --engine duckdb fits them (test/summary/duckdb-fit-sessions.test.ts)', async () => {
    const dir = tempDir();
    const r = await runCli('fit', BURST, '--preset', 'burstgpt', '--engine', 'duckdb', '--out', join(dir, 'd.json'));
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('no session statistics');
    for (const engine of ['ts', 'duckdb']) {
      const s = await runCli('summarize', BURST, '--preset', 'burstgpt', '--engine', engine, '--out', join(dir, `s-${engine}.json`));
      expect(s.code, engine).toBe(0);
      expect(s.stderr, engine).toContain('note: the inputs have session ids, and summaries keep no session statistics (a profile fitted from them has none): fit the logs themselves for them (either engine)');
    }
    // No note for a log without session ids.
    const conv = await runCli('fit', fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', join(dir, 'c.json'));
    expect(conv.code).toBe(0);
    expect(conv.stderr).not.toContain('session');
  });
});

describe('provenance rows by engine', () => {
  it('fit --engine duckdb and fit --summaries record the rows read, as --engine ts does (found by review: they had no rows)', async () => {
    const dir = tempDir();
    const rowsOf = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')).provenance.options.rows;
    expect((await runCli('fit', BURST, '--preset', 'burstgpt', '--engine', 'ts', '--out', join(dir, 'ts.json'), '--quiet')).code).toBe(0);
    expect((await runCli('fit', BURST, '--preset', 'burstgpt', '--engine', 'duckdb', '--out', join(dir, 'd.json'), '--quiet')).code).toBe(0);
    expect((await runCli('summarize', BURST, '--preset', 'burstgpt', '--out', join(dir, 's.json'), '--quiet')).code).toBe(0);
    expect((await runCli('fit', '--summaries', join(dir, 's.json'), '--out', join(dir, 's-fit.json'), '--quiet')).code).toBe(0);
    expect(rowsOf('ts.json')).toBe(400);
    expect(rowsOf('d.json')).toBe(400);
    expect(rowsOf('s-fit.json')).toBe(400);
  });
});
