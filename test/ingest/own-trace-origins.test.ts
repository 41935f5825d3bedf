import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';

describe('our own traces with different origins read as one trace', () => {
  const trace = (dir: string, name: string, origin: string | null, times: number[], client = 'a') => {
    const f = join(dir, name);
    const rows = [JSON.stringify({ servegen: { format: 'servegen-trace', version: 1, origin } })];
    times.forEach((t, i) => rows.push(JSON.stringify({ timestamp: t, client_id: client, input_tokens: 10 + i })));
    writeFileSync(f, rows.join('\n') + '\n');
    return f;
  };
  const steps = (n: number, dt: number, from = 0) => Array.from({ length: n }, (_, i) => from + i * dt);

  it('absolute origins: the TypeScript engine counts every time from the earliest origin, and says so', async () => {
    const dir = tempDir();
    // Ingested apart (a day's log each, say): each counts from its own first second.
    const a = trace(dir, 'a.jsonl', '2023-11-16T18:17:03.000Z', [0.25, 1.5, 3.000001], 'code');
    const b = trace(dir, 'b.jsonl', '2023-11-16T18:15:46.000Z', [0, 2.125, 90.5], 'conv');
    const c = trace(dir, 'c.jsonl', '2023-11-16T18:20:00.500Z', [0.5], 'code');
    const r = await ingestFiles({ inputs: [a, b, c], mapping: loadPreset('servegen') });
    expect(r.trace.origin).toBe('2023-11-16T18:15:46.000Z');
    // Every request at its own instant: a's 77 s, c's 254.5 s after b's origin.
    const at = Array.from(r.trace.timestamp);
    expect(at).toEqual([0, 2.125, 0.25 + 77, 1.5 + 77, 3.000001 + 77, 90.5, 0.5 + 177.5 + 77]);
    expect(Array.from(r.trace.client, (k) => r.trace.clientIds[k])).toEqual(['conv', 'conv', 'code', 'code', 'code', 'conv', 'code']);
    expect(r.summary.origin).toBe('2023-11-16T18:15:46.000Z');
    expect(r.summary.notes).toEqual([`3 traces count from different origins: their times are counted from the earliest, 2023-11-16T18:15:46.000Z (${b} −77 s, ${c} +177.5 s from ${a}'s)`]);
    // The same instants read in another order: the same trace.
    const again = await ingestFiles({ inputs: [b, c, a], mapping: loadPreset('servegen') });
    expect(Array.from(again.trace.timestamp)).toEqual(at);
    expect(again.trace.origin).toBe(r.trace.origin);
    // The CLI says it in a note; the profile fitted from them counts from the earliest origin too.
    const fit = await runCli('fit', a, b, c, '--out', join(dir, 'p.json'));
    expect(fit.code).toBe(0);
    expect(fit.stderr).toMatch(/^note: 3 traces count from different origins: their times are counted from the earliest, 2023-11-16T18:15:46\.000Z/m);
  });

  it('one origin is one trace, with no note', async () => {
    const dir = tempDir();
    const a = trace(dir, 'a.jsonl', '2023-11-16T18:17:03.000Z', steps(20, 1.5));
    const c = trace(dir, 'c.jsonl', '2023-11-16T18:17:03.000Z', steps(20, 1.5, 0.7));
    const r = await ingestFiles({ inputs: [a, c], mapping: loadPreset('servegen') });
    expect(r.summary.notes).toBeUndefined();
    expect(r.trace.timestamp[1]).toBe(0.7);
    for (const engine of ['ts', 'duckdb']) expect((await runCli('ingest', a, c, '--out', join(dir, `ok-${engine}.parquet`), '--engine', engine, '--quiet')).code, engine).toBe(0);
  });

  it('are refused by name where they cannot be shifted: relative times against absolute ones (either engine), and any two origins with the DuckDB engine', async () => {
    const dir = tempDir();
    const a = trace(dir, 'a.jsonl', '2023-11-16T18:17:03.000Z', steps(20, 1.5));
    const b = trace(dir, 'b.jsonl', '2023-11-16T18:15:46.000Z', steps(20, 1.5));
    const rel = trace(dir, 'rel.jsonl', null, steps(20, 1.5));
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('ingest', a, rel, '--out', join(dir, `x-${engine}.parquet`), '--engine', engine, '--quiet');
      expect(r.code, engine).toBe(2);
      expect(r.stderr, engine).toBe(
        `servegen: ${rel}: a servegen trace counting from origin none (relative times), read with ${a}, counting from 2023-11-16T18:17:03.000Z: times from two origins cannot be one trace; read them apart, or summarize each with the same --origin and fit --summaries\n`,
      );
    }
    // The DuckDB engine does not shift them. (Before either engine refused, the second file's
    // requests moved by the difference in origins without a word: found by review.)
    const d = await runCli('ingest', a, b, '--out', join(dir, 'd.parquet'), '--engine', 'duckdb', '--quiet');
    expect(d.code).toBe(2);
    expect(d.stderr).toBe(
      `servegen: ${b}: a servegen trace counting from origin 2023-11-16T18:15:46.000Z, read with ${a}, counting from 2023-11-16T18:17:03.000Z: engine duckdb cannot shift them onto one origin (its requests would move by -77.000 s); --engine ts (the default) does, or summarize each with the same --origin and fit --summaries\n`,
    );
    expect((await runCli('summarize', a, b, '--out', join(dir, 's.json'), '--engine', 'duckdb', '--quiet')).code).toBe(2);
  });
});
