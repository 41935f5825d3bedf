import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

// Defects a reviewer walking through every command as a new user left unfixed (session h-60).

const CONV = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
const BURST = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
const MM = fixture('servegen', 'multimodal', 'mm-image');

let dir: string;
let profile: string;

beforeAll(async () => {
  dir = tempDir();
  profile = join(dir, 'profile.json');
  expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', profile, '--quiet')).code).toBe(0);
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
    const r = await runCli('generate', profile, '--duration', '10', '--rate', 'constant:5', '--out', join(dir, 'twice.jsonl'), '--rate', 'constant:2', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('warning: --rate given 2 times with different values ("constant:5", "constant:2"): the last, "constant:2", is used\n');
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
