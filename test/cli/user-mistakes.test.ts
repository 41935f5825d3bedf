import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';
import { mismatchNotes } from '../../src/cli/validate.js';
import type { FidelityReport } from '../../src/validate/validate.js';

// Mistakes a new user makes, found by a review that followed the README: each is exit 2 with
// one line naming the file or flag and what to do, never a stack trace.

const CONV = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
const ROOT = join(import.meta.dirname, '..', '..');

let dir: string;
let profile: string;
let trace: string;
let summaries: string;

beforeAll(async () => {
  dir = tempDir();
  profile = join(dir, 'profile.json');
  trace = join(dir, 'conv.parquet');
  summaries = join(dir, 'part-1.json');
  for (const args of [
    ['fit', CONV, '--preset', 'azure-llm-2023', '--out', profile],
    ['ingest', CONV, '--preset', 'azure-llm-2023', '--out', trace],
    ['summarize', trace, '--out', summaries],
    ['generate', profile, '--duration', '600', '--out', join(dir, 'g.jsonl')],
  ]) {
    expect((await runCli(...args, '--quiet')).code, args[0]).toBe(0);
  }
});

async function expectOneLineError(args: string[], message: string | RegExp): Promise<void> {
  const r = await runCli(...args, '--quiet');
  expect(r.code, args.join(' ')).toBe(2);
  if (typeof message === 'string') expect(r.stderr, args.join(' ')).toContain(message);
  else expect(r.stderr, args.join(' ')).toMatch(message);
  expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
}

describe('a file of the wrong kind is named as what it is', () => {
  it('a profile or summaries where a trace goes (fit, summarize, validate, inspect of raw)', async () => {
    await expectOneLineError(['fit', profile, '--out', join(dir, 'x.json')], `${profile}: a servegen profile, not a trace (servegen inspect ${profile} describes it`);
    await expectOneLineError(['fit', profile, '--out', join(dir, 'x.json'), '--engine', 'duckdb'], `${profile}: a servegen profile, not a trace`);
    await expectOneLineError(['fit', summaries, '--out', join(dir, 'x.json')], `${summaries}: servegen window summaries, not a trace (fit them with servegen fit --summaries ${summaries}`);
    await expectOneLineError(['validate', trace, profile], `${profile}: a servegen profile, not a trace`);
    await expectOneLineError(['summarize', profile, '--out', join(dir, 'x.json')], `${profile}: a servegen profile, not a trace`);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });

  it('a profile given with --preset (either engine) is still named as a profile (review: it said the preset\'s columns were not in "the first row", an arrival window)', async () => {
    for (const engine of ['ts', 'duckdb']) {
      await expectOneLineError(['fit', profile, '--preset', 'azure-llm-2023', '--engine', engine, '--out', join(dir, 'x.json')], `${profile}: a servegen profile, not a trace (servegen inspect ${profile} describes it`);
      await expectOneLineError(['fit', profile, '--preset', 'mooncake', '--engine', engine, '--out', join(dir, 'x.json')], `${profile}: a servegen profile, not a trace`);
      await expectOneLineError(['summarize', summaries, '--preset', 'mooncake', '--engine', engine, '--out', join(dir, 'x.json')], `${summaries}: servegen window summaries, not a trace`);
    }
    // inspect reads a profile: it says to drop the flag, not to run inspect (found by a later walkthrough).
    await expectOneLineError(['inspect', profile, '--preset', 'mooncake'], `${profile}: a servegen profile: inspect reads it without --preset (a mapping is for raw logs): servegen inspect ${profile}`);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });

  it('a trace or summaries where a profile goes (generate, export-servegen)', async () => {
    await expectOneLineError(['generate', trace, '--duration', '60', '--out', join(dir, 'x.jsonl')], `${trace}: a trace (parquet), not a profile: fit one first (servegen fit ${trace} --out profile.json)`);
    await expectOneLineError(['generate', join(dir, 'g.jsonl'), '--duration', '60', '--out', join(dir, 'x.jsonl')], `${join(dir, 'g.jsonl')}: a trace, not a profile`);
    await expectOneLineError(['generate', summaries, '--duration', '60', '--out', join(dir, 'x.jsonl')], `${summaries}: servegen window summaries, not a profile: fit them first`);
    await expectOneLineError(['export-servegen', trace, '--out', join(dir, 'pool')], `${trace}: a trace (parquet), not a profile`);
    expect(existsSync(join(dir, 'x.jsonl'))).toBe(false);
  });
});

describe('a mapping naming a key that no JSON line has', () => {
  it('is a missing column in both engines (exit 2, no output), as in a CSV header; a key some rows lack stays absent', async () => {
    const f = join(dir, 'mc.jsonl');
    writeFileSync(f, '{"timestamp": 0, "input_length": 5, "output_length": 3}\n{"timestamp": 1500, "input_length": 7, "output_length": 2, "extra": 1}\n');
    const map = join(dir, 'mc-map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'timestamp', input_tokens: 'input_len', output_tokens: 'output_length' } }));
    for (const engine of ['ts', 'duckdb']) {
      await expectOneLineError(['ingest', f, '--map', map, '--engine', engine, '--out', join(dir, 'mc.parquet')], `${f}: mapping names column "input_len" not in`);
      expect(existsSync(join(dir, 'mc.parquet'))).toBe(false);
    }
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'timestamp', input_tokens: 'input_length', output_tokens: 'extra' } }));
    for (const engine of ['ts', 'duckdb']) expect((await runCli('ingest', f, '--map', map, '--engine', engine, '--out', join(dir, `mc-${engine}.parquet`), '--quiet')).code, engine).toBe(0);
  });
});

describe('a mapping whose dotted path has a typo below an existing key', () => {
  it('is refused in both engines for JSON lines and Parquet structs (exit 2, no output); optional fields and paths some rows have stay absent', { timeout: 60_000 }, async () => {
    const f = join(dir, 'usage.jsonl');
    writeFileSync(f, '{"t": 0, "usage": {"prompt_tokens": 5, "completion_tokens": 3}}\n{"t": 2, "usage": {"prompt_tokens": 7, "completion_tokens": 2, "details": {"reasoning": 1}}}\n');
    const pq = join(dir, 'usage.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT * FROM read_json_auto('${f}')) TO '${pq}' (FORMAT parquet)`);
    con.closeSync();
    db.closeSync();
    const map = join(dir, 'usage-map.json');
    const columns = { timestamp: 't', input_tokens: 'usage.prompt_tokns', output_tokens: 'usage.completion_tokens' };
    writeFileSync(map, JSON.stringify({ columns, timestamp: { unit: 's' } }));
    for (const input of [f, pq]) {
      for (const engine of ['ts', 'duckdb']) {
        await expectOneLineError(['ingest', input, '--map', map, '--engine', engine, '--out', join(dir, 'u.parquet')], `${input}: mapping reads input_tokens from "usage.prompt_tokns", a path no row of the file has ("usage" is there, "prompt_tokns" inside it is not)`);
        expect(existsSync(join(dir, 'u.parquet'))).toBe(false);
      }
    }
    writeFileSync(map, JSON.stringify({ columns, timestamp: { unit: 's' }, optional: ['input_tokens'] }));
    for (const input of [f, pq]) for (const engine of ['ts', 'duckdb']) expect((await runCli('ingest', input, '--map', map, '--engine', engine, '--out', join(dir, 'o.parquet'), '--quiet')).code, `${input} ${engine}`).toBe(0);
    // A path only some rows have is an absent value in the others.
    writeFileSync(map, JSON.stringify({ columns: { ...columns, input_tokens: 'usage.prompt_tokens', reasoning_tokens: 'usage.details.reasoning' }, timestamp: { unit: 's' } }));
    for (const input of [f, pq]) for (const engine of ['ts', 'duckdb']) expect((await runCli('ingest', input, '--map', map, '--engine', engine, '--out', join(dir, 'r.parquet'), '--quiet')).code, `${input} ${engine}`).toBe(0);
  });
});

describe('a mapping with a key twice (JSON.parse keeps the last without a word)', () => {
  it('is refused in both engines by file, line and key, at any depth; distinct keys and presets load', async () => {
    const f = join(dir, 'dup.jsonl');
    writeFileSync(f, '{"timestamp": 0, "a": 5, "b": 3}\n');
    const map = join(dir, 'dup-map.json');
    const cases: [string, string][] = [
      ['{\n  "columns": {\n    "timestamp": "timestamp",\n    "input_tokens": "a",\n    "input_tokens": "b"\n  }\n}\n', `${map}:5:5: key "input_tokens" appears twice in columns (JSON keeps only the last one); remove one of them`],
      ['{"columns": {"timestamp": "timestamp", "input_tokens": "a"}, "optional": ["client_id"], "columns": {"timestamp": "timestamp"}}', `${map}:1:89: key "columns" appears twice in the top level`],
      ['{"columns": {"timestamp": "timestamp", "input_tokens": {"coalesce": ["a"], "coalesce": ["b"]}}}', `${map}:1:76: key "coalesce" appears twice in columns.input_tokens`],
      ['{"columns": {"timestamp": "timestamp", "input_tokens": "a", "input_\\u0074okens": "b"}}', 'key "input_tokens" appears twice in columns'],
    ];
    for (const [text, message] of cases) {
      writeFileSync(map, text);
      for (const engine of ['ts', 'duckdb']) {
        await expectOneLineError(['ingest', f, '--map', map, '--engine', engine, '--out', join(dir, 'dup.parquet')], message);
        expect(existsSync(join(dir, 'dup.parquet'))).toBe(false);
      }
    }
    // The same key in two different objects, and keys inside strings, are not duplicates.
    writeFileSync(map, '{"description": "a, \\"timestamp\\": b", "columns": {"timestamp": "timestamp", "input_tokens": {"coalesce": ["a", "b"]}, "output_tokens": {"coalesce": ["b"]}}, "timestamp": {"unit": "s"}}');
    expect((await runCli('ingest', f, '--map', map, '--out', join(dir, 'dup.parquet'), '--quiet')).code).toBe(0);
    expect((await runCli('ingest', '--list-presets')).code).toBe(0);
  });
});

describe('a misspelt required option, and an option that would do nothing', () => {
  it('is named as unknown, with the nearest flag (it said the required option was not specified); fit --seed without --dp-epsilon is refused', async () => {
    for (const args of [
      ['generate', profile, '--duraton', '60', '--out', join(dir, 'x.jsonl')],
      ['generate', profile, '--duraton=60', '--out', join(dir, 'x.jsonl')],
      ['fit', trace, '--otu', join(dir, 'p.json')],
    ]) {
      const r = await runCli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^error: unknown option '--(duraton|otu)'\n\(Did you mean --(duration|out)\?\)/);
    }
    // So was --duckdb-memory with the TypeScript engine (the default).
    for (const args of [['ingest', trace, '--out', join(dir, 'x.parquet')], ['fit', trace, '--out', join(dir, 'p.json')], ['inspect', trace], ['summarize', trace, '--out', join(dir, 's.json')], ['validate', trace, join(dir, 'g.jsonl')]]) {
      await expectOneLineError([...args, '--duckdb-memory', '256MB'], '--duckdb-memory 256MB: the DuckDB memory limit applies with --engine duckdb');
    }
    expect((await runCli('inspect', trace, '--engine', 'duckdb', '--duckdb-memory', '256MB', '--quiet')).code).toBe(0);
    // fit --seed without --dp-epsilon was taken and did nothing.
    await expectOneLineError(['fit', trace, '--seed', '3', '--out', join(dir, 'p.json')], '--seed seeds only the --dp-epsilon noise');
    const r = await runCli('generate', profile, '--out', join(dir, 'x.jsonl'));
    expect(r.stderr).toMatch(/^error: required option '--duration <seconds>' not specified/);
    expect(existsSync(join(dir, 'x.jsonl'))).toBe(false);
  });
});

describe('generate --format against an output name of another format', () => {
  it('is refused before writing (CSV under a .jsonl name was then read as JSON lines by every reader); a name of no known format, or a Mooncake replay as .jsonl, is written', async () => {
    await expectOneLineError(['generate', profile, '--duration', '60', '--format', 'csv', '--out', join(dir, 'f.jsonl')], `--format csv: --out ${JSON.stringify(join(dir, 'f.jsonl'))} is named as jsonl, and every reader would take it for jsonl; name it ${JSON.stringify(join(dir, 'f.csv'))}, or drop --format`);
    await expectOneLineError(['generate', profile, '--duration', '60', '--format', 'mooncake', '--out', join(dir, 'f.parquet')], `name it ${JSON.stringify(join(dir, 'f.jsonl'))}`);
    await expectOneLineError(['generate', profile, '--duration', '60', '--format', 'vidur', '--out', join(dir, 'f.jsonl')], `name it ${JSON.stringify(join(dir, 'f.csv'))}`);
    expect(existsSync(join(dir, 'f.jsonl')) || existsSync(join(dir, 'f.parquet'))).toBe(false);
    for (const [format, name] of [['mooncake', 'f.jsonl'], ['vidur', 'v.csv'], ['csv', 'f.txt'], ['jsonl', 'f.ndjson']]) {
      expect((await runCli('generate', profile, '--duration', '60', '--format', format, '--out', join(dir, name), '--quiet')).code, name).toBe(0);
    }
  });
});

describe('a TSV read as CSV (or the reverse)', () => {
  it('says which delimiter the header has and the --format to give, in both engines', async () => {
    const f = join(dir, 'conv.txt');
    writeFileSync(f, 'TIMESTAMP\tContextTokens\tGeneratedTokens\n2023-11-16 18:15:46.6805900\t374\t44\n');
    for (const engine of ['ts', 'duckdb']) {
      await expectOneLineError(['ingest', f, '--preset', 'azure-llm-2023', '--engine', engine, '--out', join(dir, 'x.parquet')], /not in the (header|input) \(columns: "TIMESTAMP\\tContextTokens\\tGeneratedTokens"\); the header is tab-separated: give --format tsv\n$/);
    }
    expect((await runCli('ingest', f, '--preset', 'azure-llm-2023', '--format', 'tsv', '--out', join(dir, 'x.parquet'), '--quiet')).code).toBe(0);
    await expectOneLineError(['ingest', CONV, '--preset', 'azure-llm-2023', '--format', 'tsv', '--out', join(dir, 'y.parquet')], /; the header is comma-separated: give --format csv\n$/);
  });

  it('a semicolon- or pipe-separated file is named as such, with the mapping key that reads it (it listed one column and no more)', async () => {
    for (const [d, name] of [[';', 'semicolon'], ['|', 'pipe']]) {
      const f = join(dir, `conv-${name}.csv`);
      writeFileSync(f, `TIMESTAMP${d}ContextTokens${d}GeneratedTokens\n2023-11-16 18:15:46.6805900${d}374${d}44\n`);
      for (const engine of ['ts', 'duckdb']) {
        await expectOneLineError(['ingest', f, '--preset', 'azure-llm-2023', '--engine', engine, '--out', join(dir, 'x.parquet')], `; the header is ${name}-separated: give "delimiter": "${d}" in a mapping file (--map; the presets' are in presets/)\n`);
      }
    }
  });
});

describe('hand-written JSON files with a syntax error are named by line and column, not character position', () => {
  it('--thresholds and a --rate file (they said "at position 15")', async () => {
    const th = join(dir, 'th-broken.json');
    writeFileSync(th, '{"aggregate": {"iat_ks": 0.1}\n');
    await expectOneLineError(['validate', trace, trace, '--thresholds', th], `${th}:2:1: invalid JSON (Expected ',' or '}' after property value); thresholds are a JSON file like docs/thresholds.json`);
    const rate = join(dir, 'rate-broken.json');
    writeFileSync(rate, '\uFEFF[[0, 1],\n [600 2]]\n');
    await expectOneLineError(['generate', profile, '--duration', '60', '--rate', rate, '--out', join(dir, 'x.jsonl')], `${rate}:2:7: invalid JSON (Expected ',' or ']' after array element)`);
    expect(existsSync(join(dir, 'x.jsonl'))).toBe(false);
  });
});

describe('unreadable files are explained in words, not errno codes', () => {
  it('missing files and directories', async () => {
    mkdirSync(join(dir, 'adir'), { recursive: true });
    await expectOneLineError(['generate', join(dir, 'nope.json'), '--duration', '60', '--out', join(dir, 'x.jsonl')], `${join(dir, 'nope.json')}: cannot read profile (no such file)`);
    await expectOneLineError(['generate', join(dir, 'adir'), '--duration', '60', '--out', join(dir, 'x.jsonl')], `${join(dir, 'adir')}: cannot read profile (is a directory)`);
    await expectOneLineError(['validate', trace, trace, '--thresholds', join(dir, 'nope.json')], `${join(dir, 'nope.json')}: cannot read thresholds (no such file)`);
    await expectOneLineError(['ingest', CONV, '--map', join(dir, 'adir'), '--out', join(dir, 'x.parquet')], `${join(dir, 'adir')}: cannot read mapping file (is a directory)`);
    await expectOneLineError(['run', join(dir, 'nope.json')], `${join(dir, 'nope.json')}: cannot read pipeline (no such file)`);
  });
});

describe('a new user\'s walkthrough: settings files, empty files and missing paths are named as such', () => {
  it('a mapping, pipeline spec, thresholds file or JSON array where a profile goes says what it is (it said `format is "csv"`, `format is undefined`)', async () => {
    const out = ['--duration', '60', '--out', join(dir, 'x.jsonl')];
    const mapping = join(ROOT, 'presets', 'burstgpt.json');
    await expectOneLineError(['generate', mapping, ...out], `${mapping}: a mapping file (for --map), not a servegen profile (servegen fit or import-servegen writes one)`);
    const pipeline = join(ROOT, 'pipelines', 'main-job.json');
    await expectOneLineError(['generate', pipeline, ...out], `${pipeline}: a pipeline spec (for servegen run), not a servegen profile`);
    const thresholds = join(ROOT, 'docs', 'thresholds.json');
    await expectOneLineError(['inspect', thresholds], `${thresholds}: a thresholds file (for validate --thresholds), not a servegen profile`);
    const arr = join(dir, 'arr.json');
    writeFileSync(arr, '[1, 2]\n');
    await expectOneLineError(['generate', arr, ...out], `${arr}: a JSON array, not a servegen profile`);
    const other = join(dir, 'other.json');
    writeFileSync(other, '{"a": 1}\n');
    await expectOneLineError(['generate', other, ...out], `${other}: not a servegen profile (no "format" key, expected "servegen-profile")`);
    expect(existsSync(join(dir, 'x.jsonl'))).toBe(false);
  });

  it('an empty JSON file is "empty file", not "invalid JSON (Unexpected end of JSON input)"', async () => {
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '');
    await expectOneLineError(['generate', empty, '--duration', '60', '--out', join(dir, 'x.jsonl')], `${empty}: empty file (no JSON text)`);
    await expectOneLineError(['ingest', CONV, '--map', empty, '--out', join(dir, 'x.parquet')], `${empty}: empty file (no JSON text)`);
    await expectOneLineError(['validate', trace, trace, '--thresholds', empty], `${empty}: empty file (no JSON text)`);
  });

  it('import-servegen of a missing path says no such directory; --clients @FILE says why it cannot be read', async () => {
    await expectOneLineError(['import-servegen', join(dir, 'nope'), '--out', join(dir, 'x.json')], `${join(dir, 'nope')}: no such directory (expected an upstream pool dir`);
    await expectOneLineError(['import-servegen', trace, '--out', join(dir, 'x.json')], `${trace}: not a directory (expected an upstream pool dir`);
    await expectOneLineError(['generate', profile, '--duration', '60', '--clients', `@${join(dir, 'nope.txt')}`, '--out', join(dir, 'x.jsonl')], `cannot read ${join(dir, 'nope.txt')} (no such file)`);
  });

  it('--clients with an id the profile lacks names the ids it has, largest first (it named none)', async () => {
    const pool = join(dir, 'pool.json');
    expect((await runCli('import-servegen', fixture('servegen', 'multimodal', 'mm-image'), '--out', pool, '--quiet')).code).toBe(0);
    await expectOneLineError(['generate', pool, '--duration', '60', '--clients', '12,99', '--out', join(dir, 'x.jsonl')], '--clients: no client "99" in the profile (its 35 client ids, largest first: "12", "5", "11", "7", "13", …)\n');
    await expectOneLineError(['generate', profile, '--duration', '60', '--clients', 'acme', '--out', join(dir, 'x.jsonl')], '--clients: no client "acme" in the profile (its 1 client id, largest first: "default")\n');
  });
});

describe('a log without --preset, or with another log\'s, names the preset its columns fit (a new user\'s walkthrough: "give --preset NAME" only)', () => {
  const MOONCAKE = fixture('traces', 'mooncake', 'conversation_trace.jsonl.gz');
  const BURSTGPT = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
  it('in both engines, for CSV and JSON lines, in every command that reads logs', async () => {
    for (const engine of ['ts', 'duckdb']) {
      const out = ['--engine', engine, '--out', join(dir, 'preset-hint.parquet')];
      await expectOneLineError(['ingest', CONV, ...out], /give --preset NAME .*; its columns fit the preset azure-llm-2023\n/);
      await expectOneLineError(['ingest', CONV, '--preset', 'burstgpt', ...out], /not in the (header|input) \(columns: "TIMESTAMP", "ContextTokens", "GeneratedTokens"\); its columns fit the preset azure-llm-2023\n/);
      await expectOneLineError(['ingest', MOONCAKE, ...out], /its columns fit the preset mooncake\n/);
      await expectOneLineError(['ingest', MOONCAKE, '--preset', 'azure-llm-2023', ...out], /its columns fit the preset mooncake\n/);
      await expectOneLineError(['ingest', BURSTGPT, ...out], /its columns fit the preset burstgpt\n/);
    }
    await expectOneLineError(['fit', BURSTGPT, '--out', join(dir, 'x.json')], /its columns fit the preset burstgpt\n/);
    await expectOneLineError(['validate', CONV, join(dir, 'g.jsonl')], /give --source-preset NAME .*; its columns fit the preset azure-llm-2023\n/);
    await expectOneLineError(['inspect', MOONCAKE], /its columns fit the preset mooncake\n/);
    expect(existsSync(join(dir, 'preset-hint.parquet'))).toBe(false);
  });

  it('says nothing of presets when none fits (a gateway log) or for our own trace', async () => {
    const gw = join(dir, 'gw.csv');
    writeFileSync(gw, 'request_time,tenant,prompt_tokens\n1700000000,a,3\n');
    const r = await runCli('ingest', gw, '--out', join(dir, 'x.jsonl'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give --preset NAME');
    expect(r.stderr).not.toContain('its columns fit');
    const own = await runCli('ingest', trace, '--preset', 'mooncake', '--out', join(dir, 'x.jsonl'), '--quiet');
    expect(own.code).toBe(2);
    expect(own.stderr).not.toContain('its columns fit');
  });
});

describe('validate: thresholds file and help', () => {
  it('--thresholds with a metric at the top level says where it goes', async () => {
    const file = join(dir, 'th.json');
    writeFileSync(file, '{"iat_ks": 0.1}');
    await expectOneLineError(['validate', trace, trace, '--thresholds', file], `${file}: "iat_ks" at the top level: give metric kinds under "aggregate" or "client"`);
    writeFileSync(file, '{"aggregate": {"iat_ks": 0.1}}');
    expect((await runCli('validate', trace, trace, '--thresholds', file, '--quiet')).code).toBe(0);
  });

  it('validate of two unrelated traces (no client id in common, or a much shorter span) says so beside the failures', async () => {
    const other = join(dir, 'other.jsonl');
    expect((await runCli('generate', fixture('profiles', 'essentials.json'), '--duration', '600', '--out', other, '--quiet')).code).toBe(0);
    const r = await runCli('validate', trace, other);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`note: no client id in common between ${trace} and ${other}: was it generated from a profile of another trace?`);
    // Shares summed over several clients come to 0.9999999999999999, not 1.
    const nearOne = { metrics: { client_share_tv: { value: 0.9999999999999999 } }, source: { span_seconds: 100 }, generated: { span_seconds: 100 }, pass: false } as unknown as FidelityReport;
    expect(mismatchNotes(nearOne, 'a.csv', 'b.jsonl')).toEqual(['note: no client id in common between a.csv and b.jsonl: was it generated from a profile of another trace? (an --anonymize profile renames clients: c0001, …)']);
    // The right profile, but 600 s generated for a 1 h source: the span note instead.
    const short = await runCli('validate', trace, join(dir, 'g.jsonl'));
    expect(short.stderr).not.toContain('no client id in common');
    expect(short.stderr).toMatch(/note: \S+g\.jsonl spans \d+ s, the source 3502 s: generate the source's span \(--duration 3502; servegen roundtrip does\)/);
  });

  it("validate's per-side --help names its own flags", async () => {
    const r = await runCli('validate', '--help');
    expect(r.stdout).toMatch(/without it and\s+--source-map/);
    expect(r.stdout).toMatch(/without it and\s+--generated-map/);
    expect(r.stdout).toMatch(/--baseline naive\.jsonl/);
  });
});

describe('flags', () => {
  it('--duration and other seconds: one message for every bad value, and the seconds for a value with a unit', async () => {
    const gen = (d: string) => ['generate', profile, '--duration', d, '--out', join(dir, 'x.jsonl')];
    for (const d of ['-5', '0', 'abc']) await expectOneLineError(gen(d), `--duration: expected a number > 0, got "${d}"`);
    await expectOneLineError(gen('1h'), '--duration: expected a number > 0, got "1h" (plain seconds, without a unit: 3600)');
    await expectOneLineError(gen('10 min'), '(plain seconds, without a unit: 600)');
    await expectOneLineError(gen('1.5d'), '(plain seconds, without a unit: 129600)');
    await expectOneLineError(['generate', profile, '--duration', '60', '--start', '2h', '--out', join(dir, 'x.jsonl')], '--start: expected a number, got "2h" (plain seconds, without a unit: 7200)');
    await expectOneLineError(['fit', trace, '--out', join(dir, 'x.json'), '--resolution', '1ms'], '(plain seconds, without a unit: 0.001)');
    // ... before reading the input (it said so only after reading the whole trace).
    const fit = await runCli('fit', trace, '--out', join(dir, 'x.json'), '--resolution', '1ms');
    expect(fit.stderr).toBe('servegen: --resolution: expected a number ≥ 0, got "1ms" (plain seconds, without a unit: 0.001)\n');
    await expectOneLineError(['fit', trace, '--out', join(dir, 'x.json'), '--window', '10m'], '--window: expected a number > 0, got "10m" (plain seconds, without a unit: 600)');
    // A clock time and digit groups (a new user's walkthrough: "expected a number" only).
    await expectOneLineError(gen('01:00:00'), '--duration: expected a number > 0, got "01:00:00" (plain seconds: 3600 for 01:00:00)');
    await expectOneLineError(gen('26:00:30.5'), '(plain seconds: 93630.5 for 26:00:30.5)');
    await expectOneLineError(gen('3,600'), '--duration: expected a number > 0, got "3,600" (plain seconds, without digit separators: 3600)');
    await expectOneLineError(gen('86_400'), '(plain seconds, without digit separators: 86400)');
    // Not every comma is a digit group: no hint where the seconds cannot be told.
    await expectOneLineError(gen('3,6'), /got "3,6"\n$/);
    await expectOneLineError(gen('1:00'), /got "1:00"\n$/);
  });

  it('--rate: a bare number and a missing file say which mistake it was', async () => {
    const gen = (rate: string) => ['generate', profile, '--duration', '60', '--rate', rate, '--out', join(dir, 'x.jsonl')];
    await expectOneLineError(gen('100'), 'a bare number is no rate spec: constant:100 for 100 req/s in all, or scale:100');
    // Spaces around it, which every numeric flag now drops, got only "no such file".
    await expectOneLineError(gen(' 100 '), 'a bare number is no rate spec: constant:100 for 100 req/s in all, or scale:100');
    await expectOneLineError(gen(join(dir, 'ramp.csv')), 'nor a readable (time, rate) file (no such file)');
  });

  it('--rate FILE: a third value is refused, not dropped; an out-of-range rate and a missing key are named as such (found by review)', async () => {
    const gen = (rate: string) => ['generate', profile, '--duration', '60', '--rate', rate, '--out', join(dir, 'x.jsonl')];
    const put = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    const three = put('rate-3.json', '[[0, 1, 2]]');
    await expectOneLineError(gen(three), `${three}: [0]: expected [time, rate], got 3 value(s)`);
    const csv = put('rate-3.csv', 'time,rate\n0,1,5\n');
    await expectOneLineError(gen(csv), `${csv}:2: expected time,rate (two columns), got 3`);
    await expectOneLineError(gen(put('rate-inf.json', '[[0, 1e400]]')), 'rate must be a number ≥ 0, got Infinity (out of range)');
    await expectOneLineError(gen(put('rate-key.json', '[{"t": 0, "rate": 1}]')), 'time must be a finite number, got nothing');
    expect(existsSync(join(dir, 'x.jsonl'))).toBe(false);
    // A trailing comma (an empty third cell) stays fine.
    expect((await runCli(...gen(put('rate-comma.csv', 'time,rate,\n0,1,\n')), '--quiet')).code).toBe(0);
  });

  it('--out NAME.gz with --format is refused: generate writes no gzip (it wrote plain JSON lines under a gzip name; found by review)', async () => {
    const gz = join(dir, 'g.jsonl.gz');
    await expectOneLineError(['generate', profile, '--duration', '60', '--format', 'jsonl', '--out', gz], `--out ${JSON.stringify(gz)}: generate does not compress its output`);
    expect(existsSync(gz)).toBe(false);
  });

  it('--clients top:3,5 says what top:K takes, not that there is no client "top:3"', async () => {
    await expectOneLineError(['generate', profile, '--duration', '60', '--clients', 'top:3,5', '--out', join(dir, 'x.jsonl')], '--clients top:3,5: top:K takes one whole number of clients (top:5); a list is id1,id2,…');
  });

  it('validate --window not shorter than the source\u2019s span says each client has one window (it said nothing; found by review)', async () => {
    for (const seed of ['1', '2']) expect((await runCli('generate', profile, '--duration', '300', '--seed', seed, '--out', join(dir, `w${seed}.jsonl`), '--quiet')).code).toBe(0);
    const note = "s is not shorter than the source's span";
    for (const engine of ['ts', 'duckdb']) {
      const wide = await runCli('validate', join(dir, 'w1.jsonl'), join(dir, 'w2.jsonl'), '--window', '1e9', '--engine', engine);
      expect(wide.stderr, engine).toContain(`note: --window 1e9 ${note}`);
      expect((await runCli('validate', join(dir, 'w1.jsonl'), join(dir, 'w2.jsonl'), '--window', '60', '--engine', engine)).stderr, engine).not.toContain(note);
    }
  });

  it('--clients top:K above the profile\u2019s clients says that all are generated (it said nothing; found by review)', async () => {
    const n = (JSON.parse(readFileSync(profile, 'utf8')) as { clients: unknown[] }).clients.length;
    const r = await runCli('generate', profile, '--duration', '60', '--clients', `top:${n + 1}`, '--out', join(dir, 'top.jsonl'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`note: --clients top:${n + 1}: the profile has ${n} client(s); all of them are generated`);
    expect((await runCli('generate', profile, '--duration', '60', '--clients', `top:${n}`, '--out', join(dir, 'top.jsonl'))).stderr).not.toContain('all of them');
  });

});

describe('an interrupted run leaves no temporary file (found by review: Ctrl-C left .out.jsonl.<pid>.tmp)', () => {
  // The launcher's signal cleanup, run as bin/servegen.js does (from the sources, with tsx).
  const launch = (args: string[]) =>
    spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { main, removeTemporariesOnSignals } from './src/cli/main.ts'; removeTemporariesOnSignals(); process.exitCode = await main(['node', 'servegen', ...${JSON.stringify(args)}]);`], { cwd: ROOT, stdio: 'ignore' });

  for (const format of ['jsonl', 'parquet']) {
    it(`generate to ${format}, SIGINT while writing: stopped by SIGINT (as a shell needs to stop its script), no output, no temporary file`, async () => {
      const out = join(tempDir(), `big.${format}`);
      const child = launch(['generate', fixture('profiles', 'essentials.json'), '--duration', '100000', '--rate', 'constant:2000', '--out', out, '--quiet']);
      let done = false;
      const exited = new Promise<string | number | null>((resolve) =>
        child.on('exit', (code, signal) => {
          done = true;
          resolve(signal ?? code);
        }),
      );
      // Wait until the temporary file exists, then interrupt.
      const outDir = join(out, '..');
      const t0 = Date.now();
      while (!readdirSync(outDir).some((n) => n.endsWith('.tmp')) && !done && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
      expect(readdirSync(outDir).some((n) => n.endsWith('.tmp'))).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe('SIGINT');
      expect(readdirSync(outDir)).toEqual([]);
    });
  }

  it('generate to parquet, SIGINT once row groups are being written: stops within the row group being written (it waited for a whole generated batch, up to 4 row groups: ~2 s here)', { timeout: 60_000 }, async () => {
    const out = join(tempDir(), 'big.parquet');
    const outDir = join(out, '..');
    // 20 000 req/s: each generated batch holds ~1 Mi rows, 4 row groups of 256 Ki rows, ~2.1 MB
    // each in this file (measured: 8.6 MB for 4 row groups and a bit). One thread: with a writer
    // thread the main thread is free for the signal whatever the writer does.
    const child = launch(['generate', fixture('profiles', 'essentials.json'), '--duration', '20000', '--rate', 'constant:20000', '--out', out, '--quiet', '--threads', '1']);
    let exitedAt = 0;
    const exited = new Promise<string | number | null>((resolve) =>
      child.on('exit', (code, signal) => {
        exitedAt = Date.now();
        resolve(signal ?? code);
      }),
    );
    const tmpSize = () => {
      try {
        const name = readdirSync(outDir).find((n) => n.endsWith('.tmp'));
        return name ? statSync(join(outDir, name)).size : -1;
      } catch {
        return -1; // removed between the listing and the stat
      }
    };
    // Wait until a first row group is in the file (the generator's first batch is made), then interrupt.
    const t0 = Date.now();
    while (tmpSize() < 1_000_000 && !exitedAt && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5));
    const atKill = tmpSize();
    expect(atKill).toBeGreaterThan(1_000_000);
    const killedAt = Date.now();
    child.kill('SIGINT');
    // What is written after the signal, not how long it takes: a wall-clock bound (1 s) failed
    // on a machine loaded ~5× its cores, where the old behaviour is told apart by bytes as well.
    // The old one wrote up to 3 more row groups (~6 MB); now at most the one being encoded.
    let largest = atKill;
    while (!exitedAt && Date.now() - killedAt < 15_000) {
      largest = Math.max(largest, tmpSize());
      await new Promise((r) => setTimeout(r, 1));
    }
    const hung = !exitedAt;
    if (hung) child.kill('SIGKILL');
    expect(hung).toBe(false);
    expect(await exited).toBe('SIGINT');
    expect(largest - atKill).toBeLessThan(3_200_000);
    expect(readdirSync(outDir)).toEqual([]);
  });
});

describe('an output that names an input or another output of the same run', () => {
  it('is refused before anything is written (fit, generate, validate, ingest, inspect, summarize, fidelity-table), and the file is left as it was (found by review)', async () => {
    const { copyFileSync, readFileSync } = await import('node:fs');
    const p = join(dir, 'clobber-profile.json');
    const g = join(dir, 'clobber-g.jsonl');
    copyFileSync(profile, p);
    copyFileSync(join(dir, 'g.jsonl'), g);
    const before = [readFileSync(p), readFileSync(g)];
    // `generate p.json --out p.json` replaced the profile by a trace.
    await expectOneLineError(['generate', p, '--duration', '60', '--format', 'jsonl', '--out', p], `--out ${p} is the same file as the profile ${p}`);
    // `validate src g.jsonl --json g.jsonl` replaced the generated trace by the report.
    await expectOneLineError(['validate', trace, g, '--json', g], `--json ${g} is the same file as the generated trace ${g}`);
    // `fit --out x --report x` kept only the HTML page.
    await expectOneLineError(['fit', CONV, '--preset', 'azure-llm-2023', '--out', p, '--report', p], `--report ${p} is the same file as --out ${p}`);
    const twice = join(dir, 'clobber-new.json');
    await expectOneLineError(['fit', CONV, '--preset', 'azure-llm-2023', '--out', twice, '--report', twice], `--report ${twice} is the same file as --out ${twice}`);
    expect(existsSync(twice)).toBe(false);
    await expectOneLineError(['ingest', trace, '--out', trace], `--out ${trace} is the same file as input ${trace}`);
    await expectOneLineError(['inspect', p, '--report', p], `--report ${p} is the same file as the profile ${p}`);
    await expectOneLineError(['summarize', trace, '--out', join(dir, 'sum-x.json'), '--rejects', join(dir, 'sum-x.json')], `--rejects ${join(dir, 'sum-x.json')} is the same file as --out`);
    const report = join(dir, 'clobber-fidelity.json');
    expect((await runCli('validate', trace, trace, '--json', report, '--quiet')).code).toBe(0);
    const reportBefore = readFileSync(report);
    await expectOneLineError(['fidelity-table', report, '--md', report], `--md ${report} is the same file as report ${report}`);
    expect(readFileSync(report)).toEqual(reportBefore);
    expect([readFileSync(p), readFileSync(g)]).toEqual(before);
    // `--json -` wrote a file named "-".
    await expectOneLineError(['validate', trace, g, '--json', '-'], '--json -: would write a file named "-"; give /dev/stdout for standard output');
    await expectOneLineError(['generate', p, '--duration', '60', '--format', 'jsonl', '--out', '-'], '--out -: would write a file named "-"');
    // Devices are no files: both reports to /dev/null still run.
    const dev = await runCli('validate', trace, trace, '--json', '/dev/null', '--report', '/dev/null', '--quiet');
    expect(dev.code, dev.stderr).toBe(0);
  });
});

describe('a thresholds override that names no metric', () => {
  it('is named in a warning (it was ignored without a word, the default kept), in validate and roundtrip (found by review)', async () => {
    const th = join(dir, 'typo-thresholds.json');
    writeFileSync(th, JSON.stringify({ overrides: { iat_kss: 0.2, 'iat_ks@client:nosuch': 0.1, 'iat_ks@client:default': 0.2, input_tokens_ks: 0.1 } }));
    const warning = `warning: ${th}: overrides "iat_kss", "iat_ks@client:nosuch" name no metric of this report, so they were not applied`;
    const v = await runCli('validate', trace, trace, '--thresholds', th);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toContain(warning);
    const r = await runCli('roundtrip', CONV, '--preset', 'azure-llm-2023', '--thresholds', th, '--out', join(dir, 'rt-typo'));
    expect(r.stderr).toContain(warning);
  });
});

describe('a normalized trace with an origin in its header', () => {
  it('is read with that origin named, not as "(relative)" times (found by review)', async () => {
    const r = await runCli('fit', trace, '--out', join(dir, 'origin-profile.json'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("timestamps s, origin 2023-11-16T18:15:46.000Z (the trace's header)");
    expect(r.stderr).not.toContain('(relative)');
  });
});

describe('a flag given twice', () => {
  it('with different values is named in a warning, the last used (found by review: the last one won without a word); the same value twice says nothing', async () => {
    const out = join(dir, 'twice.jsonl');
    const r = await runCli('generate', profile, '--duration', '60', '--rate', 'constant:5', '--out', out, '--rate', 'constant:2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: --rate given 2 times with different values \("constant:5", "constant:2"\): the last, "constant:2", is used\n/);
    const rows = readFileSync(out, 'utf8').trim().split('\n').length - 1;
    expect(rows).toBeGreaterThan(60); // constant:2 for 60 s: ~120 requests, not ~300
    expect(rows).toBeLessThan(200);
    const fit = await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--window=300', '--window', '600', '--out', join(dir, 'twice.json'));
    expect(fit.code).toBe(0);
    expect(fit.stderr).toContain('--window given 2 times with different values ("300", "600"): the last, "600", is used');
    // --quiet silences it, as every warning (a script appending an override on purpose).
    const quiet = await runCli('generate', profile, '--duration', '60', '--rate', 'constant:5', '--out', out, '--rate', 'constant:2', '--quiet');
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
    const same = await runCli('generate', profile, '--duration', '60', '--seed', '4', '--seed', '4', '--quiet', '--quiet', '--out', out);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toBe('');
  });
});

describe('a pipeline spec, thresholds or rate file with a key twice', () => {
  it('is refused by file, line and key instead of keeping the last value (left open by review)', async () => {
    const spec = join(dir, 'dup-spec.json');
    writeFileSync(spec, '{\n  "name": "a",\n  "name": "b",\n  "stages": []\n}\n');
    await expectOneLineError(['run', spec], `${spec}:3:3: key "name" appears twice in the top level (JSON keeps only the last one)`);
    const th = join(dir, 'dup-thresholds.json');
    writeFileSync(th, '{"overrides": {"iat_ks": 0.1, "iat_ks": 0.3}}');
    const trace = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    await expectOneLineError(['validate', trace, trace, '--source-preset', 'burstgpt', '--generated-preset', 'burstgpt', '--thresholds', th], `${th}:1:31: key "iat_ks" appears twice in overrides`);
    const rate = join(dir, 'dup-rate.json');
    writeFileSync(rate, '[{"time": 0, "rate": 1}, {"time": 60, "rate": 2, "time": 120}]');
    await expectOneLineError(['generate', fixture('profiles', 'essentials.json'), '--rate', rate, '--duration', '60', '--out', join(dir, 'dup-rate-out.jsonl')], `${rate}:1:50: key "time" appears twice in [1]`);
    expect(existsSync(join(dir, 'dup-rate-out.jsonl'))).toBe(false);
  });
});
