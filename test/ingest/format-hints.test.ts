/**
 * Messages for inputs read as the wrong thing, found by a new user's review (session 38's h-100,
 * left open there): JSON lines read as CSV, UTF-16 inside gzip under the DuckDB engine, and a
 * token count past the range echoed as the double it parses to rather than as the log writes it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

const MAP = { columns: { timestamp: 'timestamp', client_id: 'client', input_tokens: 'input', output_tokens: 'output' }, timestamp: { unit: 's' } };

function setup(): { dir: string; map: string } {
  const dir = tempDir();
  const map = join(dir, 'map.json');
  writeFileSync(map, JSON.stringify(MAP));
  return { dir, map };
}

const JSONL = '{"timestamp": 1, "client": "a", "input": 3, "output": 4}\n{"timestamp": 2, "client": "a", "input": 5, "output": 6}\n';
const CSV = 'timestamp,client,input,output\n1,a,10,5\n2,a,11,5\n3,a,12,5\n';

describe('JSON lines read as CSV', () => {
  for (const engine of ['ts', 'duckdb']) {
    it(`${engine}: --format csv on JSON lines says the first line is a JSON object and names --format jsonl`, async () => {
      const { dir, map } = setup();
      const file = join(dir, 'log.jsonl');
      writeFileSync(file, JSONL);
      const r = await runCli('inspect', file, '--map', map, '--format', 'csv', '--engine', engine);
      expect(r.code).toBe(2);
      // Before: "cannot parse the header row (text after the closing quote of field 2)" (ts),
      // "rows it cannot split consistently" (duckdb).
      expect(r.stderr).toContain(`${file}: read as CSV (--format csv), but its first line is a JSON object: JSON lines? Give --format jsonl\n`);
    });

    it(`${engine}: JSON lines named .csv.gz (after a comment and a blank line) are named too, with the rename`, async () => {
      const { dir, map } = setup();
      const file = join(dir, 'log.csv.gz');
      writeFileSync(file, gzipSync(`# exported 2026-12-07\n\n${JSONL}`));
      const r = await runCli('inspect', file, '--map', map, '--engine', engine);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${file}: read as CSV (by its name), but its first line is a JSON object: JSON lines? Give --format jsonl (or name it .jsonl)`);
    });

    it(`${engine}: a CSV whose header starts with a brace is still read as CSV`, async () => {
      const { dir, map } = setup();
      const file = join(dir, 'log.csv');
      writeFileSync(file, CSV.replace('timestamp,', '{x},timestamp,').replace(/\n(\d)/g, '\n0,$1'));
      const r = await runCli('inspect', file, '--map', map, '--engine', engine, '--json');
      expect(r.stderr).not.toContain('JSON object');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).trace.requests).toBe(3);
    });
  }
});

describe('UTF-16 inside gzip', () => {
  it('the DuckDB engine names it with the iconv, as the TypeScript engine does', async () => {
    const { dir, map } = setup();
    const file = join(dir, 'log.csv.gz');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV, 'utf16le')]);
    writeFileSync(file, gzipSync(utf16));
    const messages: string[] = [];
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('inspect', file, '--map', map, '--engine', engine);
      expect(r.code).toBe(2);
      messages.push(r.stderr);
    }
    // Before: DuckDB said it could not split the rows consistently.
    expect(messages[1]).toContain(`${file}: UTF-16 text (little-endian, by its byte-order mark; convert it to UTF-8 first, e.g. gunzip -c in | iconv -f UTF-16 -t UTF-8 > out)`);
    expect(messages[1]).toBe(messages[0]);
  });
});

describe('a token count out of range', () => {
  it('is quoted as the CSV writes it, not as the double it parses to', async () => {
    const { dir, map } = setup();
    const file = join(dir, 'log.csv');
    writeFileSync(file, CSV.replace('1,a,10,5', '1,a,99999999999999999999,5'));
    const r = await runCli('inspect', file, '--map', map);
    expect(r.code).toBe(1); // above --max-reject-ratio
    // Before: "not a whole number in range: 100000000000000000000".
    expect(r.stderr).toContain(`${file}:2: input_tokens: not a whole number in range: 99999999999999999999`);
  });
});
