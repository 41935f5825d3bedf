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
