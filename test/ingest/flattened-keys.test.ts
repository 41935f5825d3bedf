import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { didYouMean } from '../../src/io/json-text.js';

// JSON lines whose objects an export flattened (`{"usage.prompt_tokens": 5}`: log shippers and
// search-engine exports write them so) read with the mapping `"input_tokens":
// "usage.prompt_tokens"` said `column "usage" not in any row`, and with --engine duckdb `did
// you mean "usage.completion_tokens" for "usage.prompt_tokens"?` — a key the input has, for
// another it has too. Neither said that the key is there as written, nor what to do (found by
// a new user's review, session 38).

const JQ = `jq -c 'reduce to_entries[] as $e ({}; setpath($e.key / "."; $e.value))' in.jsonl > nested.jsonl`;

describe('flattened keys in JSON lines', () => {
  const dir = tempDir();
  const flat = join(dir, 'flat.jsonl');
  const rows = Array.from({ length: 30 }, (_, i) => JSON.stringify({ '@timestamp': `2024-12-07T14:00:${String(i).padStart(2, '0')}Z`, tenant: `t${i % 2}`, 'usage.prompt_tokens': 10 + i, 'usage.completion_tokens': 3 + i }));
  writeFileSync(flat, rows.join('\n') + '\n');
  const map = join(dir, 'm.json');
  writeFileSync(map, JSON.stringify({ columns: { timestamp: '@timestamp', client_id: 'tenant', input_tokens: 'usage.prompt_tokens', output_tokens: 'usage.completion_tokens' } }));

  it('either engine says the keys are there as written, and how to nest them (exit 2)', async () => {
    const ts = await runCli('ingest', flat, '--map', map, '--out', join(dir, 'a.parquet'));
    expect(ts.code).toBe(2);
    expect(ts.stderr).toBe(
      `servegen: ${flat}: mapping names column "usage" not in any row (keys of the first row: "@timestamp", "tenant", "usage.prompt_tokens", "usage.completion_tokens"); "usage.prompt_tokens", "usage.completion_tokens" are keys of the records as written (a flattened export), and a mapping's dots step into nested objects: nest the keys first (JSON lines: ${JQ})\n`,
    );
    const duck = await runCli('ingest', flat, '--map', map, '--engine', 'duckdb', '--out', join(dir, 'b.parquet'));
    expect(duck.code).toBe(2);
    expect(duck.stderr).toContain(`"usage.prompt_tokens" is a key of the records as written (a flattened export), and a mapping's dots step into nested objects: nest the keys first (JSON lines: ${JQ})`);
    expect(duck.stderr).not.toContain('did you mean');
  });

  it('the jq given makes a file the mapping reads', async () => {
    let nested: string;
    try {
      nested = execFileSync('jq', ['-c', 'reduce to_entries[] as $e ({}; setpath($e.key / "."; $e.value))', flat], { encoding: 'utf8' });
    } catch {
      return; // no jq here: the message's command is checked where jq is installed
    }
    const file = join(dir, 'nested.jsonl');
    writeFileSync(file, nested);
    const r = await runCli('ingest', file, '--map', map, '--out', join(dir, 'c.jsonl'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('30 accepted');
  });

  it('a typo still gets its "did you mean"', () => {
    expect(didYouMean(['tennant'], ['time', 'tenant'])).toBe('; did you mean "tenant" for "tennant"?');
    expect(didYouMean(['usage.prompt_tokens'], ['usage.prompt_tokens', 'usage.completion_tokens'])).toMatch(/^; "usage\.prompt_tokens" is a key of the records as written/);
  });
});
