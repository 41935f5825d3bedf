import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { badTimestampMessage } from '../../src/ingest/normalize.js';

// A gateway log timed in nginx's $time_local form (07/Dec/2024:14:00:03 +0000), which no
// timestamp unit reads, had every row "cannot read … as a date-time timestamp": neither the form
// expected nor what to log instead (found by a new user's review, session 38).

const MAP = { columns: { timestamp: 'time', client_id: 'tenant', input_tokens: 'in', output_tokens: 'out' } };
const HINT = "; the access-log form (nginx's $time_local) is not read: log $time_iso8601 or $msec";

describe('a bad timestamp says the form expected', () => {
  it('a log of access-log times: every reject, and the error, name the date-time form and what to log instead (either engine)', async () => {
    const dir = tempDir();
    const log = join(dir, 'access.csv');
    const rows = Array.from({ length: 20 }, (_, i) => `${String(7).padStart(2, '0')}/Dec/2024:14:00:${String(i).padStart(2, '0')} +0000,t${i % 2},${i + 1},${i + 2}`);
    writeFileSync(log, ['time,tenant,in,out', ...rows].join('\n') + '\n');
    const map = join(dir, 'm.json');
    writeFileSync(map, JSON.stringify(MAP));
    const expected = `cannot read "07/Dec/2024:14:00:00 +0000" as a date-time (YYYY-MM-DD[Thh:mm[:ss[.f]]][zone])${HINT}`;
    for (const engine of ['ts', 'duckdb']) {
      const rejects = join(dir, `r-${engine}.jsonl`);
      const r = await runCli('ingest', log, '--map', map, '--engine', engine, '--rejects', rejects, '--out', join(dir, `t-${engine}.parquet`));
      expect(r.code, r.stderr).toBe(2);
      const first = JSON.parse(readFileSync(rejects, 'utf8').split('\n')[0]) as { line: number; field: string; message: string };
      expect(first, engine).toMatchObject({ line: 2, field: 'timestamp', message: expected });
      if (engine === 'ts') expect(r.stderr).toContain(`the first: ${log}:2: timestamp: ${expected}\n`);
    }
  });

  it('one access-log time among epoch seconds gets the hint too; other bad times keep the plain message', () => {
    expect(badTimestampMessage('07/Dec/2024:14:00:03 +0000', 'number')).toBe(`cannot read "07/Dec/2024:14:00:03 +0000" as a numeric timestamp${HINT}`);
    expect(badTimestampMessage('[07/Dec/2024:14:00:03 +0000]', 'iso')).toContain(HINT);
    expect(badTimestampMessage('yesterday', 'date-time')).toBe('cannot read "yesterday" as a date-time (YYYY-MM-DD[Thh:mm[:ss[.f]]][zone])');
    expect(badTimestampMessage('12/07/2024 14:00', 'date-time')).not.toContain('access-log');
  });
});
