import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const CONV = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

type Report = { pass: boolean; metrics: Record<string, { value: number; pass: boolean; baseline?: number }> };
const report = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Report;

/**
 * roundtrip --engine duckdb: the source scanned into summaries, both traces generated as
 * Parquet, all three validated by DuckDB. Nothing is held per row in JavaScript; the results
 * must be what the TypeScript engine gives on the same files.
 */
describe('roundtrip --engine duckdb', () => {
  it('carries hash_ids through: the TypeScript engine\'s prefix sections, generated ids, and the prefix metrics judged (Mooncake documents)', { timeout: 120_000 }, async () => {
    // (the DuckDB engine read no hash_ids: the profile had no prefix sections, the replay no ids)
    const dir = tempDir();
    const src = fixture('traces', 'mooncake', 'synthetic_trace.jsonl.gz');
    const duck = await runCli('roundtrip', src, '--preset', 'mooncake', '--engine', 'duckdb', '--out', join(dir, 'duck'), '--quiet');
    expect(duck.code, duck.stderr).toBe(0);
    const ts = await runCli('roundtrip', src, '--preset', 'mooncake', '--out', join(dir, 'ts'), '--quiet');
    expect(ts.code, ts.stderr).toBe(0);
    const prefix = (f: string) => (JSON.parse(readFileSync(f, 'utf8')) as { clients: { prefix?: unknown }[] }).clients.map((c) => c.prefix);
    expect(prefix(join(dir, 'duck', 'profile.json'))[0]).toBeDefined();
    expect(prefix(join(dir, 'duck', 'profile.json'))).toEqual(prefix(join(dir, 'ts', 'profile.json')));
    // The same profile and seed: the same draw, so the same prefix metrics (judged, not null).
    const [a, b] = [report(join(dir, 'duck', 'fidelity.json')), report(join(dir, 'ts', 'fidelity.json'))];
    for (const k of ['prefix_hit_ratio_abs_err', 'prefix_lru_hit_ratio_abs_err']) {
      expect(a.metrics[k].value, k).toBeTypeOf('number');
      expect(a.metrics[k].value, k).toBeCloseTo(b.metrics[k].value, 12);
    }
  });

  it('fits the TypeScript engine’s clients, and its report is `validate --engine ts` of the same files', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const ts = await runCli('roundtrip', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 'ts'), '--quiet');
    expect(ts.code, ts.stderr).toBe(0);
    const duck = await runCli('roundtrip', CONV, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', join(dir, 'duck'));
    expect(duck.code, duck.stderr).toBe(0);
    expect(duck.stderr).toContain('duckdb scan: read 19366 rows');
    for (const f of ['profile.json', 'generated.parquet', 'naive.parquet', 'fidelity.json', 'fidelity.html']) expect(existsSync(join(dir, 'duck', f)), f).toBe(true);
    expect(existsSync(join(dir, 'duck', 'generated.jsonl'))).toBe(false);
    // The clients are the TypeScript engine's (its fit from rows adds sessions and a 5-minute aggregate).
    const clients = (f: string) => (JSON.parse(readFileSync(f, 'utf8')) as { clients: unknown }).clients;
    expect(clients(join(dir, 'duck', 'profile.json'))).toEqual(clients(join(dir, 'ts', 'profile.json')));
    // The same source, generated and baseline files validated by the TypeScript engine.
    const v = await runCli('validate', CONV, join(dir, 'duck', 'generated.parquet'), '--source-preset', 'azure-llm-2023', '--baseline', join(dir, 'duck', 'naive.parquet'), '--json', join(dir, 'v.json'), '--quiet');
    expect(v.code, v.stderr).toBe(0);
    const a = report(join(dir, 'duck', 'fidelity.json'));
    const b = report(join(dir, 'v.json'));
    expect(Object.keys(a.metrics).sort()).toEqual(Object.keys(b.metrics).sort());
    for (const [k, m] of Object.entries(b.metrics)) {
      expect(a.metrics[k].value, k).toBeCloseTo(m.value, 9);
      expect(a.metrics[k].pass, k).toBe(m.pass);
      if (m.baseline !== undefined) expect(a.metrics[k].baseline, k).toBeCloseTo(m.baseline, 9);
    }
    expect(a.pass).toBe(b.pass);
  });

  it('auto on a small input takes the TypeScript way; --rejects and the reject ratio apply with DuckDB', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const auto = await runCli('roundtrip', CONV, '--preset', 'azure-llm-2023', '--engine', 'auto', '--out', join(dir, 'auto'), '--quiet');
    expect(auto.code, auto.stderr).toBe(0);
    expect(existsSync(join(dir, 'auto', 'generated.jsonl'))).toBe(true);
    // Two bad rows in ~1 000: above the default ratio (1 %) only when there are more.
    const lines = readFileSync(CONV, 'utf8').split(/\r?\n/).slice(0, 1001);
    lines[10] = lines[10].replace(/^[^,]*/, 'yesterday');
    lines[500] = lines[500].replace(/,[^,]*$/, ',-5');
    writeFileSync(join(dir, 'bad.csv'), lines.join('\n') + '\n');
    const tsRejects = await runCli('roundtrip', join(dir, 'bad.csv'), '--preset', 'azure-llm-2023', '--rejects', join(dir, 'ts.jsonl'), '--out', join(dir, 'rt-ts'), '--quiet');
    expect(tsRejects.code).toBeLessThan(2);
    const r = await runCli('roundtrip', join(dir, 'bad.csv'), '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--rejects', join(dir, 'duck.jsonl'), '--out', join(dir, 'rt-duck'));
    expect(r.code, r.stderr).toBeLessThan(2);
    expect(r.stderr).toContain('2 rejected (bad_timestamp 1, negative_tokens 1)');
    expect(readFileSync(join(dir, 'duck.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'ts.jsonl'), 'utf8'));
    expect(readFileSync(join(dir, 'duck.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    const over = await runCli('roundtrip', join(dir, 'bad.csv'), '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--max-reject-ratio', '0.001', '--out', join(dir, 'over'));
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('above --max-reject-ratio 0.001');
    expect(existsSync(join(dir, 'over'))).toBe(false);
  });
});
