import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

// Left by the twentieth session's new-user audit, fixed after it.
describe('the audit\'s small ones', () => {
  it('help with an unknown command names it and lists the commands (it printed the whole help, exit 2)', async () => {
    const r = await runCli('help', 'nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('servegen: help nope: no such command; the commands are ingest, summarize, sql, fit, validate, roundtrip, run, fidelity-table, capacity, import-servegen, export-servegen, generate, inspect\n');
    const ok = await runCli('help', 'fit');
    expect(ok.code).toBe(0);
  });

  it('a pattern under a directory that is not there says so (it said "matches no files (in logz)")', async () => {
    const dir = tempDir();
    const r = await runCli('ingest', join(dir, 'logz', '*.csv.gz'), '--preset', 'azure-llm-2023', '--out', join(dir, 't.parquet'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${join(dir, 'logz', '*.csv.gz')}: no such directory ${join(dir, 'logz')} (the pattern matches no files)\n`);
    const none = await runCli('ingest', join(dir, '*.csv'), '--preset', 'azure-llm-2023', '--out', join(dir, 't.parquet'));
    expect(none.stderr).toBe(`servegen: ${join(dir, '*.csv')}: pattern matches no files (in ${dir})\n`);
  });
});

// Left by the thirty-fourth session's audits.
describe('the thirty-fourth session\'s audit leftovers', () => {
  it('a mapping listing the timestamp as optional is refused by name (a log without the column said "no accepted rows" about every row)', async () => {
    const dir = tempDir();
    const map = join(dir, 'gw.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', input_tokens: 'in' }, optional: ['timestamp'] }));
    const log = join(dir, 'log.csv');
    writeFileSync(log, 'in\n5\n6\n');
    const r = await runCli('ingest', log, '--map', map, '--out', join(dir, 't.parquet'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${map}: optional: timestamp cannot be optional: every row needs its arrival time (a row without one is rejected as missing_timestamp)\n`);
  });
});

describe('a profile whose windows leave its span', () => {
  it('is refused naming the window (one wholly before span.start or after span.end is never drawn; an audit leftover)', async () => {
    const dir = tempDir();
    const log = join(dir, 'log.csv');
    writeFileSync(log, 'timestamp,client_id,input_tokens,output_tokens\n' + Array.from({ length: 200 }, (_, i) => `${i * 7},a,${10 + i},${20 + i}`).join('\n') + '\n');
    const profile = join(dir, 'p.json');
    expect((await runCli('fit', log, '--preset', 'servegen', '--out', profile, '--quiet')).code).toBe(0);
    const doc = JSON.parse(readFileSync(profile, 'utf8'));
    expect((await runCli('generate', profile, '--duration', '60', '--out', join(dir, 'ok.jsonl'), '--quiet')).code).toBe(0);
    const before = join(dir, 'before.json');
    writeFileSync(before, JSON.stringify({ ...doc, clients: [{ ...doc.clients[0], arrivals: [{ ...doc.clients[0].arrivals[0], start: doc.span.start - 700 }, ...doc.clients[0].arrivals.slice(1)] }] }));
    const r = await runCli('generate', before, '--duration', '60', '--out', join(dir, 'g.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${before}: clients[0].arrivals[0].start: ${doc.span.start - 700} is a window of 600 s that ends before span.start (${doc.span.start}), so it is never drawn\n`);
    const after = join(dir, 'after.json');
    const n = doc.clients[0].lengths.length;
    writeFileSync(after, JSON.stringify({ ...doc, clients: [{ ...doc.clients[0], lengths: [...doc.clients[0].lengths, { ...doc.clients[0].lengths[n - 1], start: doc.span.end + 100 }] }] }));
    const a = await runCli('inspect', after);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe(`servegen: ${after}: clients[0].lengths[${n}].start: ${doc.span.end + 100} is after span.end (${doc.span.end}), so the window is never drawn\n`);
  });
});
