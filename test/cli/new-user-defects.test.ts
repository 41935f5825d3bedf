import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers.js';
import { CONV, convProfile, runCli } from './run-cli.js';

// Defects a reviewer walking through every command as a new user left unfixed (session h-60).

const BURST = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
const MM = fixture('servegen', 'multimodal', 'mm-image');

let dir: string;
let profile: string;

beforeAll(async () => {
  ({ dir, profile } = await convProfile());
});

describe('the summary lines count arrival windows per client', () => {
  it('"fitted 4 clients, 74 arrival windows" (a 12 h log) read as 74 windows of the span; it counts each client\'s windows', async () => {
    const p = join(dir, 'burst.json');
    const r = await runCli('fit', BURST, '--preset', 'burstgpt', '--out', p);
    expect(r.code).toBe(0);
    const clients = JSON.parse(readFileSync(p, 'utf8')).clients as { arrivals: unknown[] }[];
    const n = clients.reduce((s, c) => s + c.arrivals.length, 0);
    expect(r.stderr).toContain(`fitted 4 clients, ${n} per-client arrival windows of 600 s, clock resolution `);
    const imp = await runCli('import-servegen', MM, '--out', join(dir, 'mm.json'));
    expect(imp.stderr).toMatch(/^imported 35 clients, \d+ per-client arrival windows of 600 s, /m);
    const s = await runCli('summarize', BURST, '--preset', 'burstgpt', '--window', '300', '--out', join(dir, 's.json'));
    expect(s.stderr).toMatch(/^summarized \d+ requests into \d+ per-client arrival windows of 300 s and \d+ per-client length windows of 21600 s /m);
  });
});

describe('small inconsistencies', () => {
  it('a flag given twice warns as every other warning does ("warning: …", not "servegen: warning: …")', async () => {
    const r = await runCli('generate', profile, '--duration', '10', '--rate', 'constant:5', '--out', join(dir, 'twice.jsonl'), '--rate', 'constant:2');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: --rate given 2 times with different values \("constant:5", "constant:2"\): the last, "constant:2", is used\n/);
  });

  it('a gap memory of about one gap is "~1 gap", not "~1 gaps"', async () => {
    const p = JSON.parse(readFileSync(profile, 'utf8'));
    p.clients[0].gap_memory = { weight: 0.5, phi: 0.2 };
    const one = join(dir, 'one-gap.json');
    writeFileSync(one, JSON.stringify(p));
    const r = await runCli('inspect', one);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('φ 0.200 (~1 gap)');
    p.clients[0].gap_memory = { weight: 0.5, phi: 0.75 };
    writeFileSync(one, JSON.stringify(p));
    expect((await runCli('inspect', one)).stdout).toContain('φ 0.750 (~4 gaps)');
  });

  it('--rate with spaces around it (a quoted copy-paste) is taken', async () => {
    for (const spec of ['constant:2 ', ' constant:2', ' scale:0.5\t']) {
      const out = join(dir, 'spaced.jsonl');
      const r = await runCli('generate', profile, '--duration', '60', '--rate', spec, '--out', out, '--quiet');
      expect(r.code, JSON.stringify(spec)).toBe(0);
      expect(r.stderr, JSON.stringify(spec)).toBe('');
    }
  });

  it('--rate peak:0 generates nothing, as constant:0 and scale:0 do, with their warning (it said only "the peak rate must be > 0")', async () => {
    const out = join(dir, 'peak0.jsonl');
    const r = await runCli('generate', profile, '--duration', '60', '--rate', 'peak:0', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: --rate peak:0 gives every client a rate of 0: the output will have no requests\n');
    expect(r.stderr).toMatch(/^generated 0 requests /m);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(1); // the header alone
  });
});

describe('the large-output note speaks of the format written', () => {
  it('quoted JSON-lines sizes for a Parquet or CSV output', async () => {
    const { largeOutputNote } = await import('../../src/cli/generate.js');
    expect(largeOutputNote(3e7, 'jsonl', '1000000000')).toBe('note: expecting about 30.00M requests, a large output (jsonl takes ~55 bytes per request for text-only clients, ~180 with image fields, more with sessions); --max-requests 1000000000 is the limit');
    for (const f of ['parquet', 'csv', 'mooncake'] as const) {
      const note = largeOutputNote(3e7, f, '1000000000');
      expect(note, f).toBe('note: expecting about 30.00M requests, a large output; --max-requests 1000000000 is the limit');
    }
  });
});

describe('an output that cannot be written is refused before any input is read, naming its flag', () => {
  it('a path under a regular file (every command with an output flag) was found only at the write, after the whole input', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'not a directory\n');
    const g = join(dir, 'g-unwritable.jsonl');
    expect((await runCli('generate', profile, '--duration', '600', '--out', g, '--quiet')).code).toBe(0);
    const v = join(dir, 'v-unwritable.json');
    expect((await runCli('validate', CONV, g, '--source-preset', 'azure-llm-2023', '--json', v, '--quiet')).code).toBeLessThan(2);
    const under = (name: string) => join(file, name);
    const deep = (name: string) => join(file, 'sub', name);
    const runs: [string[], string, string][] = [
      [['ingest', CONV, '--preset', 'azure-llm-2023', '--out', under('t.jsonl')], '--out', under('t.jsonl')],
      [['ingest', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 't-ok.jsonl'), '--summary', under('i.json')], '--summary', under('i.json')],
      [['ingest', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 't-ok.jsonl'), '--rejects', deep('r.jsonl')], '--rejects', deep('r.jsonl')],
      [['summarize', CONV, '--preset', 'azure-llm-2023', '--out', under('s.json')], '--out', under('s.json')],
      [['fit', CONV, '--preset', 'azure-llm-2023', '--out', deep('p.json')], '--out', deep('p.json')],
      [['fit', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 'p-ok.json'), '--report', under('fit.html')], '--report', under('fit.html')],
      [['generate', profile, '--duration', '60', '--out', under('g.jsonl')], '--out', under('g.jsonl')],
      [['validate', CONV, g, '--source-preset', 'azure-llm-2023', '--json', under('v.json')], '--json', under('v.json')],
      [['validate', CONV, g, '--source-preset', 'azure-llm-2023', '--report', under('v.html')], '--report', under('v.html')],
      [['roundtrip', CONV, '--preset', 'azure-llm-2023', '--out', under('rt')], '--out', under('rt')],
      [['capacity', CONV, g, '--source-preset', 'azure-llm-2023', '--json', under('c.json')], '--json', under('c.json')],
      [['fidelity-table', v, '--md', under('t.md')], '--md', under('t.md')],
      [['fidelity-table', v, '--json', under('t.json')], '--json', under('t.json')],
      [['import-servegen', MM, '--out', under('mm.json')], '--out', under('mm.json')],
      [['export-servegen', profile, '--out', deep('pool')], '--out', deep('pool')],
      [['inspect', profile, '--report', under('i.html')], '--report', under('i.html')],
    ];
    for (const [args, flag, out] of runs) {
      const r = await runCli(...args);
      const label = args.slice(0, 1).concat(flag).join(' ');
      expect(r.code, label).toBe(2);
      // One line, before the input is read (no "read … rows" summary first).
      expect(r.stderr, label).toBe(`servegen: ${flag} ${out}: cannot write: ${file} is a file, not a directory\n`);
    }
    // A missing directory is still made (outputs may go to new folders).
    expect((await runCli('generate', profile, '--duration', '10', '--out', join(dir, 'new', 'dir', 'g.jsonl'), '--quiet')).code).toBe(0);
    expect(existsSync(join(dir, 'new', 'dir', 'g.jsonl'))).toBe(true);
  });

  it.skipIf(process.getuid?.() === 0)('a directory this user cannot write in (not as root, whom permissions do not stop)', async () => {
    const { chmodSync } = await import('node:fs');
    const ro = join(dir, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    try {
      const r = await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', join(ro, 'sub', 'p.json'));
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`servegen: --out ${join(ro, 'sub', 'p.json')}: cannot write in ${ro} (permission denied)\n`);
    } finally {
      chmodSync(ro, 0o755);
    }
  });
});

describe('several logs without a client column are one client, and a note says so', () => {
  const CODE = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
  const note = (n: number) => `note: the ${n} input files have no client column (the mapping maps no client_id): all their rows are one client, "default"; the mapping cannot name a row's file: for one client per file, ingest each with a mapping giving "client_id": {"const": "NAME"}, then fit the traces together (README, Mapping files)\n`;

  it('fit of the Azure conv and code logs merged them into one client without a word', async () => {
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('fit', CONV, CODE, '--preset', 'azure-llm-2023', '--engine', engine, '--out', join(dir, `merged-${engine}.json`));
      expect(r.code, engine).toBe(0);
      expect(r.stderr, engine).toContain(note(2));
    }
    for (const args of [
      ['ingest', CONV, CODE, '--preset', 'azure-llm-2023', '--out', join(dir, 'merged.jsonl')],
      ['ingest', CONV, CODE, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', join(dir, 'merged.parquet')],
      ['inspect', CONV, CODE, '--preset', 'azure-llm-2023'],
      ['inspect', CONV, CODE, '--preset', 'azure-llm-2023', '--engine', 'duckdb'],
      ['summarize', CONV, CODE, '--preset', 'azure-llm-2023', '--out', join(dir, 'merged-s.json')],
    ]) {
      expect((await runCli(...args)).stderr, args[0]).toContain(note(2));
    }
    // One file, or files with a client column, say nothing.
    expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 'one.json'))).stderr).not.toContain('note: the');
    const [a, b] = [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')];
    for (const [f, seed] of [[a, '1'], [b, '2']]) expect((await runCli('generate', profile, '--duration', '600', '--seed', seed, '--out', f, '--quiet')).code).toBe(0);
    const two = await runCli('fit', a, b, '--out', join(dir, 'two.json'));
    expect(two.code, two.stderr).toBe(0);
    expect(two.stderr).not.toContain('note: the');
  });

  it('the ways the note and the README give work: one client per file', async () => {
    const maps = ['conv', 'code'].map((name) => {
      const m = join(dir, `${name}-map.json`);
      writeFileSync(m, JSON.stringify({ format: 'csv', columns: { timestamp: 'TIMESTAMP', client_id: { const: name }, input_tokens: 'ContextTokens', output_tokens: 'GeneratedTokens' }, timestamp: { unit: 'iso' } }));
      return m;
    });
    // The note's way: each ingested with its own mapping, the traces (counting from their own
    // first seconds, 77 s apart) fitted together.
    const traces = [CONV, CODE].map((f, i) => join(dir, `t${i}.parquet`));
    for (let i = 0; i < 2; i++) expect((await runCli('ingest', [CONV, CODE][i], '--map', maps[i], '--out', traces[i], '--quiet')).code).toBe(0);
    const t = join(dir, 'per-file-traces.json');
    expect((await runCli('fit', ...traces, '--out', t, '--quiet')).code).toBe(0);
    const fitted = JSON.parse(readFileSync(t, 'utf8')) as { clients: { id: string }[]; span: { origin: string } };
    expect(fitted.clients.map((c) => c.id).sort()).toEqual(['code', 'conv']);
    expect(fitted.span.origin).toBe('2023-11-16T18:15:46.000Z'); // conv's, the earlier
    // The DuckDB engine's way: summaries counted from one origin.
    const sums = [CONV, CODE].map((f, i) => join(dir, `s${i}.json`));
    for (let i = 0; i < 2; i++) expect((await runCli('summarize', [CONV, CODE][i], '--map', maps[i], '--origin', '2023-11-16T18:00:00Z', '--out', sums[i], '--quiet')).code).toBe(0);
    const p = join(dir, 'per-file.json');
    expect((await runCli('fit', '--summaries', ...sums, '--out', p, '--quiet')).code).toBe(0);
    expect((JSON.parse(readFileSync(p, 'utf8')).clients as { id: string }[]).map((c) => c.id).sort()).toEqual(['code', 'conv']);
  });
});

describe('inspect --json writes snake_case keys, as every other JSON output does', () => {
  /** Every key of a parsed JSON value that is not snake_case (file paths, data keys aside: none here). */
  const camel = (v: unknown, path = ''): string[] => {
    if (Array.isArray(v)) return v.flatMap((x, i) => camel(x, `${path}[${i}]`));
    if (v === null || typeof v !== 'object') return [];
    return Object.entries(v).flatMap(([k, x]) => [...(/[A-Z]/.test(k) && !k.includes('/') ? [`${path}.${k}`] : []), ...camel(x, `${path}.${k}`)]);
  };

  it('its trace part had meanRate, topClients, aggregateIatCv… beside the ingest part\'s rows_read (either engine); a profile\'s summary likewise', async () => {
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('inspect', CONV, '--preset', 'azure-llm-2023', '--engine', engine, '--json', '--quiet');
      expect(r.code, engine).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(camel(j), engine).toEqual([]);
      expect(j.trace.mean_rate, engine).toBeCloseTo(5.53, 2);
      expect(j.trace.top_clients[0].id, engine).toBe('default');
      expect(j.trace.aggregate_iat_cv, engine).toBeGreaterThan(1);
      expect(j.trace.peak.requests_per_s, engine).toBeGreaterThan(0);
      expect(j.trace.clock_seconds, engine).toBe(0.000001);
      expect(j.trace.gap_memory.judged, engine).toBe(1);
    }
    const p = await runCli('inspect', profile, '--json');
    const j = JSON.parse(p.stdout);
    expect(camel(j)).toEqual([]);
    expect(j.mean_rate).toBeGreaterThan(0);
    expect(j.cv.request_weighted_median).toBeGreaterThan(1);
    expect(Object.keys(j.family_mix).sort()).toEqual(['gamma', 'weibull']);
    expect(j.fields.input_tokens.p50).toBeGreaterThan(0);
  });
});
