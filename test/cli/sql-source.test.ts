import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('sql --source with an empty name or part (found by review: it printed FROM "")', () => {
  it('is refused, exit 2', async () => {
    for (const source of ['', ' ', 'logs.', '.requests', 'a..b']) {
      const r = await runCli('sql', '--preset', 'burstgpt', '--source', source);
      expect(r.code, JSON.stringify(source)).toBe(2);
      expect(r.stderr).toBe(`servegen: --source: expected a table (schema.table) or a table function such as read_parquet('logs/*.parquet'), got ${JSON.stringify(source)}\n`);
      expect(r.stdout).toBe('');
    }
    expect((await runCli('sql', '--preset', 'burstgpt', '--source', 'logs.requests')).code).toBe(0);
  });
});
