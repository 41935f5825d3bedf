import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';
import { shortWindowWarning } from '../../src/cli/fit.js';
import type { Profile } from '../../src/profile/schema.js';

/**
 * Arrival windows short next to the gaps (found by review): `fit --window 1e-12` fitted one
 * window per request at 10^12 req/s, and generate from such a profile exited 3 allocating a
 * typed array of 10^15 windows; windows of one or two requests each under-generate.
 */
describe('short arrival windows', () => {
  const dir = tempDir();
  const conv = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

  it('generate refuses a profile of 1e-12 s windows by its size (exit 2, not 3)', async () => {
    const p = JSON.parse(readFileSync(fixture('profiles', 'essentials.json'), 'utf8'));
    p.windows.arrival_seconds = 1e-12;
    const tiny = join(dir, 'tiny.json');
    writeFileSync(tiny, JSON.stringify(p));
    const r = await runCli('generate', tiny, '--duration', '60', '--out', join(dir, 'g.jsonl'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('arrival windows of 1e-12 s');
  });

  it('fit draws a client in windows too short to rate at rate levels: no warning, and a draw keeps the rate', async () => {
    // Azure conv runs at 5.5 req/s: a 0.1 s window holds 0.55 requests on average. Drawn at its
    // windows' realized counts (before session 24) an hour came out ~30 % short, with a warning;
    // as a level client (README, Sparse clients) it keeps the rate.
    const out = join(dir, 'short.json');
    const short = await runCli('fit', conv, '--preset', 'azure-llm-2023', '--window', '0.1', '--out', out);
    expect(short.code).toBe(0);
    expect(short.stderr).not.toContain('fewer than 3 requests');
    expect(short.stderr).toMatch(/levels: 1 of 1 client \(100\.0 % of requests\) is drawn at rate levels over the span, not at its windows' realized counts: windows too small to rate/);
    const p = JSON.parse(readFileSync(out, 'utf8'));
    expect(p.clients[0].levels).toBeDefined();
    const g = await runCli('generate', out, '--duration', '3600', '--seed', '2', '--out', join(dir, 'short.jsonl'), '--quiet');
    expect(g.code).toBe(0);
    const n = readFileSync(join(dir, 'short.jsonl'), 'utf8').trim().split('\n').length - 1; // less the header line
    // The log's 19 366 requests in its hour; a draw's count varies by a few % (its bursts).
    expect(Math.abs(n / 19366 - 1)).toBeLessThan(0.1);
  }, 60_000);

  it('counts a level client\'s requests in the share the warning names', () => {
    // --window 0.7 over an hour: a 0.5/s client (1 760 requests) is a level client, two small
    // ones (12 requests, one a window) are not. They are 0.7 % of the requests, not "100 %".
    const win = (start: number, n: number) => ({ start, rate: n / 0.7, cv: null, model: null });
    const client = (id: string, windows: number, levels: boolean) => ({
      id,
      requests: windows,
      arrivals: Array.from({ length: windows }, (_, i) => win(0.7 * i, 1)),
      lengths: [],
      ...(levels ? { levels: { starts: [0], rates: [0.5], cv: 1, model: { family: 'exponential', scale: 1 } } } : {}),
    });
    const profile = { windows: { arrival_seconds: 0.7, length_seconds: 21600 }, clients: [client('dense', 1760, true), client('a', 10, false), client('b', 2, false)] } as unknown as Profile;
    expect(shortWindowWarning(profile)).toBeUndefined();
    // Without the level client the two are all of the requests: the warning stands.
    expect(shortWindowWarning({ ...profile, clients: profile.clients.slice(1) })).toMatch(/^warning: 100 % of requests/);
  });

  it('fit still warns about short windows for clients not drawn at levels', async () => {
    // 15 requests 100 s apart at --window 10: one request a window, and 14 gaps are too few for
    // levels (MIN_LEVEL_GAPS), so the client is drawn at its windows' counts.
    const rows = ['ts,tenant,pin,pout'];
    for (let i = 0; i < 15; i++) rows.push(`${1717200000 + 100 * i}.000,b,100,10`);
    const log = join(dir, 'few.csv');
    writeFileSync(log, rows.join('\n') + '\n');
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'pin', output_tokens: 'pout' }, timestamp: { unit: 's' } }));
    const r = await runCli('fit', log, '--map', map, '--window', '10', '--out', join(dir, 'few.json'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: (\d+) % of requests are in arrival windows of fewer than 3 requests \(--window 10 s\)/);
    expect(Number(/warning: (\d+) %/.exec(r.stderr)![1])).toBeGreaterThan(50);
    expect(r.stderr).not.toContain('levels:');
  }, 60_000);
});
