import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';
import { duckdbUnlessUnreadable } from '../../src/cli/summarize.js';
import { Reporter } from '../../src/cli/progress.js';
import { DuckDbReadError, duckdbReadError } from '../../src/summary/duckdb-errors.js';
import { IngestError } from '../../src/ingest/errors.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { parseMapping } from '../../src/ingest/mapping.js';

const CONV = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

describe('DuckDB engine: inputs its readers cannot take (found by review)', () => {
  it('a truncated gzip file fails (exit 2, naming it), wherever it is cut — DuckDB alone read it as if it ended there', async () => {
    const dir = tempDir();
    const full = gzipSync(readFileSync(CONV));
    // Cuts all over the file: each leaves a last row cut somewhere (some parse as shorter rows).
    for (const share of [0.3, 0.5, 0.71, 0.9, 0.999]) {
      const file = `${dir}/cut-${share}.csv.gz`;
      writeFileSync(file, full.subarray(0, Math.floor(full.length * share)));
      for (const cmd of [['ingest', file, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/x.parquet`], ['fit', file, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/x.json`]]) {
        const r = await runCli(...cmd);
        expect(r.code, `${cmd[0]} ${share}`).toBe(2);
        expect(r.stderr).toContain(`${file}: truncated or corrupt gzip data`);
      }
    }
    // The whole file still reads.
    const whole = `${dir}/whole.csv.gz`;
    writeFileSync(whole, full);
    expect((await runCli('ingest', whole, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/w.parquet`, '--quiet')).code).toBe(0);
  });

  it('a gzip file with zero bytes of padding after its data: DuckDB says so in our words (not "Input is not a GZIP stream"), --engine ts and auto read it', async () => {
    const dir = tempDir();
    const gz = gzipSync(readFileSync(CONV));
    const file = `${dir}/padded.csv.gz`;
    writeFileSync(file, Buffer.concat([gz, Buffer.alloc(512)]));
    const duck = await runCli('summarize', file, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/d.json`);
    expect(duck.code).toBe(2);
    expect(duck.stderr).toContain(`${file}: engine duckdb cannot read a gzip file with 512 zero byte(s) of padding after its gzip data (which ends at byte ${gz.length} of ${gz.length + 512}`);
    expect(duck.stderr).toContain(`head -c ${gz.length} ${file} > fixed.gz`);
    expect(duck.stderr).not.toContain('GZIP stream');
    expect(duck.stderr).not.toMatch(/\n\s+at /);
    for (const engine of ['ts', 'auto']) {
      const r = await runCli('summarize', file, '--preset', 'azure-llm-2023', '--engine', engine, '--out', `${dir}/${engine}.json`, '--quiet');
      expect(r.code, engine).toBe(0);
    }
    // A whole gzip file whose last byte is 0 (its length field) still reads with DuckDB.
    const small = `${dir}/small.csv.gz`;
    const smallGz = gzipSync(readFileSync(CONV, 'utf8').split('\r\n').slice(0, 50).join('\r\n'));
    expect(smallGz[smallGz.length - 1]).toBe(0);
    writeFileSync(small, smallGz);
    expect((await runCli('summarize', small, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/s.json`, '--quiet')).code).toBe(0);
  });

  it('a row with an extra field, bytes that are not UTF-8, a malformed JSON line: exit 2 naming the file, pointing to --engine ts (which counts them as rejects)', async () => {
    const dir = tempDir();
    const lines = readFileSync(CONV, 'utf8').split('\r\n');
    const extra = `${dir}/extra.csv`;
    writeFileSync(extra, [...lines.slice(0, 101), '2023-11-16 18:17:00.00,5,6,7', ...lines.slice(101)].join('\r\n'));
    const enc = `${dir}/enc.csv`;
    writeFileSync(enc, Buffer.concat([Buffer.from('t,c,i\n1,a,2\n2,'), Buffer.from([0xff]), Buffer.from(',3\n3,a,4\n')]));
    const json = `${dir}/bad.jsonl`;
    writeFileSync(json, '{"timestamp":1,"input_length":2,"output_length":3}\n{"timestamp":2,\n{"timestamp":3,"input_length":2,"output_length":3}\n');
    const cases: [string, string[], string][] = [
      [extra, ['--preset', 'azure-llm-2023'], 'wrong_column_count'],
      [enc, ['--map', writeMap(dir)], 'bad_encoding'],
      [json, ['--preset', 'mooncake'], 'unparseable_line'],
    ];
    // summarize --out DIR: only DuckDB writes a directory, so the advice names the .json way.
    const dirOut = await runCli('summarize', extra, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/sdir`);
    expect(dirOut.code).toBe(2);
    expect(dirOut.stderr).toContain('--engine ts reads it (with --out FILE.json)');
    for (const [file, mapping, reason] of cases) {
      const duck = await runCli('inspect', file, ...mapping, '--engine', 'duckdb', '--json');
      expect(duck.code, file).toBe(2);
      expect(duck.stderr).toMatch(new RegExp(`^servegen: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: engine duckdb cannot read .*; --engine ts reads it`, 'm'));
      expect(duck.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const ts = await runCli('inspect', file, ...mapping, '--json', '--max-reject-ratio', '1');
      expect(ts.code, file).toBe(0);
      expect(JSON.parse(ts.stdout).ingest.rejects_by_reason).toHaveProperty(reason);
    }
  });

  it("a CSV starting with '#' lines that is not our trace: DuckDB refuses it (it would cut values at '#'), the TypeScript engine skips those lines (found by review)", async () => {
    const dir = tempDir();
    const file = `${dir}/hash.csv`;
    writeFileSync(file, '# exported by gateway\ntimestamp,client_id,input_tokens,output_tokens\n1.0,a,10,12#\n2.0,c,11,13\n3.0,a,12,14#5\n4.0,a,12,7\n');
    const duck = await runCli('inspect', file, '--preset', 'servegen', '--engine', 'duckdb', '--json', '--max-reject-ratio', '1');
    expect(duck.code).toBe(2);
    expect(duck.stderr).toContain(`${file}: engine duckdb cannot read a CSV that starts with '#' comment lines but is not a servegen trace`);
    const ts = await runCli('inspect', file, '--preset', 'servegen', '--json', '--max-reject-ratio', '1');
    expect(ts.code).toBe(0);
    expect(JSON.parse(ts.stdout).ingest.rejects_by_reason).toEqual({ bad_number: 2 });
  });

  it('without --preset/--map, raw logs are refused even when they have a timestamp column (found by review: Mooncake ms times were read as seconds, exit 0)', async () => {
    const dir = tempDir();
    const file = `${dir}/mc.jsonl`;
    writeFileSync(file, '{"timestamp": 0, "input_length": 5, "output_length": 3}\n{"timestamp": 1500, "input_length": 7, "output_length": 2}\n');
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('ingest', file, '--engine', engine, '--out', `${dir}/x.parquet`);
      expect(r.code, engine).toBe(2);
      expect(r.stderr).toContain('not a servegen trace (no servegen header), and no --preset or --map was given');
      expect((await runCli('ingest', file, '--preset', 'mooncake', '--engine', engine, '--out', `${dir}/x.parquet`, '--quiet')).code, engine).toBe(0);
    }
    // Our own traces need no mapping, in every format; Arrow (TypeScript engine only) gets that message from DuckDB.
    for (const f of ['jsonl', 'csv', 'parquet', 'arrow']) {
      expect((await runCli('ingest', `${dir}/x.parquet`, '--out', `${dir}/o.${f}`, '--quiet')).code, f).toBe(0);
      expect((await runCli('inspect', `${dir}/o.${f}`, '--quiet')).code, f).toBe(0);
    }
    const arrow = await runCli('inspect', `${dir}/o.arrow`, '--engine', 'duckdb');
    expect(arrow.code).toBe(2);
    expect(arrow.stderr).toContain('Arrow IPC input is read by the TypeScript engine only');
  });

  it('time-axis warnings (a row far from the others): the same line from both engines in ingest, inspect and validate; none on the clean trace', async () => {
    const dir = tempDir();
    const lines = readFileSync(CONV, 'utf8').split('\r\n');
    const file = `${dir}/e0.csv`;
    writeFileSync(file, [...lines.slice(0, 1001), '1970-01-01 00:00:00.0000000,10,10', ''].join('\r\n'));
    const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning:'));
    const runs = (engine: string) => [
      ['ingest', file, '--preset', 'azure-llm-2023', '--engine', engine, '--out', `${dir}/e-${engine}.parquet`],
      ['inspect', file, '--preset', 'azure-llm-2023', '--engine', engine],
      ['validate', file, file, '--source-preset', 'azure-llm-2023', '--generated-preset', 'azure-llm-2023', '--engine', engine, '--json', `${dir}/v.json`],
    ];
    const ts = runs('ts');
    const duck = runs('duckdb');
    for (let k = 0; k < ts.length; k++) {
      const a = warnings((await runCli(...ts[k])).stderr);
      const b = warnings((await runCli(...duck[k])).stderr);
      expect(a.length, ts[k][0]).toBeGreaterThan(0);
      expect(a[0]).toContain('1 row (0.10 %, at 1970-01-01T00:00:00Z) lies 53.9 years before the other 1000 rows');
      expect(b, ts[k][0]).toEqual(a);
    }
    expect(warnings((await runCli('inspect', CONV, '--preset', 'azure-llm-2023', '--engine', 'duckdb')).stderr)).toEqual([]);
  });

  it('time-axis warnings in summarize, fit and summarize --out DIR too: the same line from both engines, whichever pass DuckDB takes (one pass in input order, or the table)', async () => {
    const dir = tempDir();
    const lines = readFileSync(CONV, 'utf8').split('\r\n');
    const early = '1970-01-01 00:00:00.0000000,10,10';
    // First: in time order (the one pass); last: out of order (the table).
    const cases = { first: [lines[0], early, ...lines.slice(1, 1001), ''], last: [...lines.slice(0, 1001), early, ''] };
    const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning:'));
    for (const [where, rows] of Object.entries(cases)) {
      const file = `${dir}/${where}.csv`;
      writeFileSync(file, rows.join('\r\n'));
      const ts = await runCli('summarize', file, '--preset', 'azure-llm-2023', '--engine', 'ts', '--out', `${dir}/${where}-ts.json`);
      const a = warnings(ts.stderr);
      expect(a, where).toHaveLength(1);
      expect(a[0]).toContain('1 row (0.10 %, at 1970-01-01T00:00:00Z) lies 53.9 years before the other 1000 rows');
      const duck = await runCli('summarize', file, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/${where}-duck.json`);
      expect(duck.stderr, where).toContain(where === 'first' ? 'one pass in input order' : 'read twice');
      expect(warnings(duck.stderr), where).toEqual(a);
      const fit = await runCli('fit', file, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/${where}-p.json`);
      expect(fit.code).toBe(0);
      expect(warnings(fit.stderr), where).toEqual(a);
      expect(warnings((await runCli('summarize', file, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/${where}-dir`)).stderr), where).toEqual(a);
    }
    // None on the clean trace, decided from the windows without reading the rows again (a
    // stage of its own); the one pass reads them again only when the windows leave room.
    const clean = await runCli('summarize', CONV, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/clean.json`);
    expect(warnings(clean.stderr)).toEqual([]);
    const stages = async (file: string) => {
      const seen: string[] = [];
      const r = await summarizeWithDuckDB([file], loadPreset('azure-llm-2023'), { arrivalSeconds: 600, lengthSeconds: 21600, onStage: (t) => seen.push(t) });
      expect(r.pass).toBe('stream');
      return seen.filter((t) => t.includes('time axis'));
    };
    expect(await stages(CONV)).toEqual([]);
    expect(await stages(`${dir}/first.csv`)).toHaveLength(1);
  });

  it('an empty CSV among several inputs stops both engines alike (found by review: DuckDB skipped it)', async () => {
    const dir = tempDir();
    writeFileSync(`${dir}/empty.csv`, '');
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('inspect', CONV, `${dir}/empty.csv`, '--preset', 'azure-llm-2023', '--engine', engine);
      expect(r.code, engine).toBe(2);
      expect(r.stderr, engine).toContain(`${dir}/empty.csv: empty file (no header row)`);
    }
  });

  it('--engine auto scans again with the TypeScript engine, saying why; --engine duckdb and other errors stand', async () => {
    const lines: string[] = [];
    const rep = new Reporter(false);
    rep.info = (t: string) => {
      lines.push(t);
    };
    const unreadable = () => Promise.reject(new DuckDbReadError('x.csv: engine duckdb cannot read a row with 4 fields where the header has 3; --engine ts reads it and counts such rows as rejects', 'x.csv'));
    expect(await duckdbUnlessUnreadable('auto', rep, unreadable)).toBe(false);
    expect(lines).toEqual(['x.csv: engine duckdb cannot read a row with 4 fields where the header has 3: scanning with the TypeScript engine instead (--engine auto)']);
    await expect(duckdbUnlessUnreadable('duckdb', rep, unreadable)).rejects.toBeInstanceOf(DuckDbReadError);
    await expect(duckdbUnlessUnreadable('auto', rep, () => Promise.reject(new IngestError('x.csv: no accepted rows')))).rejects.toThrow('no accepted rows');
    expect(await duckdbUnlessUnreadable('auto', rep, () => Promise.resolve())).toBe(true);
  });

  it('failures that are not about the rows (out of memory, IO) are no DuckDbReadError: --engine auto does not rescan in memory, no hint to --engine ts (found by review)', async () => {
    const rep = new Reporter(true);
    for (const message of [
      'Out of Memory Error: could not allocate block of size 256.0 KiB (0 bytes/97.6 KiB used)',
      'IO Error: Could not write file "/tmp/duckdb.tmp/duckdb_temp_storage-0.tmp": No space left on device',
    ]) {
      const e = duckdbReadError(new Error(message), ['big.parquet']);
      expect(e, message).not.toBeInstanceOf(DuckDbReadError);
      expect(e.message).toBe(`big.parquet: engine duckdb: ${message}`);
      await expect(duckdbUnlessUnreadable('auto', rep, () => Promise.reject(e))).rejects.toBe(e);
    }
    // Reader problems still are.
    expect(duckdbReadError(new Error('Invalid Input Error: Malformed JSON in file "a.jsonl", at byte 3 in line 2: unexpected end of data.'), ['a.jsonl'])).toBeInstanceOf(DuckDbReadError);
    expect(duckdbReadError(new Error('Invalid Input Error: JSON transform error in file "a.jsonl", in line 3: Failed to cast value to numerical: "x"'), ['a.jsonl'])).toBeInstanceOf(DuckDbReadError);
  });
});

function writeMap(dir: string): string {
  const path = `${dir}/map.json`;
  writeFileSync(path, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }));
  return path;
}

describe('DuckDB engine: Parquet inputs whose column types differ (found by the input audit)', () => {
  it('numbers in one file and TIMESTAMP in another: a read error naming the column types (auto retries with ts), not a bare Conversion Error', async () => {
    const dir = tempDir();
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT 1 AS ts, 'a' AS client) TO '${dir}/numbers.parquet'`);
    await con.run(`COPY (SELECT TIMESTAMP '2024-01-01 00:00:00' AS ts, 'b' AS client) TO '${dir}/times.parquet'`);
    con.closeSync();
    db.closeSync();
    const files = [`${dir}/numbers.parquet`, `${dir}/times.parquet`];
    const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: 'client' } }, 'm');
    const err = await summarizeWithDuckDB(files, mapping, { arrivalSeconds: 600, lengthSeconds: 21600 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuckDbReadError);
    expect((err as Error).message).toContain(`${files.join(', ')}: engine duckdb cannot read a column typed differently in different files (DuckDB cannot cast INTEGER -> TIMESTAMP); --engine ts`);
  });
});

describe('DuckDB engine: malformed JSON lines are named by the line the TypeScript engine rejects (found by the input audit)', () => {
  it('an object left open on line 1 (DuckDB stops on line 2), blank lines before a bad one, a gzip file', async () => {
    const dir = tempDir();
    const spec = { columns: { timestamp: 'ts', input_tokens: 'in' }, timestamp: { unit: 's' } };
    const mapping = parseMapping(spec, 'm');
    writeFileSync(`${dir}/m.json`, JSON.stringify(spec));
    const cases: [string, string | Buffer, RegExp][] = [
      ['open.jsonl', '{"ts":1,"in":5\n{"ts":2,"in":6}\n', /malformed JSON at line 1 \(/],
      ['blank.jsonl', '{"ts":1,"in":5}\n\n\n{"ts":2,"in":\n{"ts":3,"in":7}\n', /malformed JSON at line 4 \(/],
      ['gz.jsonl.gz', gzipSync('{"ts":1,"in":5}\r\n{"ts":2,"in":}\r\n{"ts":3,"in":1}\r\n'), /malformed JSON at line 2 \(/],
    ];
    for (const [name, body, expected] of cases) {
      const file = `${dir}/${name}`;
      writeFileSync(file, body);
      const err = await summarizeWithDuckDB([file], mapping, { arrivalSeconds: 600, lengthSeconds: 21600 }).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(DuckDbReadError);
      expect((err as Error).message, name).toMatch(expected);
      // The TypeScript engine's reject names the same line.
      const line = Number(/line (\d+)/.exec((err as Error).message)![1]);
      const r = await runCli('ingest', file, '--map', `${dir}/m.json`, '--engine', 'ts', '--out', `${dir}/t.jsonl`, '--rejects', `${dir}/rej.jsonl`, '--max-reject-ratio', '1', '--quiet');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(`${dir}/rej.jsonl`, 'utf8').split('\n')[0]).line, name).toBe(line);
    }
  });

  it('a repeated key: the hint says the TypeScript engine keeps its last value (it said ts counts such rows as rejects)', async () => {
    const dir = tempDir();
    writeFileSync(`${dir}/dup.jsonl`, '{"ts":1,"ts":5,"in":3}\n{"ts":2,"in":4}\n');
    const mapping = parseMapping({ columns: { timestamp: 'ts', input_tokens: 'in' }, timestamp: { unit: 's' } }, 'm');
    const err = await summarizeWithDuckDB([`${dir}/dup.jsonl`], mapping, { arrivalSeconds: 600, lengthSeconds: 21600 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuckDbReadError);
    expect((err as Error).message).toMatch(/has duplicate key "ts"; --engine ts reads it, keeping the last value of a repeated key$/);
  });
});


describe('DuckDB engine: gzip-compressed Parquet (found by review)', () => {
  it('is refused by name with the way around (was DuckDB\'s "No magic bytes found at end of file"); the TypeScript engine reads it', async () => {
    const dir = tempDir();
    const pq = `${dir}/t.parquet`;
    expect((await runCli('ingest', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), '--preset', 'burstgpt', '--out', pq, '--quiet')).code).toBe(0);
    const gz = `${dir}/t.parquet.gz`;
    writeFileSync(gz, gzipSync(readFileSync(pq)));
    const message = `servegen: ${gz}: engine duckdb cannot read gzip-compressed Parquet (Parquet is compressed inside: gunzip it); --engine ts reads it\n`;
    for (const cmd of [['ingest', gz, '--out', `${dir}/x.parquet`], ['fit', gz, '--out', `${dir}/x.json`], ['summarize', gz, '--out', `${dir}/s.json`]]) {
      const r = await runCli(...cmd, '--engine', 'duckdb', '--quiet');
      expect(r.code, cmd[0]).toBe(2);
      expect(r.stderr, cmd[0]).toBe(message);
    }
    const toDir = await runCli('summarize', gz, '--out', `${dir}/sdir`, '--engine', 'duckdb', '--quiet');
    expect(toDir.stderr).toBe(message.replace('--engine ts reads it', '--engine ts reads it (with --out FILE.json)'));
    expect((await runCli('ingest', gz, '--out', `${dir}/y.parquet`, '--quiet')).code).toBe(0);
  });
});

describe('DuckDB engine: a file read as Parquet that is none (found by review)', () => {
  it('is named as the TypeScript engine names it (was DuckDB\'s "No magic bytes found at end of file")', async () => {
    const dir = tempDir();
    const csv = `${dir}/log.csv`;
    writeFileSync(csv, 'timestamp,client_id\n1,a\n2,a\n');
    const map = `${dir}/m.json`;
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'timestamp', client_id: 'client_id' }, timestamp: { unit: 's' } }));
    const ts = await runCli('ingest', csv, '--map', map, '--format', 'parquet', '--out', `${dir}/x.parquet`, '--quiet');
    expect(ts.stderr).toMatch(/not a readable Parquet file/);
    const r = await runCli('ingest', csv, '--map', map, '--format', 'parquet', '--out', `${dir}/x.parquet`, '--engine', 'duckdb', '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${csv}: not a readable Parquet file (it does not start with PAR1)\n`);
  });
});
