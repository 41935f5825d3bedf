import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

describe('inputs with no accepted row: the same error (exit 2) in both engines, in every command', () => {
  it('every row rejected (whatever --max-reject-ratio): the file, the count and the reasons; a header-only file: no data rows', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const bad = `${dir}/bad.csv`;
    writeFileSync(bad, 't,c,i\nabc,a,1\n2023-11-16 18:17:00,a,x\n2023-02-30 00:00:00,b,3\n');
    const header = `${dir}/header.csv`;
    writeFileSync(header, 't,c,i\n');
    // A Parquet column of numbers read with unit iso: every row a bad timestamp (DuckDB: was a binder error).
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const numbers = `${dir}/numbers.parquet`;
    await con.run(`COPY (SELECT 1.7e9 + i AS t, 'a' AS c, 5 AS i FROM range(3) r(i)) TO '${numbers}'`);
    con.closeSync();
    db.closeSync();
    writeFileSync(`${dir}/m.json`, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 'iso' } }));
    const cases: [string, string][] = [
      [bad, `${bad}: no accepted rows: all 3 rows rejected (bad_timestamp 2, bad_number 1)`],
      [numbers, `${numbers}: no accepted rows: all 3 rows rejected (bad_timestamp 3)`],
      [header, `${header}: no data rows (empty file or header only)`],
    ];
    // The TypeScript engine also names the first rejected row (as above --max-reject-ratio); DuckDB keeps no rows' lines.
    const first: Record<string, string> = {
      [bad]: `; the first: ${bad}:2: timestamp: cannot read "abc" as an ISO date-time (YYYY-MM-DD[Thh:mm[:ss[.f]]][zone])`,
      [numbers]: `; the first: ${numbers}:1: timestamp: `,
      [header]: '',
    };
    for (const [file, message] of cases) {
      for (const [cmd, out] of [['summarize', 's.json'], ['fit', 'p.json'], ['ingest', 't.parquet'], ['inspect', '']] as const) {
        for (const engine of ['ts', 'duckdb']) {
          for (const ratio of [[], ['--max-reject-ratio', '1']]) {
            const label = `${cmd} --engine ${engine} ${ratio.join(' ')} ${file}`;
            const o = out ? `${dir}/${engine}-${out}` : '';
            const r = await runCli(cmd, file, '--map', `${dir}/m.json`, '--engine', engine, ...ratio, ...(o ? ['--out', o] : []));
            expect(r.code, label).toBe(2);
            const hint = file === header ? '' : ' (use --rejects to see them)';
            if (engine === 'ts' && file === numbers) expect(r.stderr, label).toMatch(/; the first: .*numbers\.parquet:1: timestamp: .+\n$/);
            else expect(r.stderr, label).toBe(`servegen: ${message}${hint}${engine === 'ts' ? first[file] : ''}\n`);
            if (engine === 'ts' && file === numbers) expect(r.stderr, label).toContain(`servegen: ${message}${hint}${first[file]}`);
            if (o) expect(existsSync(o), label).toBe(false);
          }
        }
      }
    }
    // Both engines write the rejects first, the same rows, and say where.
    for (const engine of ['ts', 'duckdb']) {
      for (const [cmd, out] of [['summarize', ['--out', `${dir}/x.json`]], ['summarize', ['--out', `${dir}/x-dir`]], ['inspect', []], ['ingest', ['--out', `${dir}/x.parquet`]]] as const) {
        if (engine === 'ts' && out[1]?.endsWith('-dir')) continue;
        const label = `${cmd} --engine ${engine} ${out.join(' ')}`;
        const rejects = `${dir}/rejects-${engine}-${cmd}${out.length ? '-' + out[1].split('.').pop() : ''}.jsonl`;
        const r = await runCli(cmd, bad, '--map', `${dir}/m.json`, '--engine', engine, '--rejects', rejects, ...out);
        expect(r.code, label).toBe(2);
        expect(r.stderr, label).toContain(`rows rejected (bad_timestamp 2, bad_number 1); see ${rejects}`);
        expect(readFileSync(rejects, 'utf8').trim().split('\n'), label).toHaveLength(3);
        expect(readFileSync(rejects, 'utf8'), label).toBe(readFileSync(`${dir}/rejects-ts-summarize-json.jsonl`, 'utf8'));
      }
    }
    // validate: a source with no accepted row, per side (--source-rejects).
    const good = `${dir}/good.csv`;
    writeFileSync(good, 't,c,i\n2023-11-16 18:17:00,a,1\n2023-11-16 18:17:05,a,2\n');
    for (const engine of ['ts', 'duckdb']) {
      const v = await runCli('validate', bad, good, '--source-map', `${dir}/m.json`, '--generated-map', `${dir}/m.json`, '--engine', engine);
      expect(v.code, engine).toBe(2);
      expect(v.stderr, engine).toContain(`${bad}: no accepted rows: all 3 rows rejected (bad_timestamp 2, bad_number 1) (use --source-rejects to see them)`);
      const w = await runCli('validate', bad, good, '--source-map', `${dir}/m.json`, '--generated-map', `${dir}/m.json`, '--engine', engine, '--source-rejects', `${dir}/v-${engine}.jsonl`);
      expect(w.code, engine).toBe(2);
      expect(w.stderr, engine).toContain(`(bad_timestamp 2, bad_number 1); see ${dir}/v-${engine}.jsonl`);
      expect(readFileSync(`${dir}/v-${engine}.jsonl`, 'utf8'), engine).toBe(readFileSync(`${dir}/rejects-ts-summarize-json.jsonl`, 'utf8'));
    }
  });
});
