import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

// Found by review: `fit --out p.JSON.GZ` wrote plain JSON, `--report r.html.gz` and `--rejects
// r.jsonl.gz` plain text, under gzip names; `summarize --out part.json.gz --engine duckdb` made a
// directory of that name.
const CONV = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

describe('outputs named .gz', () => {
  it('a profile named .GZ (any case) is gzipped', async () => {
    const dir = tempDir();
    const out = join(dir, 'p.JSON.GZ');
    expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', out, '--quiet')).code).toBe(0);
    const bytes = readFileSync(out);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect((await runCli('inspect', out)).code).toBe(0);
  });

  it('a report, rejects or summaries output named .gz is refused (exit 2, nothing written)', async () => {
    const dir = tempDir();
    for (const [args, message] of [
      [['fit', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 'p.json'), '--report', join(dir, 'r.html.gz')], `--report ${join(dir, 'r.html.gz')}: written uncompressed; name it without .gz (only a profile, fit --out *.json.gz, is written gzipped)`],
      [['fit', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 'p.json'), '--rejects', join(dir, 'r.jsonl.gz')], `--rejects ${join(dir, 'r.jsonl.gz')}: written uncompressed`],
      [['summarize', CONV, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', join(dir, 's.json.gz')], `--out ${join(dir, 's.json.gz')}: summarize does not compress; give a .json file (or a directory with --engine duckdb)`],
      [['summarize', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 's.json.gz')], 'summarize does not compress'],
      [['inspect', CONV, '--preset', 'azure-llm-2023', '--rejects', join(dir, 'r.jsonl.gz')], `--rejects ${join(dir, 'r.jsonl.gz')}: written uncompressed`],
      [['ingest', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 't.jsonl'), '--summary', join(dir, 's.json.gz')], `--summary ${join(dir, 's.json.gz')}: written uncompressed`],
      [['validate', CONV, CONV, '--source-preset', 'azure-llm-2023', '--generated-preset', 'azure-llm-2023', '--json', join(dir, 'v.json.gz')], `--json ${join(dir, 'v.json.gz')}: written uncompressed`],
    ] as const) {
      const r = await runCli(...args, '--quiet');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
    for (const f of ['p.json', 'r.html.gz', 'r.jsonl.gz', 's.json.gz', 't.jsonl', 'v.json.gz']) expect(existsSync(join(dir, f)), f).toBe(false);
  });
});

describe('outputs named .zst (zstd is read, not written)', () => {
  it('are refused by every command, --out included (fit --out p.json.zst wrote plain JSON); nothing written', async () => {
    const dir = tempDir();
    const written = 'written uncompressed (servegen reads zstd but writes none); name it without .';
    for (const [args, message] of [
      [['fit', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 'p.json.zst')], `--out ${join(dir, 'p.json.zst')}: ${written}zst (a profile may be fit --out *.json.gz)`],
      [['fit', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 'p.json'), '--report', join(dir, 'r.html.ZSTD')], `--report ${join(dir, 'r.html.ZSTD')}: ${written}ZSTD`],
      [['summarize', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 's.json.zst')], `--out ${join(dir, 's.json.zst')}: ${written}zst`],
      [['validate', CONV, CONV, '--source-preset', 'azure-llm-2023', '--generated-preset', 'azure-llm-2023', '--json', join(dir, 'v.json.zst')], `--json ${join(dir, 'v.json.zst')}: ${written}zst`],
      [['inspect', CONV, '--preset', 'azure-llm-2023', '--rejects', join(dir, 'r.jsonl.zst')], `--rejects ${join(dir, 'r.jsonl.zst')}: ${written}zst`],
    ] as const) {
      const r = await runCli(...args, '--quiet');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
    for (const f of ['p.json.zst', 'p.json', 'r.html.ZSTD', 's.json.zst', 'v.json.zst', 'r.jsonl.zst']) expect(existsSync(join(dir, f)), f).toBe(false);
  });
});

describe('outputs named for another format (found by review: validate --report out.json wrote HTML, fit --out p.parquet JSON)', () => {
  it('are refused before anything is read or written (exit 2)', async () => {
    const dir = tempDir();
    for (const [args, message] of [
      [['validate', CONV, CONV, '--source-preset', 'azure-llm-2023', '--generated-preset', 'azure-llm-2023', '--report', join(dir, 'out.json')], `--report ${join(dir, 'out.json')}: written as an HTML report, which the name does not say; name it .html`],
      [['validate', CONV, CONV, '--source-preset', 'azure-llm-2023', '--generated-preset', 'azure-llm-2023', '--json', join(dir, 'out.HTML')], `--json ${join(dir, 'out.HTML')}: written as JSON, which the name does not say; name it .json`],
      [['fit', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 'p.parquet')], `--out ${join(dir, 'p.parquet')}: a profile is JSON; name it .json (or .json.gz, gzipped)`],
      [['fit', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 'p.json'), '--report', join(dir, 'r.md')], `--report ${join(dir, 'r.md')}: written as an HTML report`],
      [['fidelity-table', join(dir, 'x.json'), '--md', join(dir, 't.html')], `--md ${join(dir, 't.html')}: written as a markdown table, which the name does not say; name it .md`],
      [['capacity', CONV, '--source-preset', 'azure-llm-2023', '--json', join(dir, 'c.csv')], `--json ${join(dir, 'c.csv')}: written as JSON`],
    ] as const) {
      const r = await runCli(...args, '--quiet');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
    for (const f of ['out.json', 'out.HTML', 'p.parquet', 'p.json', 'r.md', 't.html', 'c.csv']) expect(existsSync(join(dir, f)), f).toBe(false);
  });
});

describe('--rejects naming an input (review: inspect and roundtrip replaced the log by its empty rejects)', () => {
  it('is refused by inspect and roundtrip, and the input is kept', async () => {
    const dir = tempDir();
    const log = join(dir, 'log.csv');
    const text = readFileSync(CONV, 'utf8');
    writeFileSync(log, text);
    for (const args of [
      ['inspect', log, '--preset', 'azure-llm-2023', '--rejects', log],
      ['roundtrip', log, '--preset', 'azure-llm-2023', '--rejects', log, '--out', join(dir, 'rt')],
    ]) {
      const r = await runCli(...args, '--quiet');
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr, args[0]).toContain(`--rejects ${log} is the same file as input ${log}: writing it would replace that; give another name`);
      expect(readFileSync(log, 'utf8') === text, args[0]).toBe(true);
    }
  });
});
