/**
 * A log given twice under two names, with the DuckDB engine (session 38's new-user review left
 * the warning TypeScript-only): a `gzip -k` copy and a plain copy are named, a file of the same
 * size with other bytes is not.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

const MAP = { columns: { timestamp: 'timestamp', client_id: 'client', input_tokens: 'input', output_tokens: 'output' }, timestamp: { unit: 's' } };
const CSV = 'timestamp,client,input,output\n1,a,10,5\n2,a,11,5\n3,b,12,5\n';

describe('duckdb: inputs holding the same bytes', () => {
  it('warns of a gzip copy and a plain copy, naming the file each copies, and not of a file of the same size', async () => {
    const dir = tempDir();
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify(MAP));
    const [a, gz, b, c] = ['day1.csv', 'day1.csv.gz', 'backup.csv', 'day2.csv'].map((f) => join(dir, f));
    writeFileSync(a, CSV);
    writeFileSync(gz, gzipSync(CSV));
    copyFileSync(a, b);
    writeFileSync(c, CSV.replace('1,a,10', '4,a,13'));
    const r = await runCli('inspect', a, gz, b, c, '--map', map, '--engine', 'duckdb', '--json');
    expect(r.code).toBe(0);
    const want = [
      `${gz} holds the same bytes as ${a} (decompressed): the log was given twice and every request of it is counted twice; give one of them`,
      `${b} holds the same bytes as ${a}: the log was given twice and every request of it is counted twice; give one of them`,
    ];
    expect(JSON.parse(r.stdout).ingest.warnings).toEqual(want);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual(want.map((w) => `warning: ${w}`));
    // The TypeScript engine names the same two files (by their accepted rows).
    const ts = await runCli('inspect', a, gz, b, c, '--map', map, '--engine', 'ts', '--json');
    const named = (JSON.parse(ts.stdout).ingest.warnings as string[]).map((w) => w.split(' holds ')[0]);
    expect(named).toEqual([gz, b]);
  });

  it('says nothing of distinct files, and the one pass (fit) says it once', async () => {
    const dir = tempDir();
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify(MAP));
    const [a, gz, c] = ['day1.csv', 'day1.csv.gz', 'day2.csv'].map((f) => join(dir, f));
    writeFileSync(a, CSV);
    writeFileSync(gz, gzipSync(CSV));
    writeFileSync(c, CSV.replace('1,a,10', '4,a,13'));
    const distinct = await runCli('inspect', a, c, '--map', map, '--engine', 'duckdb', '--json');
    expect(JSON.parse(distinct.stdout).ingest.warnings ?? []).toEqual([]);
    const fit = await runCli('fit', a, gz, '--map', map, '--engine', 'duckdb', '--out', join(dir, 'p.json'));
    expect(fit.code).toBe(0);
    expect(fit.stderr.split('\n').filter((l) => l.includes('holds the same bytes'))).toEqual([`warning: ${gz} holds the same bytes as ${a} (decompressed): the log was given twice and every request of it is counted twice; give one of them`]);
  });
});
