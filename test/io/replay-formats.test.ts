import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

const rowsOf = (file: string) => {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return { meta: JSON.parse(lines[0]).servegen, rows: lines.slice(1).map((l) => JSON.parse(l)) };
};

describe('generate --format azure from a profile with an absolute origin', () => {
  it("dates each request at the profile's origin + --start + its time, to the microsecond, and the Azure preset reads the same requests back at the same instants", async () => {
    const dir = tempDir();
    const profile = join(dir, 'code.json');
    expect((await runCli('fit', fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), '--preset', 'azure-llm-2023', '--out', profile, '--quiet')).code).toBe(0);
    const args = ['--duration', '900', '--start', '1200', '--seed', '4', '--quiet'];
    expect((await runCli('generate', profile, ...args, '--out', join(dir, 'g.jsonl'))).code).toBe(0);
    expect((await runCli('generate', profile, ...args, '--format', 'azure', '--out', join(dir, 'g.csv'))).code).toBe(0);
    const own = rowsOf(join(dir, 'g.jsonl'));
    // The log starts 2023-11-16 18:17:03.98 (origin 18:17:03); --start 1200 s is 18:37:03.
    expect(own.meta.origin).toBe('2023-11-16T18:37:03.000Z');
    const lines = readFileSync(join(dir, 'g.csv'), 'utf8').trim().split('\n');
    expect(lines.length - 1).toBe(own.rows.length);
    expect(lines[1].startsWith('2023-11-16 18:3')).toBe(true);
    expect((await runCli('ingest', join(dir, 'g.csv'), '--preset', 'azure-llm-2023', '--out', join(dir, 'back.jsonl'), '--quiet')).code).toBe(0);
    const back = rowsOf(join(dir, 'back.jsonl'));
    expect(back.rows.length).toBe(own.rows.length);
    const shift = (Date.parse(back.meta.origin) - Date.parse(own.meta.origin)) / 1000;
    back.rows.forEach((r, i) => {
      expect(r.timestamp + shift, `row ${i}`).toBeCloseTo(own.rows[i].timestamp, 6);
      expect(r.input_tokens).toBe(own.rows[i].input_tokens);
      expect(r.output_tokens).toBe(own.rows[i].output_tokens);
    });
  });
});
