import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

const rowsOf = (file: string) => {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return { meta: JSON.parse(lines[0]).servegen, rows: lines.slice(1).map((l) => JSON.parse(l)) };
};

/** A profile fitted to the Azure code fixture (origin 2023-11-16 18:17:03), in a new directory. */
async function codeProfile(): Promise<{ dir: string; profile: string }> {
  const dir = tempDir();
  const profile = join(dir, 'code.json');
  expect((await runCli('fit', fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), '--preset', 'azure-llm-2023', '--out', profile, '--quiet')).code).toBe(0);
  return { dir, profile };
}

describe('generate --format azure from a profile with an absolute origin', () => {
  it("dates each request at the profile's origin + --start + its time, to the microsecond, and the Azure preset reads the same requests back at the same instants", async () => {
    const { dir, profile } = await codeProfile();
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

// Found by review: microseconds from the epoch lose digits past 2^53 (285 years from 1970), so
// a --start of three centuries wrote 11:10:24.9219200 for a request at .921919; and dates past
// year 9999 were written as `+010262-12-13 00:30.9248960` (ISO's six-digit year, the seconds cut
// off), exit 0. --start 1e15 was an internal error for every format ('Invalid time value', exit 3).
describe('generate --format azure far from the epoch', () => {
  it('writes every microsecond of a date three centuries on, and refuses years past 9999 (exit 2)', async () => {
    const { dir, profile } = await codeProfile();
    const args = ['--duration', '60', '--start', '9.5e9', '--seed', '1', '--quiet'];
    expect((await runCli('generate', profile, ...args, '--out', join(dir, 'g.jsonl'))).code).toBe(0);
    expect((await runCli('generate', profile, ...args, '--format', 'azure', '--out', join(dir, 'g.csv'))).code).toBe(0);
    const own = rowsOf(join(dir, 'g.jsonl'));
    const lines = readFileSync(join(dir, 'g.csv'), 'utf8').trim().split('\n').slice(1);
    expect(lines.length).toBe(own.rows.length);
    // Origin 18:17:03.000 + 9.5e9 s (whole seconds): each fraction is the request's own.
    lines.forEach((l, i) => {
      expect(l.slice(0, 4), `row ${i}`).toBe('2324');
      expect(l.slice(20, 26), `row ${i}`).toBe(own.rows[i].timestamp.toFixed(6).split('.')[1]);
    });
    for (const start of ['2.6e11', '-1e11']) {
      const r = await runCli('generate', profile, '--duration', '60', '--start', start, '--format', 'azure', '--out', join(dir, `far${start}.csv`));
      expect(r.code, start).toBe(2);
      expect(r.stderr).toMatch(/years 0000 to 9999/);
    }
    const huge = await runCli('generate', profile, '--duration', '60', '--start', '1e15', '--out', join(dir, 'huge.jsonl'));
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/past the dates a trace can have/);
  });
});
