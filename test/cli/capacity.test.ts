import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { serviceSeconds, slotsNeeded, traceCapacity } from '../../src/validate/provisioning.js';
import { cachedPrompt, parseSlos } from '../../src/cli/capacity.js';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const CODE = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
const MODEL = { prefillTokensPerSecond: 5000, decodeTokensPerSecond: 40 };

describe('traceCapacity', () => {
  it('takes rows in time order and counts a missing length (−1) as 0 tokens', () => {
    const t = [2, 0, 1, 1];
    const input = [5000, 10000, -1, 0];
    const output = [0, 0, 40, -1];
    // In time order: t 0 (2 s), 1 (1 s), 1 (0 s), 2 (1 s).
    const c = traceCapacity(t, Int32Array.from(input), Int32Array.from(output), MODEL, [0, 10], 1);
    expect(c).toEqual({ requests: 4, spanSeconds: 2, slots: [3, 1] });
    expect(slotsNeeded([0, 1, 1, 2], [2, 1, 0, 1], 0, 1)).toBe(3);
    // Taken in the given order instead (t 2 first), the arrivals would not ascend.
    expect(() => slotsNeeded(t, [1, 2, 1, 0], 0, 1)).toThrow(/ascend/);
    expect(traceCapacity([], undefined, undefined, MODEL, [1])).toEqual({ requests: 0, spanSeconds: 0, slots: [0] });
  });
});

describe('servegen capacity', () => {
  it('on Azure code and draws of its profile: the slots the library finds, the naive baseline far below the source (the paper\'s under-provisioning)', async () => {
    const dir = tempDir();
    const profile = join(dir, 'p.json');
    expect((await runCli('fit', CODE, '--preset', 'azure-llm-2023', '--out', profile, '--quiet')).code).toBe(0);
    const ours = join(dir, 'ours.jsonl');
    const naive = join(dir, 'naive.jsonl');
    expect((await runCli('generate', profile, '--duration', '3436', '--out', ours, '--seed', '1', '--quiet')).code).toBe(0);
    expect((await runCli('generate', profile, '--duration', '3436', '--out', naive, '--naive', '--seed', '1', '--quiet')).code).toBe(0);
    const json = join(dir, 'capacity.json');
    const r = await runCli('capacity', CODE, '--source-preset', 'azure-llm-2023', ours, naive, '--json', json);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { format: string; model: Record<string, unknown>; traces: { file: string; role: string; requests: number; slots: number[] }[] };
    expect(report.format).toBe('servegen-capacity');
    expect(report.model).toEqual({ prefill_tokens_per_second: 5000, decode_tokens_per_second: 40, quantile: 0.99, slo_seconds: [1, 5] });
    expect(report.traces.map((x) => [x.file, x.role])).toEqual([
      [CODE, 'source'],
      [ours, 'generated'],
      [naive, 'generated'],
    ]);
    // The same numbers from the traces read and queued here (src/validate/provisioning.ts is tested against Erlang C).
    const expected = async (file: string, preset: string) => {
      const t = (await ingestFiles({ inputs: [file], mapping: loadPreset(preset) })).trace;
      const order = Array.from({ length: t.n }, (_, i) => i).sort((a, b) => t.timestamp[a] - t.timestamp[b] || a - b);
      const arrivals = order.map((i) => t.timestamp[i]);
      const service = order.map((i) => serviceSeconds(t.ints.input_tokens![i], t.ints.output_tokens![i], MODEL));
      return { requests: t.n, slots: [1, 5].map((slo) => slotsNeeded(arrivals, service, slo)) };
    };
    const [src, o, nv] = [await expected(CODE, 'azure-llm-2023'), await expected(ours, 'servegen'), await expected(naive, 'servegen')];
    expect(report.traces.map((x) => ({ requests: x.requests, slots: x.slots }))).toEqual([src, o, nv]);
    expect(src.requests).toBe(8819);
    // docs/benchmarks.md, Provisioning: the source needs 43 / 27 slots; naive draws 7 / 5 (5 seeds).
    expect(src.slots).toEqual([43, 27]);
    expect(nv.slots[0]).toBeLessThan(src.slots[0] / 2);
    // The table: one row per trace, the generated ones against the source.
    const pct = (x: number, ref: number) => `${x >= ref ? '+' : '−'}${Math.abs(Math.round((100 * (x - ref)) / ref))} %`;
    expect(r.stdout.split('\n')).toEqual([
      '| trace | requests | span (s) | slots, p99 delay ≤ 1 s | slots, p99 delay ≤ 5 s |',
      '|---|---|---|---|---|',
      `| AzureLLMInferenceTrace_code.csv (source) | 8819 | 3436 | 43 | 27 |`,
      expect.stringMatching(new RegExp(`^\\| ours\\.jsonl \\| ${o.requests} \\| \\d+ \\| ${o.slots[0]} \\(${pct(o.slots[0], 43)}\\) \\| ${o.slots[1]} \\(${pct(o.slots[1], 27)}\\) \\|$`)),
      expect.stringMatching(new RegExp(`^\\| naive\\.jsonl \\| ${nv.requests} \\| \\d+ \\| ${nv.slots[0]} \\(${pct(nv.slots[0], 43)}\\) \\| ${nv.slots[1]} \\(${pct(nv.slots[1], 27)}\\) \\|$`)),
      '',
    ]);
    expect(r.stderr).toMatch(/a slot processes 5000 prompt tokens\/s and 40 output tokens\/s/);
    // The README shows this very run.
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(`ours.jsonl naive.jsonl\n${r.stdout}\`\`\``);
  });

  it('roundtrip writes capacity.json for the source, its generated trace and the naive baseline: what capacity says of its files', async () => {
    const dir = tempDir();
    const out = join(dir, 'rt');
    const r = await runCli('roundtrip', CODE, '--preset', 'azure-llm-2023', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const rt = JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')) as { traces: { file: string; role: string; slots: number[] }[] };
    expect(rt.traces.map((x) => [x.file, x.role])).toEqual([
      [CODE, 'source'],
      [join(out, 'generated.jsonl'), 'generated'],
      [join(out, 'naive.jsonl'), 'generated'],
    ]);
    const json = join(dir, 'c.json');
    expect((await runCli('capacity', CODE, '--source-preset', 'azure-llm-2023', join(out, 'generated.jsonl'), join(out, 'naive.jsonl'), '--json', json, '--quiet')).code).toBe(0);
    expect(rt).toEqual(JSON.parse(readFileSync(json, 'utf8')));
    const [s, g, n] = rt.traces.map((x) => x.slots);
    const pct = (x: number, ref: number) => `${x >= ref ? '+' : '−'}${Math.abs(Math.round((100 * (x - ref)) / ref))} %`;
    expect(r.stderr).toContain(`capacity (slots for p99 queueing delay ≤ 1 / 5 s; servegen capacity): source 43 / 27, generated ${g.join(' / ')} (${pct(g[0], s[0])} / ${pct(g[1], s[1])}), naive baseline ${n.join(' / ')} (${pct(n[0], s[0])} / ${pct(n[1], s[1])})`);
  });

  it('--slo, --quantile, --prefill and --decode change the model; bad values are usage errors (exit 2)', async () => {
    const dir = tempDir();
    const log = join(dir, 'log.csv');
    // Three requests at once, each holding a slot 2 s (10 000 prompt tokens at 5 000/s).
    writeFileSync(log, 't,c,i,o\n0,a,10000,0\n0,a,10000,0\n0,a,10000,0\n');
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp: { unit: 's' } }));
    const run = async (...extra: string[]) => {
      const out = join(dir, `c${extra.join('').replace(/[^a-z0-9]/gi, '')}.json`);
      const r = await runCli('capacity', log, '--source-map', map, '--json', out, '--quiet', ...extra);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(readFileSync(out, 'utf8')) as { traces: { slots: number[] }[] }).traces[0].slots;
    };
    // The third waits 2 s on two slots: SLOs 0 and 1 need three; 2 s is met by two (the repeated 2 counted once).
    expect(await run('--slo', '0,1,2,2')).toEqual([3, 3, 2]);
    // 2 of 3 starting at once meets a 2/3 quantile at delay 0.
    expect(await run('--slo', '0', '--quantile', '0.66')).toEqual([2]);
    expect(await run('--slo', '1', '--prefill', '20000')).toEqual([1]);
    for (const [flag, value, message] of [
      ['--slo', '1,x', '--slo: expected seconds ≥ 0, comma-separated (1,5), got "x" in "1,x"'],
      ['--slo', '-1', '--slo: expected seconds ≥ 0'],
      ['--quantile', '1.5', '--quantile: expected a number in (0, 1], got "1.5"'],
      ['--prefill', '0', '--prefill: expected prompt tokens per second > 0, got "0"'],
      ['--decode', 'fast', '--decode: expected output tokens per second > 0, got "fast"'],
    ]) {
      const r = await runCli('capacity', log, '--source-map', map, flag, value);
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.stderr, `${flag} ${value}`).toContain(message);
    }
    expect(parseSlos('1s, 5')).toEqual([1, 5]);
    // A unit other than s says what it means in seconds, as the other seconds flags do.
    expect(() => parseSlos('1,500ms')).toThrow('got "500ms" in "1,500ms" (plain seconds, without a unit: 0.5)');
    expect(() => parseSlos('1h')).toThrow('(plain seconds, without a unit: 3600)');
    // --quiet without --json still prints the table (the run's only result); with --json it is the file's.
    const quiet = await runCli('capacity', log, '--source-map', map, '--quiet');
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toContain('| log.csv (source) | 3 |');
    expect(quiet.stderr).toBe('');
  });

  it('a trace without lengths is refused by name (its every request would hold a slot 0 s)', async () => {
    const dir = tempDir();
    const log = join(dir, 'times.csv');
    writeFileSync(log, 't,c\n0,a\n1,a\n');
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 't', client_id: 'c' }, timestamp: { unit: 's' } }));
    const r = await runCli('capacity', log, '--source-map', map);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${log}: no input_tokens or output_tokens: the capacity model needs request lengths (map them with --source-preset or --source-map)`);
    // A raw log as a generated trace: read as a servegen trace, which it is not.
    const g = await runCli('capacity', CODE, '--source-preset', 'azure-llm-2023', log);
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/times\.csv:1: mapping names column "timestamp" not in the header .*; with no --generated-preset or --generated-map the input is read as a servegen trace/);
  });

  it('--max-shortfall exits 1 when a generated trace needs more than that share fewer slots than the source, and says which (a batch job\'s provisioning check)', async () => {
    const dir = tempDir();
    // A source of bursts (40 requests at once every 60 s) and a draw of the same requests spread evenly.
    const rows = (spread: boolean) => Array.from({ length: 1200 }, (_, i) => `${spread ? i * 1.5 : Math.floor(i / 40) * 60},a,20000,200`);
    const src = join(dir, 'src.csv');
    const gen = join(dir, 'gen.csv');
    writeFileSync(src, `timestamp,client_id,input_tokens,output_tokens\n${rows(false).join('\n')}\n`);
    writeFileSync(gen, `timestamp,client_id,input_tokens,output_tokens\n${rows(true).join('\n')}\n`);
    const json = join(dir, 'c.json');
    const args = ['capacity', src, '--source-preset', 'servegen', gen, '--generated-preset', 'servegen', '--slo', '1'];
    // Each request holds a slot 4 + 5 = 9 s: the bursts need 40 slots for a 1 s delay, the even draw 6.
    const r = await runCli(...args, '--max-shortfall', '10%', '--json', json);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`FAIL ${gen}: 6 slots for p99 delay ≤ 1 s, 85 % fewer than the source's 40 (> --max-shortfall 10 %)`);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.check).toEqual({ max_shortfall: 0.1, pass: false, failed: [{ file: gen, slo_seconds: 1, slots: 6, source_slots: 40, shortfall: 0.85 }] });
    const ok = await runCli(...args, '--max-shortfall', '0.9', '--json', json);
    expect(ok.code).toBe(0);
    expect(JSON.parse(readFileSync(json, 'utf8')).check).toEqual({ max_shortfall: 0.9, pass: true, failed: [] });
    // Without the flag: no check, exit 0, and no check in the JSON.
    expect((await runCli(...args, '--json', json)).code).toBe(0);
    expect(JSON.parse(readFileSync(json, 'utf8')).check).toBeUndefined();
    for (const bad of ['1', '-5%', 'x']) expect((await runCli(...args, '--max-shortfall', bad)).code, bad).toBe(2);
    expect((await runCli('capacity', src, '--source-preset', 'servegen', '--max-shortfall', '0.1')).stderr).toContain('--max-shortfall: give at least one generated trace');
  });
});

describe('capacity --prefix-cache', () => {
  it('a request prefills only the prompt blocks an LRU cache does not hold (hand-checked), at most its input', async () => {
    const dir = tempDir();
    const file = join(dir, 'log.jsonl');
    // Blocks of 512: r0 [0,1] misses both; r1 [0,1,2] hits 2 (1024 tokens); r2 [3] misses; with a
    // cache of 3 blocks r2 evicted 0 (the least recent), so r3 [0] misses; r4 [3] hits 1, but its
    // input is 100 tokens: 100 cached.
    const rows = [[0, [0, 1], 1000], [1, [0, 1, 2], 1500], [2, [3], 300], [3, [0], 400], [4, [3], 100]];
    writeFileSync(file, rows.map(([t, ids, n]) => JSON.stringify({ timestamp: (t as number) * 1000, input_length: n, output_length: 10, hash_ids: ids })).join('\n') + '\n');
    const { trace } = await ingestFiles({ inputs: [file], mapping: loadPreset('mooncake') });
    const { prompt, share } = cachedPrompt(trace, 3);
    expect(Array.from(prompt)).toEqual([1000, 1500 - 1024, 300, 400, 0]);
    expect(share).toBeCloseTo((1024 + 100) / 3300, 12);
    // Without hash_ids, every prompt whole.
    expect(Array.from(cachedPrompt({ ...trace, hashIds: undefined }, 3).prompt)).toEqual([1000, 1500, 300, 400, 100]);
  });

  it('on the Mooncake synthetic trace: the cached share and fewer or as many slots in the JSON; a trace without hash_ids is said; bad values exit 2', async () => {
    const dir = tempDir();
    const src = fixture('traces', 'mooncake', 'synthetic_trace.jsonl.gz');
    const plain = await runCli('capacity', src, '--source-preset', 'mooncake', '--json', join(dir, 'a.json'), '--quiet');
    const cached = await runCli('capacity', src, '--source-preset', 'mooncake', '--prefix-cache', '16384', '--json', join(dir, 'b.json'));
    expect([plain.code, cached.code]).toEqual([0, 0]);
    const a = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8'));
    expect(b.model.prefix_cache_blocks).toBe(16384);
    expect(a.model.prefix_cache_blocks).toBeUndefined();
    const s = b.traces[0].cached_prompt_share;
    expect(s).toBeGreaterThan(0.3);
    expect(s).toBeLessThan(0.64); // below the infinite cache's block hit ratio
    b.traces[0].slots.forEach((x: number, k: number) => expect(x).toBeLessThanOrEqual(a.traces[0].slots[k]));
    expect(cached.stderr).toMatch(/synthetic_trace\.jsonl\.gz: \d+\.\d % of prompt tokens found in the prefix cache/);
    const az = await runCli('capacity', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), '--source-preset', 'burstgpt', '--prefix-cache', '100', '--quiet');
    expect(az.code).toBe(0);
    const noIds = await runCli('capacity', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), '--source-preset', 'burstgpt', '--prefix-cache', '100');
    expect(noIds.stderr).toContain('no hash_ids: every prompt is prefilled whole (--prefix-cache)');
    for (const bad of ['0', '1.5', 'x']) {
      const r = await runCli('capacity', src, '--source-preset', 'mooncake', '--prefix-cache', bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--prefix-cache: expected a whole number of blocks ≥ 1');
    }
  });
});
