import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

// `servegen ingest 'logs/*.csv*'` over a log and its `gzip -k` copy read 596 rows for 298 with
// exit 0 and no word: every request counted twice, the rate doubled in the profile. Names and
// inodes differ, so the same-file check (a file matched twice, a link) did not see it (found by
// a new user's review, session 38).

const CODE = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');

describe('one log given twice under other names', () => {
  it('ingest and fit warn, naming both files; the rows are kept as read (exit 0)', async () => {
    const dir = tempDir();
    const text = readFileSync(CODE);
    const plain = join(dir, 'code.csv');
    const gz = join(dir, 'code.csv.gz');
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(text));
    const summary = join(dir, 'ingest.json');
    const warning = `warning: ${gz} holds the same 8819 accepted rows as ${plain} (times, clients and lengths, in the same order): the log was given twice and every request of it is counted twice; give one of them\n`;
    const r = await runCli('ingest', join(dir, 'code.csv*'), '--preset', 'azure-llm-2023', '--out', join(dir, 't.parquet'), '--summary', summary);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('17638 accepted');
    expect(r.stderr).toContain(warning);
    expect((JSON.parse(readFileSync(summary, 'utf8')) as { warnings: string[] }).warnings).toContain(warning.slice('warning: '.length, -1));
    const f = await runCli('fit', plain, gz, '--preset', 'azure-llm-2023', '--out', join(dir, 'p.json'));
    expect(f.code).toBe(0);
    expect(f.stderr).toContain(warning);
  });

  it('files that differ in one length, or are one log cut in two, get no warning', async () => {
    const dir = tempDir();
    const lines = readFileSync(CODE, 'utf8').trimEnd().split('\n');
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeFileSync(a, lines.join('\n') + '\n');
    const last = lines[lines.length - 1].split(',');
    last[2] = String(Number(last[2]) + 1);
    writeFileSync(b, [...lines.slice(0, -1), last.join(',')].join('\n') + '\n');
    const r = await runCli('ingest', a, b, '--preset', 'azure-llm-2023', '--out', join(dir, 't.parquet'));
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('warning:');
    // Two halves with as many rows each.
    const half = (lines.length - 1) / 2;
    if (Number.isInteger(half)) {
      writeFileSync(a, [lines[0], ...lines.slice(1, 1 + half)].join('\n') + '\n');
      writeFileSync(b, [lines[0], ...lines.slice(1 + half)].join('\n') + '\n');
    } else {
      writeFileSync(a, [lines[0], ...lines.slice(1, 1 + Math.floor(half))].join('\n') + '\n');
      writeFileSync(b, [lines[0], ...lines.slice(2 + Math.floor(half))].join('\n') + '\n');
    }
    const h = await runCli('ingest', a, b, '--preset', 'azure-llm-2023', '--out', join(dir, 'h.parquet'));
    expect(h.code).toBe(0);
    expect(h.stderr).not.toContain('warning:');
  });

  it('our own traces of two days holding the same times from their origins get no warning', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 50 }, (_, i) => JSON.stringify({ timestamp: i * 7.5, client_id: 'a', input_tokens: 10 + i, output_tokens: 5 }));
    const day = (origin: string) => [JSON.stringify({ servegen: { format: 'servegen-trace', version: 1, origin } }), ...rows].join('\n') + '\n';
    const d1 = join(dir, 'd1.jsonl');
    const d2 = join(dir, 'd2.jsonl');
    writeFileSync(d1, day('2025-03-03T00:00:00.000Z'));
    writeFileSync(d2, day('2025-03-04T00:00:00.000Z'));
    const r = await runCli('ingest', d1, d2, '--out', join(dir, 't.jsonl'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('100 accepted');
    expect(r.stderr).not.toContain('warning:');
    // The same day twice is one log twice.
    writeFileSync(d2, day('2025-03-03T00:00:00.000Z'));
    const same = await runCli('ingest', d1, d2, '--out', join(dir, 't2.jsonl'));
    expect(same.stderr).toContain(`warning: ${d2} holds the same 50 accepted rows as ${d1}`);
  });
});
