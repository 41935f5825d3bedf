import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';
import { batchClientsNote } from '../../src/cli/batch-note.js';
import { buildSummaries } from '../../src/summary/build.js';
import { traceOf } from '../fit/helpers.js';

describe('fit and roundtrip name the clients they fit as batch clients (README, examples/batch-client.sh)', () => {
  // 20 requests at one millisecond every 60 s for 2 h beside a client every 0.7 s.
  const log = () => {
    const dir = tempDir();
    const rows: string[] = [];
    for (let b = 0; b < 120; b++) for (let k = 0; k < 20; k++) rows.push(`${(1717200000 + b * 60).toFixed(3)},batch,${100 + k},10`);
    for (let i = 0; i < 10_000; i++) rows.push(`${(1717200000 + i * 0.7 + 0.013).toFixed(3)},chat,50,5`);
    rows.sort();
    const file = join(dir, 'log.csv');
    writeFileSync(file, `ts,tenant,in,out\n${rows.join('\n')}\n`);
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'in', output_tokens: 'out' }, timestamp: { unit: 's' } }));
    return { dir, file, map };
  };

  it('by id, with both engines and in roundtrip; by count alone with --anonymize', async () => {
    const { dir, file, map } = log();
    const note = 'note: 1 client sends requests in batches at the 0.001 s clock (client "batch", 95 % of its gaps 0, about 20 requests at one instant): fitted with their requests per instant (clients[].batches)';
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('fit', file, '--map', map, '--engine', engine, '--out', join(dir, `${engine}.json`));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr, engine).toContain(note);
      const p = JSON.parse(readFileSync(join(dir, `${engine}.json`), 'utf8'));
      expect(p.clients.find((c: { id: string }) => c.id === 'batch').batches, engine).toEqual({ sizes: { values: [20], counts: [120] } });
    }
    const rt = await runCli('roundtrip', file, '--map', map, '--out', join(dir, 'rt'));
    expect(rt.stderr).toContain(note);
    // inspect of the log says the same before any fit, both engines (20 per instant exactly:
    // requests over instants, not the gaps' ratio, which misses the first batch's gap).
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('inspect', file, '--map', map, '--engine', engine);
      expect(r.stdout, engine).toContain('  batches       1 client (19.4 % of requests) sends requests in batches at one instant (fit writes batches): client "batch", 95.0 % of its gaps 0, about 20 per instant');
    }
    const anon = await runCli('fit', file, '--map', map, '--anonymize', '--out', join(dir, 'anon.json'));
    expect(anon.stderr).toContain('(a client, 95 % of its gaps 0, about 20 requests at one instant)');
    expect(anon.stderr).not.toContain('"batch"');
  }, 60_000);

  it('fit --summaries says when summaries count no batches at all (written before they were counted) while a client has many 0-tick gaps', async () => {
    const { dir, file, map } = log();
    const summaries = join(dir, 's.json');
    expect((await runCli('summarize', file, '--map', map, '--out', summaries, '--quiet')).code).toBe(0);
    const j = JSON.parse(readFileSync(summaries, 'utf8'));
    // Summaries of before session 22 count neither batches nor clusters (session 23).
    for (const a of j.arrivals) {
      delete a.batches;
      delete a.clusters;
    }
    const old = join(dir, 's-old.json');
    writeFileSync(old, JSON.stringify(j));
    const r = await runCli('fit', '--summaries', old, '--out', join(dir, 'p-old.json'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('note: 1 client has 20 % or more of its gaps at 0 ticks of the 0.001 s clock, but these summaries count no batches (requests at one instant): written before batches were counted?');
    const now = await runCli('fit', '--summaries', summaries, '--out', join(dir, 'p.json'));
    expect(now.stderr).not.toContain('count no batches');
    expect(now.stderr).toContain('1 client sends requests in batches');
  }, 60_000);

  it('names cluster clients (sent together, logged apart); fit --summaries says when summaries count no clusters', async () => {
    // 20 requests 0.4 ms apart every 60 s for 2 h, beside a client every 0.7 s, on a µs clock.
    const dir = tempDir();
    const rows: string[] = [];
    for (let b = 0; b < 120; b++) for (let k = 0; k < 20; k++) rows.push(`${(1717200000 + b * 60 + k * 0.0004).toFixed(6)},fanout,${100 + k},10`);
    for (let i = 0; i < 10_000; i++) rows.push(`${(1717200000 + i * 0.7 + 0.013).toFixed(6)},chat,50,5`);
    rows.sort();
    const file = join(dir, 'log.csv');
    writeFileSync(file, `ts,tenant,in,out\n${rows.join('\n')}\n`);
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'in', output_tokens: 'out' }, timestamp: { unit: 's' } }));
    const fit = await runCli('fit', file, '--map', map, '--out', join(dir, 'p.json'));
    expect(fit.code, fit.stderr).toBe(0);
    expect(fit.stderr).toContain('note: 1 client sends requests in clusters at the 0.000001 s clock (client "fanout", 95 % of its gaps below 1 ms, about 20 requests a cluster): fitted with their requests per instant or cluster and the gaps inside clusters (clients[].batches)');
    const p = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8'));
    expect(p.clients.find((c: { id: string }) => c.id === 'fanout').batches).toMatchObject({ sizes: { values: [20], counts: [120] }, below: 0.001 });
    for (const engine of ['ts', 'duckdb']) {
      const ins = await runCli('inspect', file, '--map', map, '--engine', engine);
      expect(ins.stdout, engine).toContain('  batches       1 client (19.4 % of requests) sends requests in clusters (fit writes batches): client "fanout", 95.0 % of its gaps below 1 ms, about 20 per cluster');
    }
    expect((await runCli('inspect', join(dir, 'p.json'))).stdout).toContain('client "fanout": 20.00 per cluster (gaps below 1 ms) on average, up to 20');
    // Summaries without clusters (written before session 23): no cluster client, and a note.
    const summaries = join(dir, 's.json');
    expect((await runCli('summarize', file, '--map', map, '--out', summaries, '--quiet')).code).toBe(0);
    const j = JSON.parse(readFileSync(summaries, 'utf8'));
    for (const a of j.arrivals) delete a.clusters;
    writeFileSync(join(dir, 's-old.json'), JSON.stringify(j));
    const old = await runCli('fit', '--summaries', join(dir, 's-old.json'), '--out', join(dir, 'p-old.json'));
    expect(old.stderr).toContain('note: 1 client has 20 % or more of its gaps below 100 ms, but these summaries count no clusters (requests sent together, logged apart): written before clusters were counted?');
    expect(JSON.parse(readFileSync(join(dir, 'p-old.json'), 'utf8')).clients.every((c: { batches?: unknown }) => c.batches === undefined)).toBe(true);
    const now = await runCli('fit', '--summaries', summaries, '--out', join(dir, 'p-now.json'));
    expect(now.stderr).not.toContain('count no clusters');
    expect(now.stderr).toContain('1 client sends requests in clusters');
  }, 60_000);

  it('not on the bundled real traces (µs, 1 s and bucketed clocks)', async () => {
    const dir = tempDir();
    for (const [file, preset] of [[fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), 'azure-llm-2023'], [fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), 'burstgpt'], [fixture('traces', 'mooncake', 'conversation_trace.jsonl.gz'), 'mooncake']]) {
      const r = await runCli('fit', file, '--preset', preset, '--out', join(dir, `${preset}.json`));
      expect(r.code).toBe(0);
      expect(r.stderr, preset).not.toContain('batches');
      expect((await runCli('inspect', file, '--preset', preset)).stdout, preset).not.toContain('batches');
    }
  }, 60_000);

  it('gives the mean requests per instant of the fitted sizes, with few instants and pauses between them', () => {
    // Found by review: 10 instants of 50, hours apart, were "about 55" (1 + zeros / (gaps −
    // zeros) leaves out the first instant) where batches.sizes and inspect say 50. Here 10
    // pairs of instants 200 s apart, hours between pairs (1 + zeros / (gaps − zeros) would say
    // 52.6): one instant alone in each window is no evidence against chance since the chance
    // test counts that a window boundary ends every run (session 23), two are.
    const times: number[] = [];
    for (let b = 0; b < 10; b++) for (const at of [10, 210]) for (let k = 0; k < 50; k++) times.push(b * 7200 + at);
    const summaries = buildSummaries(traceOf(times, undefined, ['batch']), { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 });
    expect(batchClientsNote(summaries)).toContain('(client "batch", 98 % of its gaps 0, about 50 requests at one instant)');
  });
});
