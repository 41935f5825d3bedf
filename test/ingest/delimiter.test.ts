import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { buildSummaries } from '../../src/summary/build.js';
import { expectEqualSummaries } from '../summary/equal-summaries.js';
import { fixture, tempDir } from '../helpers.js';

// Spreadsheet exports where the decimal mark is a comma separate fields with ';' (found in
// session 21: such a file was one column "ts;tenant;…", and no mapping could read it).
describe('a mapping\'s "delimiter"', () => {
  const columns = { timestamp: 'TIMESTAMP', input_tokens: 'ContextTokens', output_tokens: 'GeneratedTokens' };
  const W = { arrivalSeconds: 600, lengthSeconds: 21600 };

  it('reads a semicolon- or pipe-separated CSV as the comma-separated one, with both engines (a quoted header field too)', async () => {
    const dir = tempDir();
    const comma = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
    const plain = parseMapping({ format: 'csv', columns, timestamp: { unit: 'iso' } }, 'plain');
    const want = await ingestFiles({ inputs: [comma], mapping: plain });
    const wantSummaries = buildSummaries(want.trace, W);
    for (const d of [';', '|']) {
      const lines = readFileSync(comma, 'utf8').trimEnd().split('\r\n');
      // The header's first field quoted: the quote rules are CSV's. CRLF line ends, as the fixture's.
      const text = [`"TIMESTAMP"${d}ContextTokens${d}GeneratedTokens`, ...lines.slice(1).map((l) => l.split(',').join(d))].join('\r\n') + '\r\n';
      const file = join(dir, `code-${d === ';' ? 'semi' : 'pipe'}.csv`);
      writeFileSync(file, text);
      const m = parseMapping({ format: 'csv', delimiter: d, columns, timestamp: { unit: 'iso' } }, 'm');
      const got = await ingestFiles({ inputs: [file], mapping: m });
      expect(got.trace.n, d).toBe(8819);
      expect(Array.from(got.trace.timestamp)).toEqual(Array.from(want.trace.timestamp));
      expect(Array.from(got.trace.ints.input_tokens!)).toEqual(Array.from(want.trace.ints.input_tokens!));
      const duck = await summarizeWithDuckDB([file], m, W);
      expect(duck.rowsRead, d).toBe(8819);
      expectEqualSummaries(duck.summaries, wantSummaries);
    }
  });

  it('is one character, not a quote, # or a line break, and not with format "tsv"', () => {
    for (const bad of ['', ';;', '"', '#', '\n']) expect(() => parseMapping({ delimiter: bad, columns }, 'm.json'), JSON.stringify(bad)).toThrow(/^m\.json: delimiter: expected one character other than a quote/);
    expect(() => parseMapping({ format: 'tsv', delimiter: ';', columns }, 'm.json')).toThrow('m.json: delimiter ";" with format "tsv" (tab-separated): give "format": "csv" with it');
    expect(parseMapping({ delimiter: '\t', format: 'tsv', columns }, 'm').delimiter).toBe('\t');
  });
});
