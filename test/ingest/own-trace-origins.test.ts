import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

describe('our own traces with different origins read as one trace (found by review)', () => {
  it('are refused by name with either engine (the second file\'s requests moved by the difference in origins without a word)', async () => {
    const dir = tempDir();
    const trace = (name: string, origin: string | null) => {
      const f = join(dir, name);
      const rows = [JSON.stringify({ servegen: { format: 'servegen-trace', version: 1, origin } })];
      for (let i = 0; i < 20; i++) rows.push(JSON.stringify({ timestamp: i * 1.5, client_id: 'a', input_tokens: 10 + i }));
      writeFileSync(f, rows.join('\n') + '\n');
      return f;
    };
    const a = trace('a.jsonl', '2023-11-16T18:17:03.000Z');
    const b = trace('b.jsonl', '2023-11-16T18:15:46.000Z');
    const c = trace('c.jsonl', '2023-11-16T18:17:03.000Z');
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('ingest', a, b, '--out', join(dir, `x-${engine}.parquet`), '--engine', engine, '--quiet');
      expect(r.code, engine).toBe(2);
      expect(r.stderr, engine).toBe(
        `servegen: ${b}: a servegen trace counting from origin 2023-11-16T18:15:46.000Z, read with ${a}, counting from 2023-11-16T18:17:03.000Z: times from two origins cannot be one trace (its requests would move by -77.000 s); read them apart, or summarize each with the same --origin and fit --summaries\n`,
      );
      const s = await runCli('summarize', a, b, '--out', join(dir, `s-${engine}.json`), '--engine', engine, '--quiet');
      expect(s.code, engine).toBe(2);
      // One origin is one trace.
      expect((await runCli('ingest', a, c, '--out', join(dir, `ok-${engine}.parquet`), '--engine', engine, '--quiet')).code, engine).toBe(0);
    }
  });
});
