import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { writeDuckdbRejects } from '../../src/cli/ingest-options.js';
import { Reporter } from '../../src/cli/progress.js';
import { collectRejects, ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { createRng } from '../../src/stats/rng.js';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

/**
 * --rejects with the DuckDB engine: DuckDB counts the rejects, the TypeScript reader reads the
 * inputs again for their lines and text. The file must be the TypeScript engine's, byte for byte.
 */
describe('--rejects with --engine duckdb', () => {
  const dir = tempDir();
  const map = `${dir}/m.json`;
  writeFileSync(map, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp: { unit: 's' } }));
  // 3 000 rows, ~4 % rejected with every field-level reason, spread through the file.
  const rng = createRng(5);
  const rows: [string, string, string, string][] = [];
  let t = 1_700_000_000;
  for (let k = 0; k < 3000; k++) {
    t += -Math.log(rng.nextOpen()) / 3;
    const c = `client-${Math.floor(rng.next() * 6)}`;
    const i = String(1 + Math.floor(rng.next() * 3000));
    const o = String(1 + Math.floor(rng.next() * 400));
    const u = rng.next();
    if (u < 0.008) rows.push(['', c, i, o]);
    else if (u < 0.016) rows.push(['soon', c, i, o]);
    else if (u < 0.024) rows.push([t.toFixed(3), c, `-${i}`, o]);
    else if (u < 0.032) rows.push([t.toFixed(3), c, i, `${o}.5`]);
    else if (u < 0.04) rows.push([t.toFixed(3), c, 'many', o]);
    else rows.push([t.toFixed(3), c, i, o]);
  }
  const csv = `${dir}/log.csv`;
  writeFileSync(csv, ['t,c,i,o', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  const jsonl = `${dir}/log.jsonl.gz`;
  writeFileSync(jsonl, gzipSync(rows.map(([t, c, i, o]) => JSON.stringify({ t: t === '' ? null : /^[0-9.]+$/.test(t) ? Number(t) : t, c, i: /^-?[0-9]+$/.test(i) ? Number(i) : i, o: /^[0-9]+$/.test(o) ? Number(o) : o })).join('\n') + '\n'));
  const parquet = `${dir}/log.parquet`;

  it('writes the TypeScript engine’s rejects file, byte for byte (CSV, gzip JSON lines, Parquet; fit, summarize, inspect, ingest)', { timeout: 120_000 }, async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT * FROM read_csv('${csv}', all_varchar = true)) TO '${parquet}' (FORMAT parquet)`);
    con.closeSync();
    db.closeSync();
    for (const input of [csv, jsonl, parquet]) {
      const expected = `${input}.ts-rejects.jsonl`;
      const ts = await runCli('fit', input, '--map', map, '--engine', 'ts', '--rejects', expected, '--max-reject-ratio', '0.1', '--out', `${dir}/p-ts.json`, '--quiet');
      expect(ts.code, `${input}: ${ts.stderr}`).toBe(0);
      const text = readFileSync(expected, 'utf8');
      expect(text.trim().split('\n').length, input).toBeGreaterThan(80);
      for (const [cmd, out] of [
        ['fit', ['--out', `${dir}/p.json`]],
        ['summarize', ['--out', `${dir}/s.json`]],
        ['summarize', ['--out', `${dir}/scan-${input.split('.').pop()}`]],
        ['inspect', []],
        ['ingest', ['--out', `${dir}/t.parquet`]],
      ] as const) {
        const rejects = `${dir}/duck.jsonl`;
        const label = `${cmd} ${input} ${out.join(' ')}`;
        const r = await runCli(cmd, input, '--map', map, '--engine', 'duckdb', '--rejects', rejects, '--max-reject-ratio', '0.1', ...out);
        expect(r.code, `${label}: ${r.stderr}`).toBe(0);
        expect(readFileSync(rejects, 'utf8'), label).toBe(text);
        expect(r.stderr, label).toContain(`rows → ${rejects} (the input read again by the TypeScript reader`);
      }
    }
  });

  it('above --max-reject-ratio: the rejects are written first, and the message says where', async () => {
    const rejects = `${dir}/over.jsonl`;
    const r = await runCli('ingest', csv, '--map', map, '--engine', 'duckdb', '--rejects', rejects, '--out', `${dir}/over.parquet`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`of rows rejected, above --max-reject-ratio 0.01; no trace written; see ${rejects}`));
    expect(existsSync(`${dir}/over.parquet`)).toBe(false);
    expect(readFileSync(rejects, 'utf8')).toBe(readFileSync(`${csv}.ts-rejects.jsonl`, 'utf8'));
    const f = await runCli('fit', csv, '--map', map, '--engine', 'duckdb', '--rejects', `${dir}/over-fit.jsonl`, '--out', `${dir}/over.json`);
    expect(f.code).toBe(1);
    expect(f.stderr).toContain(`above --max-reject-ratio 0.01; see ${dir}/over-fit.jsonl`);
    expect(readFileSync(`${dir}/over-fit.jsonl`, 'utf8')).toBe(readFileSync(rejects, 'utf8'));
  });

  it('validate: per side (--source-rejects, --generated-rejects)', { timeout: 60_000 }, async () => {
    const files: Record<string, string> = {};
    for (const engine of ['ts', 'duckdb']) {
      const s = `${dir}/v-${engine}-source.jsonl`;
      const g = `${dir}/v-${engine}-generated.jsonl`;
      const r = await runCli('validate', csv, jsonl, '--source-map', map, '--generated-map', map, '--engine', engine, '--source-rejects', s, '--generated-rejects', g, '--source-max-reject-ratio', '0.1', '--generated-max-reject-ratio', '0.1', '--quiet');
      expect(r.code, `${engine}: ${r.stderr}`).toBeLessThan(2);
      files[engine] = readFileSync(s, 'utf8') + readFileSync(g, 'utf8');
    }
    expect(files.duckdb).toBe(files.ts);
    expect(files.ts).toContain('"file":"' + jsonl);
  });

  it('validate, a side with no accepted row: its own --*-rejects, found by the side (a pattern, or the same file on both sides), not by its file names', { timeout: 60_000 }, async () => {
    // Every time is a client name: all rows rejected (bad_timestamp).
    const bad = `${dir}/bad-map.json`;
    writeFileSync(bad, JSON.stringify({ columns: { timestamp: 'c', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }));
    const pattern = `${dir}/log.c?v`;
    const texts: Record<string, string> = {};
    for (const engine of ['ts', 'duckdb']) {
      // A pattern as the source: the scan names the file it expanded to, not the argument.
      const s = `${dir}/nr-${engine}-source.jsonl`;
      const r = await runCli('validate', pattern, csv, '--source-map', bad, '--generated-map', map, '--engine', engine, '--source-rejects', s, '--generated-max-reject-ratio', '0.1', '--quiet');
      expect(r.code, `${engine}: ${r.stderr}`).toBe(2);
      expect(r.stderr, engine).toContain(`no accepted rows: all 3000 rows rejected (bad_timestamp 3000); see ${s}`);
      // The same file on both sides: the generated side's rows, in --generated-rejects.
      const g = `${dir}/nr-${engine}-generated.jsonl`;
      const q = await runCli('validate', csv, csv, '--source-map', map, '--generated-map', bad, '--engine', engine, '--source-rejects', `${dir}/nr-${engine}-s2.jsonl`, '--generated-rejects', g, '--source-max-reject-ratio', '0.1', '--quiet');
      expect(q.code, `${engine}: ${q.stderr}`).toBe(2);
      expect(q.stderr, engine).toContain(`see ${g}`);
      texts[engine] = readFileSync(s, 'utf8') + readFileSync(g, 'utf8') + readFileSync(`${dir}/nr-${engine}-s2.jsonl`, 'utf8');
    }
    expect(texts.ts.split('\n').length).toBeGreaterThan(6000);
    expect(texts.duckdb).toBe(texts.ts);
  });

  it('an input the TypeScript reader refuses (CR-only line ends): exit 2, saying why it was read again, and no trace written', async () => {
    const cr = `${dir}/cr.csv`;
    writeFileSync(cr, ['t,c,i,o', '1700000000,a,1,2', '1700000001,a,x,4', '1700000002,b,5,6', '1700000003,b,7,8'].join('\r') + '\r');
    const rejects = `${dir}/cr-rejects.jsonl`;
    for (const [cmd, out] of [
      ['ingest', ['--out', `${dir}/cr.parquet`]],
      ['inspect', []],
    ] as const) {
      const r = await runCli(cmd, cr, '--map', map, '--engine', 'duckdb', '--rejects', rejects, '--max-reject-ratio', '0.5', ...out);
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(2);
      expect(r.stderr, cmd).toContain(`--rejects ${rejects}: the DuckDB scan counted 1 rejected row (bad_number 1), but their lines and text come from the TypeScript reader, which cannot read the input: ${cr}:1: the file uses CR-only line ends`);
      expect(r.stderr, cmd).not.toContain('read it with --engine duckdb');
    }
    // The trace is not left behind an exit 2 (the rejects are written before it).
    expect(existsSync(`${dir}/cr.parquet`)).toBe(false);
    expect(existsSync(rejects)).toBe(false);
  });

  it('more than 1 000 000 rejected rows: both engines write the first 1 000 000, the same file, and say so', { timeout: 120_000 }, async () => {
    const many = `${dir}/many.csv`;
    writeFileSync(many, 't,c,i,o\n1700000000,a,1,2\n' + 'x,a,1,2\n'.repeat(1_000_002));
    const texts: string[] = [];
    for (const engine of ['ts', 'duckdb']) {
      const rejects = `${dir}/many-${engine}.jsonl`;
      const r = await runCli('inspect', many, '--map', map, '--engine', engine, '--rejects', rejects, '--max-reject-ratio', '1', '--json');
      expect(r.code, `${engine}: ${r.stderr}`).toBe(0);
      expect(r.stderr, engine).toContain(`note: --rejects ${rejects}: the first 1000000 of 1000002 rejected rows written`);
      texts.push(readFileSync(rejects, 'utf8'));
    }
    expect(texts[0].split('\n')).toHaveLength(1_000_001);
    expect(texts[1] === texts[0]).toBe(true);
  });

  it('no row rejected: an empty file, without reading the input again', async () => {
    const good = `${dir}/good.csv`;
    writeFileSync(good, 't,c,i,o\n1700000000,a,1,2\n1700000001,a,3,4\n1700000002,b,5,6\n');
    const r = await runCli('summarize', good, '--map', map, '--engine', 'duckdb', '--rejects', `${dir}/none.jsonl`, '--out', `${dir}/none.json`);
    expect(r.code).toBe(0);
    expect(readFileSync(`${dir}/none.jsonl`, 'utf8')).toBe('');
    expect(r.stderr).not.toContain('read again');
  });

  it('collectRejects gives ingestFiles’ rejects and counts without keeping accepted rows; a count that differs from the scan’s is a warning', async () => {
    const mapping = parseMapping(JSON.parse(readFileSync(map, 'utf8')), map);
    const full = await ingestFiles({ inputs: [csv], mapping });
    const only = await collectRejects({ inputs: [csv], mapping });
    expect(only.rejects).toEqual(full.rejects);
    expect(only.rejectsByReason).toEqual(full.summary.rejects_by_reason);
    expect(only.rowsRead).toBe(full.summary.rows_read);
    expect(only.rejected).toBe(full.summary.rows_rejected);
    // The scan's counts (DuckDB's) are compared with the reader's.
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      await writeDuckdbRejects(`${dir}/w.jsonl`, [csv], { ...full.summary.rejects_by_reason }, { mapping }, new Reporter(false, false));
      expect(stderr).not.toContain('warning');
      await writeDuckdbRejects(`${dir}/w.jsonl`, [csv], { ...full.summary.rejects_by_reason, bad_number: 1 }, { mapping }, new Reporter(false, false));
      expect(stderr).toContain(`warning: --rejects ${dir}/w.jsonl: the TypeScript reader rejects`);
      expect(stderr).toContain('bad_number 1');
    } finally {
      spy.mockRestore();
    }
    expect(readFileSync(`${dir}/w.jsonl`, 'utf8')).toBe(readFileSync(`${csv}.ts-rejects.jsonl`, 'utf8'));
  });
});
