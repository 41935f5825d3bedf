import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers.js';
import { CONV, convProfile, runCli } from './run-cli.js';

// Friction a new user met following the README with the real traces (session h-58's walkthrough).

let dir: string;
let profile: string;

beforeAll(async () => {
  ({ dir, profile } = await convProfile());
});

describe('every row rejected: the message names the first rejected row, as a run stopped by --max-reject-ratio does', () => {
  it('a mapping with the wrong timestamp unit said only "all 400 rows rejected (bad_timestamp 400) (use --rejects to see them)", so seeing why took a second run', async () => {
    const log = join(dir, 'log.csv');
    writeFileSync(log, 'ts,tenant,in\n19440110.0,a,5\n19440161.0,b,6\n');
    writeFileSync(join(dir, 'iso.json'), JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'in' }, timestamp: { unit: 'iso' } }));
    for (const [cmd, ...rest] of [['ingest', '--out', join(dir, 't.jsonl')], ['fit', '--out', join(dir, 'p.json')], ['inspect']]) {
      const r = await runCli(cmd, log, '--map', join(dir, 'iso.json'), ...rest);
      expect(r.code, cmd).toBe(2);
      expect(r.stderr, cmd).toMatch(new RegExp(`no accepted rows: all 2 rows rejected \\(bad_timestamp 2\\) \\(use --rejects to see them\\); the first: ${log.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: timestamp: .*19440110\\.0`));
    }
    // validate names the side's flag and the side's first reject.
    const v = await runCli('validate', log, log, '--source-map', join(dir, 'iso.json'), '--generated-map', join(dir, 'iso.json'));
    expect(v.code).toBe(2);
    expect(v.stderr).toContain(`(use --source-rejects to see them); the first: ${log}:2: timestamp: `);
  });
});

describe('servegen run: a stage naming no servegen command is refused when the spec is read, before any stage runs', () => {
  it('a typo in a later stage ran the earlier stages first, then "error: unknown command \'fitt\'"; a stage copied from the README with "servegen" in front failed the same way', async () => {
    const out = join(dir, 'run-g.jsonl');
    const gen = { name: 'gen', run: ['generate', profile, '--duration', '10', '--out', out], inputs: [profile], outputs: [out] };
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ name: 'typo', stages: [gen, { name: 'fit', run: ['fitt', out, '--out', join(dir, 'q.json')], inputs: [out], outputs: [join(dir, 'q.json')] }] }));
    const r = await runCli('run', join(dir, 'typo.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${join(dir, 'typo.json')}: stage fit: "fitt" is not a servegen command (did you mean fit?); the commands are ingest, summarize, sql, fit, validate, roundtrip, fidelity-table, capacity, import-servegen, export-servegen, generate, inspect\n`);
    expect(existsSync(out)).toBe(false);
    writeFileSync(join(dir, 'prefixed.json'), JSON.stringify({ name: 'prefixed', stages: [{ ...gen, run: ['servegen', ...gen.run] }] }));
    const p = await runCli('run', join(dir, 'prefixed.json'));
    expect(p.code).toBe(2);
    expect(p.stderr).toBe(`servegen: ${join(dir, 'prefixed.json')}: stage gen: "servegen" is not a servegen command: a stage's run starts with the command, without "servegen" (["generate", …])\n`);
    writeFileSync(join(dir, 'npx.json'), JSON.stringify({ name: 'npx', stages: [{ ...gen, run: ['npx', 'servegen', ...gen.run] }] }));
    const n = await runCli('run', join(dir, 'npx.json'));
    expect(n.stderr).toBe(`servegen: ${join(dir, 'npx.json')}: stage gen: "npx" is not a servegen command: a stage's run starts with the command, without "npx servegen" (["generate", …])\n`);
    expect(existsSync(out)).toBe(false);
  });
});

describe('generate --start given as a date-time says the seconds to give', () => {
  it('the profile has an origin: the seconds from it (was: "expected a number")', async () => {
    const r = await runCli('generate', profile, '--duration', '60', '--start', '2023-11-16T18:30:00Z', '--out', join(dir, 's.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: --start: seconds from the profile's origin (2023-11-16T18:15:46.000Z), not a date-time: --start 854 for 2023-11-16T18:30:00Z\n`);
    const before = await runCli('generate', profile, '--duration', '60', '--start', '2023-11-16 18:00:00', '--out', join(dir, 's.jsonl'));
    expect(before.stderr).toBe(`servegen: --start: seconds from the profile's origin (2023-11-16T18:15:46.000Z), not a date-time: --start -946 for 2023-11-16 18:00:00\n`);
    expect(existsSync(join(dir, 's.jsonl'))).toBe(false);
  });

  it('a profile of relative times has no date to count from', async () => {
    const rel = join(dir, 'rel.json');
    expect((await runCli('fit', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), '--preset', 'burstgpt', '--out', rel, '--quiet')).code).toBe(0);
    const r = await runCli('generate', rel, '--duration', '60', '--start', '2023-11-16T18:30:00Z', '--out', join(dir, 's.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: --start: seconds from the profile's start, not a date-time: ${rel} has no absolute origin (its log's times were relative)\n`);
  });
});

describe('validate given one file as both sides says so', () => {
  it('a file against itself passed every metric without a word (a slip of tab completion)', async () => {
    const g = join(dir, 'self.jsonl');
    expect((await runCli('generate', profile, '--duration', '600', '--out', g, '--quiet')).code).toBe(0);
    const r = await runCli('validate', g, g);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`note: the source and the generated trace are the same file (${g}): comparing it with itself tells nothing of a generated workload; give the trace generate wrote as the second argument\n`);
  });
});

describe('an output path that is an existing directory is refused before the input is read', () => {
  it('fit, ingest, validate and capacity read and fitted the whole log first (10 s on 4.3 M rows), then said "cannot write (it is a directory)"', async () => {
    const d = join(dir, 'outdir');
    mkdirSync(d, { recursive: true });
    const g = join(dir, 'g-dir.jsonl');
    expect((await runCli('generate', profile, '--duration', '600', '--out', g, '--quiet')).code).toBe(0);
    for (const args of [
      ['fit', CONV, '--preset', 'azure-llm-2023', '--out', d],
      ['fit', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 'p2.json'), '--report', d],
      ['ingest', CONV, '--preset', 'azure-llm-2023', '--out', d, '--out-format', 'jsonl'],
      ['ingest', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 't2.jsonl'), '--summary', d],
      ['validate', CONV, g, '--source-preset', 'azure-llm-2023', '--json', d],
      ['capacity', CONV, g, '--source-preset', 'azure-llm-2023', '--json', d],
      ['generate', profile, '--duration', '10', '--out', `${d}/`, '--format', 'jsonl'],
    ]) {
      const r = await runCli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      // One line, as the write said it, but before the input is read (no "read … rows" summary).
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`^servegen: ${d.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/?: cannot write \\(it is a directory\\)\\n$`));
    }
  });
});

describe('a mapping written without its "columns" object says where the fields go', () => {
  it('{"timestamp": "ts", "client_id": "Model", …} said only "top level: unknown key "client_id" … (allowed here: …, columns, …)"', async () => {
    writeFileSync(join(dir, 'flat.json'), JSON.stringify({ timestamp: 'TIMESTAMP', client_id: 'Model', input_tokens: 'ContextTokens', output_tokens: 'GeneratedTokens' }));
    const r = await runCli('ingest', CONV, '--map', join(dir, 'flat.json'), '--out', join(dir, 'flat.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`servegen: ${join(dir, 'flat.json')}: top level: unknown key "client_id" (and "input_tokens", "output_tokens")`);
    expect(r.stderr).toMatch(/; fields' sources go in a "columns" object: \{"columns": \{"timestamp": "TIMESTAMP", "client_id": "Model", "input_tokens": "ContextTokens", "output_tokens": "GeneratedTokens"\}\}\n$/);
  });
});

describe('generate from a profile of relative times that do not start at 0 says where --start 0 lands', () => {
  it('BurstGPT (times from 19 440 110 s): the default --start 0 began 6000 s into the profile, in its quiet part, without a word', async () => {
    const rel = join(dir, 'burst.json');
    expect((await runCli('fit', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), '--preset', 'burstgpt', '--out', rel, '--quiet')).code).toBe(0);
    const r = await runCli('generate', rel, '--duration', '3600', '--out', join(dir, 'b.jsonl'));
    expect(r.code).toBe(0);
    // (The span starts at the first request's whole second, 110 s into its first window; the
    // profile repeats from that window's start.)
    expect(r.stderr).toContain(`note: --start 0 is before the profile's span (19440110 … 19481563 s: its log's times were relative, and did not start at 0), which repeats every 42000 s from 19440000 s (its first window's start), so the run starts 6000 s into it; --start 19440110 starts at its beginning\n`);
    const inFirst = await runCli('generate', rel, '--start', '19440000', '--duration', '600', '--out', join(dir, 'b.jsonl'));
    expect(inFirst.code).toBe(0);
    expect(inFirst.stderr).toContain(`note: --start 19440000 is 110 s before the profile's span (19440110 … 19481563 s: its log's times were relative, and did not start at 0), inside its first 600 s window (from 19440000 s), which the run draws from there at the rate its log had in it from 19440110 s; --start 19440110 starts where the log's first request was\n`);
    for (const args of [[rel, '--start', '19440110'], [rel, '--start', '19450000'], [profile]]) {
      const q = await runCli('generate', ...args, '--duration', '600', '--out', join(dir, 'b.jsonl'));
      expect(q.code, args.join(' ')).toBe(0);
      expect(q.stderr, args.join(' ')).not.toContain('before the profile');
    }
  });
});

describe('a trace whose gaps are all 0 leaves its IAT CV unjudged', () => {
  it('three requests at one instant failed "iat_cv_rel_err = NaN > 4.74" against themselves (0/0)', async () => {
    const log = join(dir, 'instant.csv');
    writeFileSync(log, 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.0,10,20\n2023-11-16 18:15:46.0,11,21\n2023-11-16 18:15:46.0,12,22\n');
    const copy = join(dir, 'instant-copy.csv');
    writeFileSync(copy, 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.0,10,20\n2023-11-16 18:15:46.0,11,21\n2023-11-16 18:15:46.0,12,22\n');
    const json = join(dir, 'instant.json');
    const r = await runCli('validate', log, copy, '--source-preset', 'azure-llm-2023', '--generated-preset', 'azure-llm-2023', '--json', json);
    expect(r.stderr).not.toContain('NaN');
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(json, 'utf8')).metrics.iat_cv_rel_err;
    expect(m.value).toBeNull();
    expect(m.note).toMatch(/every gap is 0/);
  });
});

describe("generate's summary line shows a rate under 1 req/s in significant digits", () => {
  it('54 929 requests over 10^8 s said "(0.00 req/s)"', async () => {
    const r = await runCli('generate', profile, '--duration', '100000', '--rate', 'scale:0.001', '--out', join(dir, 'sparse.jsonl'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^generated \d+ requests from 1 client over 100000 s \(0\.00\d\d\d req\/s\) → /m);
    const busy = await runCli('generate', profile, '--duration', '60', '--out', join(dir, 'busy.jsonl'));
    expect(busy.stderr).toMatch(/over 60 s \(\d\.\d\d req\/s\) → /);
  });
});

describe('validate says when the generated trace pools the source\'s small clients into "tail"', () => {
  it('a profile fitted with --min-client-requests failed client_share_tv (0.656) with nothing to say why', async () => {
    const log = join(dir, 'tenants.csv');
    // Three clients of 300, 40 and 30 requests: --min-client-requests 100 pools the two small ones.
    const lines = ['t,tenant,in,out'];
    for (let i = 0; i < 370; i++) lines.push(`${(i * 9.7).toFixed(1)},${i % 37 === 1 ? 'b' : i % 37 === 2 ? 'b' : i % 37 < 10 && i % 37 > 2 ? (i % 2 ? 'c' : 'b') : 'a'},${100 + (i % 50)},${20 + (i % 7)}`);
    writeFileSync(log, lines.join('\n') + '\n');
    writeFileSync(join(dir, 'tenants.json'), JSON.stringify({ columns: { timestamp: 't', client_id: 'tenant', input_tokens: 'in', output_tokens: 'out' }, timestamp: { unit: 's' } }));
    const trace = join(dir, 'tenants.jsonl');
    expect((await runCli('ingest', log, '--map', join(dir, 'tenants.json'), '--out', trace, '--quiet')).code).toBe(0);
    const p = join(dir, 'tenants-p.json');
    expect((await runCli('fit', trace, '--min-client-requests', '100', '--out', p, '--quiet')).code).toBe(0);
    const g = join(dir, 'tenants-g.jsonl');
    expect((await runCli('generate', p, '--duration', '3590', '--out', g, '--quiet')).code).toBe(0);
    const json = join(dir, 'tenants-v.json');
    const r = await runCli('validate', trace, g, '--json', json);
    const note = JSON.parse(readFileSync(json, 'utf8')).metrics.client_share_tv.note as string;
    expect(note).toMatch(/^the generated trace's client "tail" pools clients of the source \(fit --min-client-requests\): the 2 source clients it lacks hold \d+\.\d % of the source's requests, "tail" \d+\.\d % of the generated trace's$/);
    expect(r.stderr).toContain(`note: client_share_tv: ${note}\n`);
  });
});

describe('small wrong words', () => {
  it('inspect of a profile with --preset told the user to run "servegen inspect profile.json", the command they had run', async () => {
    const r = await runCli('inspect', profile, '--preset', 'azure-llm-2023');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${profile}: a servegen profile: inspect reads it without --preset (a mapping is for raw logs): servegen inspect ${profile}\n`);
  });

  it('the no-requests warning gave the span as the profile\'s period, not the whole windows it repeats with (41563 s against 42000 s)', async () => {
    const rel = join(dir, 'burst-p.json');
    expect((await runCli('fit', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), '--preset', 'burstgpt', '--out', rel, '--quiet')).code).toBe(0);
    const r = await runCli('generate', rel, '--duration', '10', '--naive', '--out', join(dir, 'none.jsonl'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning: no chosen client has a positive rate in [0, 10) s of the profile's time (it repeats every 42000 s)");
  });
});

describe('a command run with nothing names its missing argument first', () => {
  it('`servegen generate` said "required option \'--duration <seconds>\' not specified"; given it, then --out, the profile was asked for last', async () => {
    for (const [cmd, arg] of [['generate', 'profile.json'], ['fit', 'inputs'], ['validate', 'source'], ['roundtrip', 'inputs']]) {
      const r = await runCli(cmd);
      expect(r.code, cmd).toBe(2);
      expect(r.stderr, cmd).toMatch(new RegExp(`^error: missing required argument '${arg}'\\n`));
    }
    // With the argument, the missing option is named as before.
    expect((await runCli('generate', profile)).stderr).toMatch(/^error: required option '--duration <seconds>' not specified\n/);
    // An unknown flag still comes first.
    expect((await runCli('generate', '--duraton', '5')).stderr).toMatch(/^error: unknown option '--duraton'/);
  });
});

describe('validate says when the generated trace was not made to reproduce the source', () => {
  it('generated at --rate scale:2 it failed 8 metrics with no word of the rate; a naive baseline given as the generated trace passed as ours', async () => {
    const g = join(dir, 'x2.jsonl');
    expect((await runCli('generate', profile, '--duration', '3502', '--rate', 'scale:2', '--out', g, '--quiet')).code).toBe(0);
    const r = await runCli('validate', CONV, g, '--source-preset', 'azure-llm-2023');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`note: ${g} was generated at --rate scale:2: its counts and rates are compared with the source's as they are (generate --rate scale:1, or servegen roundtrip, reproduces the source's load)\n`);
    const same = join(dir, 'x1.jsonl');
    expect((await runCli('generate', profile, '--duration', '3502', '--out', same, '--quiet')).code).toBe(0);
    expect((await runCli('validate', CONV, same, '--source-preset', 'azure-llm-2023')).stderr).not.toContain('was generated at --rate');
    const naive = join(dir, 'naive1.jsonl');
    expect((await runCli('generate', profile, '--duration', '3502', '--naive', '--out', naive, '--quiet')).code).toBe(0);
    for (const engine of ['ts', 'duckdb']) {
      const n = await runCli('validate', CONV, naive, '--source-preset', 'azure-llm-2023', '--engine', engine);
      expect(n.stderr, engine).toContain(`note: ${naive} is a naive baseline (generate --naive), not a per-client generation: give it as --baseline beside the trace generate wrote without --naive\n`);
    }
  });
});

describe('validate --baseline that is not a naive baseline, and a naive trace as the generated side', () => {
  it('a per-client trace given as --baseline was reported as "naive baseline" without a word; a naive generated side also got the "no client id in common … another trace?" note, beside the point', async () => {
    const g = join(dir, 'ours.jsonl');
    const naive = join(dir, 'naive2.jsonl');
    expect((await runCli('generate', profile, '--duration', '3502', '--out', g, '--quiet')).code).toBe(0);
    expect((await runCli('generate', profile, '--duration', '3502', '--naive', '--out', naive, '--quiet')).code).toBe(0);
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('validate', CONV, g, '--source-preset', 'azure-llm-2023', '--baseline', g, '--engine', engine);
      expect(r.stderr, engine).toContain(`note: --baseline ${g} was not written by generate --naive, yet it is reported as the naive baseline\n`);
      const ok = await runCli('validate', CONV, g, '--source-preset', 'azure-llm-2023', '--baseline', naive, '--engine', engine);
      expect(ok.stderr, engine).not.toContain('--naive');
      const n = await runCli('validate', CONV, naive, '--source-preset', 'azure-llm-2023', '--engine', engine);
      expect(n.stderr, engine).toContain('is a naive baseline (generate --naive)');
      expect(n.stderr, engine).not.toContain('no client id in common');
    }
  });
});

describe('an HTML report where a profile or trace goes is named as one', () => {
  it('generate said "invalid JSON (Unexpected token \'<\')", inspect "cannot tell the format from the name"', async () => {
    const html = join(dir, 'fit.html');
    expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 'h.json'), '--report', html, '--quiet')).code).toBe(0);
    const cases: [string[], string][] = [
      [['generate', html, '--duration', '10', '--out', join(dir, 'h.jsonl')], `${html}: an HTML report (a --report page), not a profile`],
      [['inspect', html], `${html}: an HTML report (a --report page), not a trace`],
      [['fit', html, '--out', join(dir, 'h2.json')], `${html}: an HTML report (a --report page), not a trace`],
      [['validate', CONV, html, '--source-preset', 'azure-llm-2023'], `${html}: an HTML report (a --report page), not a trace`],
      [['run', html], `${html}: an HTML report (a --report page), not a pipeline spec`],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(...args);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr, args[0]).toContain(`servegen: ${message}`);
    }
  });
});
