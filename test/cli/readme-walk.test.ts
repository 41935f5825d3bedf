import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

// Found by a review that followed the README as a new user: messages that printed something
// other than the README shows, or said nothing where the user's mistake was plain.

const CONV = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

let dir: string;
let profile: string;
let trace: string;
let generated: string;

beforeAll(async () => {
  dir = tempDir();
  profile = join(dir, 'profile.json');
  trace = join(dir, 'conv.parquet');
  generated = join(dir, 'generated.jsonl');
  for (const args of [
    ['fit', CONV, '--preset', 'azure-llm-2023', '--out', profile],
    ['ingest', CONV, '--preset', 'azure-llm-2023', '--out', trace],
    ['generate', profile, '--duration', '3503', '--out', generated],
  ]) {
    expect((await runCli(...args, '--quiet')).code, args[0]).toBe(0);
  }
});

describe('validate', () => {
  it('prints the peak load as the README does (14187 tokens/s), not 1.419e+4', async () => {
    const r = await runCli('validate', trace, generated);
    expect(r.stderr).toMatch(/peak load \(p99 of 10 s bins, tokens\/s\): source 14187, generated \d+ \([+−]\d+ %\)/);
    expect(r.stderr).not.toMatch(/e\+\d/);
    expect(r.stderr).not.toContain('swapped');
  });

  it('the arguments swapped (the generated trace first) get a note', async () => {
    const r = await runCli('validate', generated, trace);
    expect(r.stderr).toContain(`note: the source ${generated} was written by servegen generate and ${trace} was not: are the arguments swapped?`);
  });

  it('the swapped-arguments note comes from the DuckDB engine too', async () => {
    const r = await runCli('validate', generated, trace, '--engine', 'duckdb');
    expect(r.stderr).toContain(`note: the source ${generated} was written by servegen generate and ${trace} was not: are the arguments swapped?`);
    const right = await runCli('validate', trace, generated, '--engine', 'duckdb');
    expect(right.stderr).not.toContain('swapped');
  });

  it('--thresholds given a profile or a trace says what the file is', async () => {
    for (const [file, what] of [
      [profile, 'a servegen profile'],
      [trace, 'a Parquet file'],
      [generated, 'a trace'],
    ]) {
      const r = await runCli('validate', trace, generated, '--thresholds', file, '--quiet');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`servegen: ${file}: ${what}, not a thresholds file: --thresholds takes a JSON file like docs/thresholds.json ({"aggregate": {"iat_ks": 0.1}})\n`);
    }
  });

  it('a span 30 % short that fails a metric gets the span note', async () => {
    // (20 % short, 2 800 s, failed only dispersion_rel_err_60s, and only while the source's
    // last 60 s bin, 22 s long, was counted whole; session 22.)
    const short = join(dir, 'short.jsonl');
    expect((await runCli('generate', profile, '--duration', '2400', '--out', short, '--quiet')).code).toBe(0);
    const r = await runCli('validate', trace, short);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('  FAIL ');
    expect(r.stderr).toMatch(/note: \S+short\.jsonl spans \d+ s, the source 3502 s: generate the source's span \(--duration 3502/);
  });
});

describe('files of the wrong kind', () => {
  it('fit --summaries with a trace names it a trace (no Parquet bytes, no JSON parser position)', async () => {
    for (const [file, kind] of [
      [trace, 'a Parquet file'],
      [generated, 'a trace'],
    ]) {
      const r = await runCli('fit', '--summaries', file, '--out', join(dir, 'x.json'), '--quiet');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`servegen: ${file}: ${kind}, not a summaries file: --summaries takes summaries JSON (servegen summarize --out part.json) or a directory of Parquet results (scan.parquet, arrivals.parquet, …); a trace is fitted without --summaries\n`);
    }
  });

  it('a profile given to --map is named a profile', async () => {
    const r = await runCli('ingest', CONV, '--map', profile, '--out', join(dir, 'x.parquet'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${profile}: a servegen profile file, not a mapping file (a mapping is {"columns": {"timestamp": …, …}}; servegen ingest --help)\n`);
  });
});

describe('small wording', () => {
  it('export-servegen of one client says "1 client"', async () => {
    const r = await runCli('export-servegen', profile, '--out', join(dir, 'pool'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('exported 1 client as 3 files'); // its trace, its dataset and servegen-clients.json
  });

  it('sql --origin takes the ISO time summarize --origin takes', async () => {
    const iso = await runCli('sql', '--preset', 'azure-llm-2023', '--source', 't', '--origin', '2023-11-16T00:00:00Z');
    const epoch = await runCli('sql', '--preset', 'azure-llm-2023', '--source', 't', '--origin', '1700092800');
    expect(iso.code).toBe(0);
    expect(iso.stdout).toBe(epoch.stdout);
    const neg = await runCli('sql', '--preset', 'azure-llm-2023', '--source', 't', '--origin', '-5');
    expect(neg.code).toBe(2);
    expect(neg.stderr).toBe('servegen: --origin: expected epoch seconds ≥ 0 or an ISO time, got "-5"\n');
  });
});

it('summarize --engine duckdb --out DIR/ prints the directory once, with one slash', async () => {
  const out = join(dir, 'scan') + '/';
  const r = await runCli('summarize', generated, '--engine', 'duckdb', '--out', out);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain(`→ ${join(dir, 'scan')}/ (Parquet; fit --summaries ${join(dir, 'scan')}/)`);
  expect(r.stderr).not.toContain('//');
});

it('fidelity-table names a fidelity.json in the working directory by that directory, not "."', async () => {
  const json = join(dir, 'fidelity.json');
  await runCli('validate', trace, generated, '--json', json, '--quiet');
  // `${dir}/./fidelity.json` is what `fidelity-table fidelity.json` run in dir gives dirname().
  const r = await runCli('fidelity-table', `${dir}/./fidelity.json`);
  const name = dir.split('/').pop()!;
  expect(r.stdout).toContain(`| ${name} | 19366 |`);
  expect(r.stdout).not.toContain('| . |');
});

describe('generate --rate mistakes', () => {
  it('a mistyped rate kind suggests the spec meant', async () => {
    const gen = (rate: string) => runCli('generate', profile, '--duration', '60', '--rate', rate, '--out', join(dir, 'x.jsonl'), '--quiet');
    for (const [spec, hint] of [
      ['constnt:100', 'did you mean constant:100?'],
      ['Constant:100', 'did you mean constant:100?'],
      ['constant=100', 'did you mean constant:100?'],
      ['scle:2', 'did you mean scale:2?'],
      ['foo:3', '"foo" is no rate kind (constant, scale, peak)'],
    ]) {
      const r = await gen(spec);
      expect(r.code, spec).toBe(2);
      expect(r.stderr, spec).toBe(`servegen: --rate ${JSON.stringify(spec)}: not constant:R, scale:K, peak:R, nor a readable (time, rate) file (no such file); ${hint}\n`);
    }
    expect((await gen('C:/ramp.csv')).stderr).toMatch(/\(no such file\)\n$/);
  });

  it('scale:0 warns about the rate, not about --start', async () => {
    const r = await runCli('generate', profile, '--duration', '60', '--rate', 'scale:0', '--out', join(dir, 'x.jsonl'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: --rate scale:0 gives every client a rate of 0: the output will have no requests');
    expect(r.stderr).not.toContain('--start');
  });
});

it('import-servegen of a category directory names the pools below it', async () => {
  const category = fixture('servegen', 'multimodal');
  const r = await runCli('import-servegen', category, '--out', join(dir, 'x.json'), '--quiet');
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`servegen: ${category}: no chunk-N-trace.csv files found; is this an upstream ServeGen pool directory (data/<category>/<model>)? Pools below it: ${join(category, 'mm-image')}\n`);
});

it('validate --baseline with a profile says it is a profile', async () => {
  const r = await runCli('validate', trace, generated, '--baseline', profile, '--quiet');
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`servegen: --baseline ${profile}: a servegen profile, not a trace (servegen inspect ${profile} describes it; servegen generate ${profile} --duration SECONDS --out trace.jsonl makes a trace from it)\n`);
});

it('validate --preset (the one-side spelling of fit and inspect) names the per-side flags', async () => {
  const r = await runCli('validate', CONV, generated, '--preset', 'azure-llm-2023', '--quiet');
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('servegen: --preset: validate takes it per side: --source-preset for the source (raw logs), --generated-preset for the generated trace\n');
  expect((await runCli('validate', '--help')).stdout).not.toMatch(/^\s+--preset/m);
});

it('a directory given as a trace: summaries are sent to fit --summaries, logs get a pattern of their own extension', async () => {
  const scan = join(dir, 'scan');
  if (!existsSync(scan)) expect((await runCli('summarize', generated, '--engine', 'duckdb', '--out', scan, '--quiet')).code).toBe(0);
  const r = await runCli('inspect', scan, '--quiet');
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`servegen: ${scan}: is a directory of window summaries (Parquet): fit it with servegen fit --summaries ${scan}\n`);
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  for (const n of ['a.jsonl.gz', 'b.jsonl.gz', 'notes.txt']) writeFileSync(join(logs, n), '');
  const f = await runCli('fit', logs, '--out', join(dir, 'x.json'), '--quiet');
  expect(f.stderr).toBe(`servegen: ${logs}: is a directory; give the files (or a pattern like ${join(logs, '*.jsonl.gz')})\n`);
});

it('an upstream pool directory where a trace or a profile goes says to import it (a new user\'s walkthrough: "a pattern like DIR/*.csv", "cannot read profile (is a directory)")', async () => {
  const pool = fixture('servegen', 'multimodal', 'mm-image');
  const advice = `servegen: ${pool}: is an upstream ServeGen pool (chunk-N-trace.csv): import it first (servegen import-servegen ${pool} --out pool.json), then use the profile\n`;
  // Where a trace goes it also says what to give validate and capacity, whose source a profile is not (h-83).
  const traceAdvice = advice.replace(/\n$/, '; where a source trace goes (validate, capacity, roundtrip) a pool has no requests to compare: give a trace generated from the profile (servegen generate pool.json --duration 3600 --out trace.jsonl)\n');
  for (const args of [['inspect', pool], ['fit', pool, '--out', join(dir, 'x.json')], ['validate', pool, generated], ['capacity', pool, generated], ['generate', pool, '--duration', '60', '--out', join(dir, 'x.jsonl')], ['export-servegen', pool, '--out', join(dir, 'xpool')]]) {
    const r = await runCli(...args, '--quiet');
    expect([r.code, r.stderr], args.join(' ')).toEqual([2, ['generate', 'export-servegen'].includes(args[0]) ? advice : traceAdvice]);
  }
  // Another directory where a profile goes is still just a directory.
  const r = await runCli('generate', dir, '--duration', '60', '--out', join(dir, 'x.jsonl'), '--quiet');
  expect(r.stderr).toBe(`servegen: ${dir}: cannot read profile (is a directory)\n`);
});

describe('--max-reject-ratio takes a percentage', () => {
  it('5% passes 3 rejects in 100 rows, 2% does not (and says 0.02)', async () => {
    const csv = join(dir, 'rejects.csv');
    const rows = ['ts,tenant,input,output'];
    for (let i = 0; i < 100; i++) rows.push(i < 3 ? `${i},a,x,1` : `${i},a,${10 + i},1`);
    writeFileSync(csv, rows.join('\n') + '\n');
    const map = join(dir, 'rejects-map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'input', output_tokens: 'output' }, timestamp: { unit: 's' } }));
    const ok = await runCli('ingest', csv, '--map', map, '--max-reject-ratio', '5%', '--out', join(dir, 'r5.jsonl'), '--quiet');
    expect(ok.code).toBe(0);
    expect(existsSync(join(dir, 'r5.jsonl'))).toBe(true);
    const strict = await runCli('ingest', csv, '--map', map, '--max-reject-ratio', '2%', '--out', join(dir, 'r2.jsonl'));
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('3.00 % of rows rejected');
    expect(strict.stderr).toContain('above --max-reject-ratio 0.02');
    expect(existsSync(join(dir, 'r2.jsonl'))).toBe(false);
  });
});

describe('README, "Using an upstream ServeGen pool"', () => {
  it('shows the whole output of inspect for the bundled mm-image pool (review: it left out lines, the "lengths" header among them)', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Using an upstream ServeGen pool'), readme.indexOf('## Ingesting your own logs'));
    const shown = /Output of\s+`inspect` for the bundled pool:\n\n```\n([\s\S]*?)```/.exec(section)?.[1];
    const pool = join(dir, 'pool.json');
    expect((await runCli('import-servegen', fixture('servegen', 'multimodal/mm-image'), '--out', pool, '--quiet')).code).toBe(0);
    const r = await runCli('inspect', pool);
    expect(r.code).toBe(0);
    expect(shown).toBe(r.stdout.replace(`profile ${pool}\n`, 'profile pool.json\n'));
  });
});
