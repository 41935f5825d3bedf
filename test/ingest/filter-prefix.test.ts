/**
 * Row filters by prefix (`keep`/`drop` entries `{"prefix": text}`): a gateway log's path with a
 * query string (`/v1/chat/completions?api-version=…`) was another text to the exact comparison,
 * so such rows could not be kept without listing every query string. Both engines and the
 * printed SQL of every dialect must keep the same rows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodeSqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping, type MappingInput } from '../../src/ingest/mapping.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
const PATHS = ['/v1/chat/completions?api-version=2024-02-01', '/v1/chat/completions', '/health', '/v1/completions?x=1', ' /v1/chat/completions?y ', '/metrics?full', '/v1/chat/completionsX', '', 'é/v1'];
const log = join(dir, 'log.csv');
writeFileSync(log, ['t,path,in', ...Array.from({ length: 90 }, (_, i) => `${i},"${PATHS[i % PATHS.length]}",${100 + i}`)].join('\n') + '\n');
const base = { columns: { timestamp: 't', filter: 'path', input_tokens: 'in' }, timestamp: { unit: 's' as const } };

const cases: [MappingInput, number][] = [
  // The chat path with any query string, and the bare path (10 rows each of 0, 1, 4).
  [{ ...base, keep: [{ prefix: '/v1/chat/completions?' }, '/v1/chat/completions'] }, 30],
  // Prefixes alone: every /v1 path (0, 1, 3, 4, 6).
  [{ ...base, keep: [{ prefix: '/v1/' }] }, 50],
  // drop: health and metrics with anything after; blank (7) kept, as drop keeps a blank text.
  [{ ...base, drop: [{ prefix: '/health' }, { prefix: '/metrics' }] }, 70],
  // A prefix with leading whitespace is read without it (row texts are trimmed); non-ASCII.
  [{ ...base, keep: [{ prefix: '  é' }] }, 10],
];

describe('row filters by prefix', () => {
  it('keep the rows they say in both engines', async () => {
    for (const [m, kept] of cases) {
      const mapping = parseMapping(m, 'm');
      const ts = await ingestFiles({ inputs: [log], mapping });
      expect(ts.trace.n, JSON.stringify(m)).toBe(kept);
      expect(ts.summary.rejects_by_reason.excluded ?? 0).toBe(90 - kept);
      const dd = await summarizeWithDuckDB([log], mapping, { arrivalSeconds: 600, lengthSeconds: 21600 });
      expect(dd.rejectsByReason, JSON.stringify(m)).toEqual(ts.summary.rejects_by_reason);
    }
  });

  it('are refused when blank, and named in the message when nothing is kept', async () => {
    expect(() => parseMapping({ ...base, keep: [{ prefix: '  ' }] }, 'm.json')).toThrow(/m.json: keep: \{"prefix":"  "\} is blank once trimmed/);
    expect(() => parseMapping({ ...base, keep: [{ prefix: '' }] }, 'm.json')).toThrow(/m.json/);
    const map = join(dir, 'none.json');
    writeFileSync(map, JSON.stringify({ ...base, keep: [{ prefix: '/v2/' }] }));
    const r = await runCli('ingest', log, '--map', map, '--out', join(dir, 'none.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('keep is [{"prefix":"/v2/"}]');
  });

  it('print SQL that parses in the Trino and Spark grammars', async () => {
    const map = join(dir, 'both.json');
    writeFileSync(map, JSON.stringify({ ...base, keep: [{ prefix: "/v1/chat/completions?" }, '/v1/chat/completions', { prefix: "it's" }] }));
    const parser = new nodeSqlParser.Parser();
    for (const [dialect, grammar] of [['trino', 'trino'], ['spark', 'hive']] as const) {
      const r = await runCli('sql', '--map', map, '--source', 'logs.requests', '--dialect', dialect);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(dialect === 'spark' ? 'startswith(' : 'starts_with(');
      const statements = r.stdout.split(/;\n/).map((s) => s.replace(/^--.*\n/gm, '').trim()).filter((s) => s !== '');
      for (const s of statements) expect(() => parser.astify(s.replaceAll('TRY_CAST(', 'CAST('), { database: grammar }), dialect).not.toThrow();
    }
  });
});
