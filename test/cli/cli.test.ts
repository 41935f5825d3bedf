import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';
import { expectClose } from '../summary/equal-summaries.js';

const MM = fixture('servegen', 'multimodal', 'mm-image');

describe('servegen CLI', () => {
  it('--help lists the commands with an example; every command has an example', async () => {
    const top = await runCli('--help');
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/import-servegen/);
    expect(top.stdout).toMatch(/Example:/);
    // Every command, not a chosen few (README: "Every command: --help with an example").
    const commands = top.stdout.match(/^ {2}([a-z-]+) \[options\]/gm)!.map((l) => l.trim().split(' ')[0]);
    expect(commands).toHaveLength(13);
    for (const cmd of commands) {
      const r = await runCli(cmd, '--help');
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/Examples?:\n\s+\$ servegen /);
    }
  });

  it('runs the README quick start: import, generate (byte-identical on rerun), inspect', async () => {
    const dir = tempDir();
    const pool = join(dir, 'pool.json');
    const imp = await runCli('import-servegen', MM, '--out', pool);
    expect(imp.code).toBe(0);
    expect(imp.stderr).toMatch(/imported 35 clients/);
    const out1 = join(dir, 'a.jsonl');
    const out2 = join(dir, 'b.jsonl');
    const args = ['--start', '64800', '--duration', '600', '--rate', 'constant:100', '--seed', '1'];
    const g1 = await runCli('generate', pool, ...args, '--out', out1);
    expect(g1.code).toBe(0);
    expect(g1.stderr).toMatch(/generated \d+ requests from 14 of 35 clients over 600 s/); // the others have no rate at 18:00
    await runCli('generate', pool, ...args, '--out', out2);
    expect(readFileSync(out2).equals(readFileSync(out1))).toBe(true);
    const lines = readFileSync(out1, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0]).servegen.generator.seed).toBe('1');
    const row = JSON.parse(lines[1]);
    expect(Object.keys(row)).toEqual(['timestamp', 'client_id', 'input_tokens', 'output_tokens', 'image_count', 'image_tokens', 'audio_count', 'audio_tokens', 'video_count', 'video_tokens']);
    expect(Math.abs(lines.length - 1 - 60_000) / 60_000).toBeLessThan(0.05);
    const ins = await runCli('inspect', pool);
    expect(ins.code).toBe(0);
    expect(ins.stdout).toMatch(/image_count[\s\S]*P\(1\) 79\.\d %/);
    // No temp files left behind by the atomic writers.
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('writes csv, parquet, mooncake, vidur and azure with the same requests', async () => {
    const dir = tempDir();
    const pool = join(dir, 'pool.json');
    await runCli('import-servegen', MM, '--out', pool, '--quiet');
    const base = ['--duration', '300', '--rate', 'constant:20', '--seed', '9', '--quiet'];
    for (const [name, extra] of [['t.csv', []], ['t.parquet', []], ['t.mc', ['--format', 'mooncake']], ['t.vidur.csv', ['--format', 'vidur']], ['t.azure.csv', ['--format', 'azure']], ['t.jsonl', []]] as const) {
      const r = await runCli('generate', pool, ...base, ...extra, '--out', join(dir, name));
      expect(r.code, name).toBe(0);
    }
    const jsonl = readFileSync(join(dir, 't.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
    const csv = readFileSync(join(dir, 't.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^# servegen: /);
    expect(csv.length - 2).toBe(jsonl.length);
    const cols = csv[1].split(',');
    const firstCsv = csv[2].split(',');
    expect(Number(firstCsv[cols.indexOf('input_tokens')])).toBe(jsonl[0].input_tokens);
    const mc = readFileSync(join(dir, 't.mc'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(mc.length).toBe(jsonl.length);
    expect(mc[0]).toEqual({
      timestamp: Math.round(jsonl[0].timestamp * 1000),
      input_length: jsonl[0].input_tokens + jsonl[0].image_tokens + jsonl[0].audio_tokens + jsonl[0].video_tokens,
      output_length: jsonl[0].output_tokens,
    });
    // Vidur's trace replay: its three columns, every row, times as our CSV writes them;
    // read back with the vidur preset, the same requests.
    const vidur = readFileSync(join(dir, 't.vidur.csv'), 'utf8').trim().split('\n');
    expect(vidur[0]).toBe('arrived_at,num_prefill_tokens,num_decode_tokens');
    expect(vidur.length - 1).toBe(jsonl.length);
    vidur.slice(1).forEach((line, i) => {
      const j = jsonl[i];
      expect(line, `row ${i}`).toBe(`${csv[i + 2].split(',')[0]},${j.input_tokens + (j.image_tokens ?? 0) + (j.audio_tokens ?? 0) + (j.video_tokens ?? 0)},${j.output_tokens}`);
    });
    const back = await runCli('ingest', join(dir, 't.vidur.csv'), '--preset', 'vidur', '--out', join(dir, 'back.jsonl'), '--quiet');
    expect(back.code).toBe(0);
    const again = readFileSync(join(dir, 'back.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
    // The same requests; rows at one time (Vidur's times are the CSV's, to the microsecond) are
    // read in content order (README, Row order), so compared as one multiset.
    const byValue = (a: number, b: number) => a - b;
    expect(again.map((r) => r.output_tokens).sort(byValue)).toEqual(jsonl.map((r) => r.output_tokens).sort(byValue));
    expect(again.length).toBe(jsonl.length);
    // Azure's trace layout: the date of each request to 7 digits, read back by the Azure preset.
    // The pool has no absolute origin: dates count from the Unix epoch.
    const azure = readFileSync(join(dir, 't.azure.csv'), 'utf8').trim().split('\n');
    expect(azure[0]).toBe('TIMESTAMP,ContextTokens,GeneratedTokens');
    expect(azure.length - 1).toBe(jsonl.length);
    azure.slice(1).forEach((line, i) => {
      const [date, prompt, out] = line.split(',');
      expect(date, `row ${i}`).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}0$/);
      expect(Date.parse(`${date.replace(' ', 'T').slice(0, 23)}Z`) / 1000 + Number(`0.000${date.slice(23, 26)}`), `row ${i}`).toBeCloseTo(Number(csv[i + 2].split(',')[0]), 6);
      expect(`${prompt},${out}`).toBe(vidur[i + 1].split(',').slice(1).join(','));
    });
    expect(azure[1].startsWith('1970-01-01 00:')).toBe(true);
    const azBack = await runCli('ingest', join(dir, 't.azure.csv'), '--preset', 'azure-llm-2023', '--out', join(dir, 'az-back.jsonl'), '--quiet');
    expect(azBack.code).toBe(0);
    const azAgain = readFileSync(join(dir, 'az-back.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
    expect(azAgain.map((r) => r.output_tokens).sort(byValue)).toEqual(jsonl.map((r) => r.output_tokens).sort(byValue));
    const { parquetReadObjects } = await import('hyparquet');
    const { compressors } = await import('hyparquet-compressors');
    const buf = readFileSync(join(dir, 't.parquet'));
    const rows = await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), compressors });
    expect(rows.length).toBe(jsonl.length);
    expect(Number(rows[5].output_tokens)).toBe(jsonl[5].output_tokens);
    expect(rows[5].client_id).toBe(jsonl[5].client_id);
    expect(Math.abs(Number(rows[5].timestamp) - jsonl[5].timestamp)).toBeLessThan(1e-6);
  });

  it('export-servegen writes the upstream layout', async () => {
    const dir = tempDir();
    const pool = join(dir, 'pool.json');
    await runCli('import-servegen', MM, '--out', pool, '--quiet');
    const r = await runCli('export-servegen', pool, '--out', join(dir, 'up'));
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'up')).length).toBe(70);
    expect(r.stderr).not.toMatch(/note:/); // an imported pool loses nothing
  });

  it('export-servegen names what the layout cannot hold (a fitted BurstGPT profile: sessions, rate change points)', async () => {
    const dir = tempDir();
    await runCli('fit', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), '--preset', 'burstgpt', '--out', join(dir, 'p.json'), '--quiet');
    const r = await runCli('export-servegen', join(dir, 'p.json'), '--out', join(dir, 'up'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: 2 client\(s\) have session statistics .*not written/);
  });

  it("export-servegen names the origin it drops (a fitted Azure log's calendar); an imported pool has none to drop", async () => {
    const dir = tempDir();
    await runCli('fit', fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), '--preset', 'azure-llm-2023', '--out', join(dir, 'p.json'), '--quiet');
    const r = await runCli('export-servegen', join(dir, 'p.json'), '--out', join(dir, 'up'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: the profile's origin \(t = 0 at 2023-11-16T18:17:03\.000Z\) is not written/);
    const back = join(dir, 'back.json');
    expect((await runCli('import-servegen', join(dir, 'up'), '--out', back, '--quiet')).code).toBe(0);
    expect(JSON.parse(readFileSync(back, 'utf8')).span.origin).toBeNull();
  });

  it('generate counts the clients that drew requests: a 10 s run of the 35-client pool draws from few', async () => {
    const dir = tempDir();
    const pool = join(dir, 'pool.json');
    await runCli('import-servegen', MM, '--out', pool, '--quiet');
    const out = join(dir, 'g.jsonl');
    const r = await runCli('generate', pool, '--start', '64800', '--duration', '10', '--rate', 'constant:1', '--seed', '1', '--out', out);
    expect(r.code).toBe(0);
    const drew = new Set(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l).client_id)).size;
    expect(drew).toBeGreaterThan(0);
    expect(drew).toBeLessThan(35);
    expect(r.stderr).toMatch(new RegExp(`^generated \\d+ requests from ${drew} of 35 clients over 10 s`, 'm'));
  });
});

describe('bad input exits 2 with a message naming the file, and writes nothing', () => {
  it('malformed pool file', async () => {
    const dir = tempDir();
    const pool = join(dir, 'pool');
    const { mkdirSync, cpSync } = await import('node:fs');
    mkdirSync(pool);
    cpSync(join(MM, 'chunk-0-trace.csv'), join(pool, 'chunk-0-trace.csv'));
    writeFileSync(join(pool, 'chunk-0-dataset.json'), '{"0": {"text_tokens": "{1: oops}"}}');
    const out = join(dir, 'p.json');
    const r = await runCli('import-servegen', pool, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/chunk-0-dataset\.json:1: window 0, field text_tokens: malformed PMF/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(out)).toBe(false);
  });

  it('malformed profile names the JSON path; no output file', async () => {
    const dir = tempDir();
    const pool = join(dir, 'pool.json');
    await runCli('import-servegen', MM, '--out', pool, '--quiet');
    const doc = JSON.parse(readFileSync(pool, 'utf8'));
    doc.clients[4].arrivals[2].rate = 'fast';
    writeFileSync(pool, JSON.stringify(doc));
    const out = join(dir, 'x.jsonl');
    const r = await runCli('generate', pool, '--duration', '60', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pool\.json: clients\[4\]\.arrivals\[2\]\.rate/);
    expect(existsSync(out)).toBe(false);
  });

  it('usage errors: missing option, bad number, unknown format, missing file', async () => {
    const dir = tempDir();
    expect((await runCli('generate', 'x.json', '--out', 'y.jsonl')).code).toBe(2);
    const pool = join(dir, 'pool.json');
    await runCli('import-servegen', MM, '--out', pool, '--quiet');
    const bad = await runCli('generate', pool, '--duration', 'ten', '--out', join(dir, 'a.jsonl'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--duration: expected a number/);
    const fmt = await runCli('generate', pool, '--duration', '10', '--out', join(dir, 'a.txt'));
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toMatch(/cannot tell the format/);
    const missing = await runCli('inspect', join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: no such file/);
    const rate = await runCli('generate', pool, '--duration', '10', '--rate', 'fast', '--out', join(dir, 'a.jsonl'));
    expect(rate.code).toBe(2);
    expect(rate.stderr).toMatch(/--rate "fast"/);
  });

  it('generate --clients @FILE names ids that hold commas (found by review: a comma list cannot), spaces around them dropped', async () => {
    const dir = tempDir();
    const src = join(dir, 'src.csv');
    const rows = ['timestamp,client_id,input_tokens,output_tokens'];
    for (let k = 0; k < 600; k++) rows.push(`${k * 0.5},${k % 3 === 0 ? '"a,b"' : k % 3 === 1 ? 'c' : 'd'},${10 + (k % 7)},${5 + (k % 5)}`);
    writeFileSync(src, rows.join('\n') + '\n');
    const profile = join(dir, 'p.json');
    expect((await runCli('fit', src, '--preset', 'servegen', '--out', profile, '--quiet')).code).toBe(0);
    // Spaces around a line are dropped (client ids are trimmed when ingested).
    writeFileSync(join(dir, 'ids.txt'), 'a,b\r\n  d \t\n\n');
    const r = await runCli('generate', profile, '--duration', '300', '--clients', `@${join(dir, 'ids.txt')}`, '--out', join(dir, 'g.jsonl'), '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const ids = new Set(readFileSync(join(dir, 'g.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l).client_id));
    expect([...ids].sort()).toEqual(['a,b', 'd']);
    const missing = await runCli('generate', profile, '--duration', '10', '--clients', `@${join(dir, 'nope.txt')}`, '--out', join(dir, 'x.jsonl'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  });

  it('fit --anonymize from summaries refuses to publish small clients it cannot pool (found by review); from logs, either engine pools them', async () => {
    const dir = tempDir();
    const src = join(dir, 'src.csv');
    const rows = ['timestamp,client_id,input_tokens,output_tokens'];
    for (let k = 0; k < 900; k++) rows.push(`${k * 0.5},${k % 100 === 0 ? 'tiny' : k % 2 ? 'big1' : 'big2'},${10 + (k % 7)},${5 + (k % 5)}`);
    writeFileSync(src, rows.join('\n') + '\n');
    const part = join(dir, 'part.json');
    expect((await runCli('summarize', src, '--preset', 'servegen', '--out', part, '--quiet')).code).toBe(0);
    const r = await runCli('fit', '--summaries', part, '--anonymize', '--out', join(dir, 'p.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('1 client(s) have fewer requests');
    expect((await runCli('fit', '--summaries', part, '--anonymize', '--min-client-requests', '0', '--out', join(dir, 'p.json'), '--quiet')).code).toBe(0);
    // From rows the small client is pooled into "tail", by either engine.
    for (const engine of ['ts', 'duckdb']) {
      const f = await runCli('fit', src, '--preset', 'servegen', '--engine', engine, '--anonymize', '--out', join(dir, 'p.json'));
      expect(f.code, f.stderr).toBe(0);
      expect(f.stderr).toContain('(1 small ones pooled into "tail")');
      expect(JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8')).clients.map((c: { id: string }) => c.id)).toContain('tail');
    }
  });

  it('a profile describing no requests (no arrival windows) or with its span inverted is an error, not an empty trace (found by review)', async () => {
    const dir = tempDir();
    const p = JSON.parse(readFileSync(fixture('profiles', 'essentials.json'), 'utf8'));
    const noWindows = join(dir, 'none.json');
    writeFileSync(noWindows, JSON.stringify({ ...p, clients: p.clients.map((c: Record<string, unknown>) => ({ ...c, arrivals: [] })) }));
    const r = await runCli('generate', noWindows, '--duration', '60', '--out', join(dir, 'g.jsonl'));
    expect(r.code).toBe(2);
    // (h-82: the message names the file and the key too)
    expect(r.stderr).toContain(`${noWindows}: clients[].arrivals: no client has arrival windows, so the profile describes no requests to generate`);
    expect(existsSync(join(dir, 'g.jsonl'))).toBe(false);
    const inverted = join(dir, 'inv.json');
    writeFileSync(inverted, JSON.stringify({ ...p, span: { ...p.span, end: p.span.start - 5 } }));
    for (const cmd of [['inspect', inverted], ['generate', inverted, '--duration', '60', '--out', join(dir, 'g.jsonl')]]) {
      const v = await runCli(...cmd);
      expect(v.code, cmd[0]).toBe(2);
      expect(v.stderr, cmd[0]).toContain('span.end');
    }
  });

  it('roundtrip above the reject ratio leaves no output directory; sql takes --quiet (found by review)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.csv'), 'TIMESTAMP,ContextTokens,GeneratedTokens\nx,1,2\n2023-11-16 18:15:46.6805900,3,4\n');
    const r = await runCli('roundtrip', join(dir, 'bad.csv'), '--preset', 'azure-llm-2023', '--out', join(dir, 'rt'));
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, 'rt'))).toBe(false);
    // No accepted row at all: an input error (exit 2), whatever the ratio; still no output.
    writeFileSync(join(dir, 'none.csv'), 'TIMESTAMP,ContextTokens,GeneratedTokens\nx,1,2\n');
    const none = await runCli('roundtrip', join(dir, 'none.csv'), '--preset', 'azure-llm-2023', '--max-reject-ratio', '1', '--out', join(dir, 'rt'));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('none.csv: no accepted rows: all 1 rows rejected (bad_timestamp 1)');
    expect(existsSync(join(dir, 'rt'))).toBe(false);
    expect((await runCli('sql', '--preset', 'azure-llm-2023', '--source', 't', '--quiet')).code).toBe(0);
  });

  it('without --preset/--map inputs are read as our own traces (generated ones ingest as they are); raw logs get a hint (found by review)', async () => {
    const dir = tempDir();
    const pool = join(dir, 'pool.json');
    await runCli('import-servegen', MM, '--out', pool, '--quiet');
    expect((await runCli('generate', pool, '--duration', '30', '--rate', 'constant:5', '--out', join(dir, 'g.csv'), '--quiet')).code).toBe(0);
    const ok = await runCli('ingest', join(dir, 'g.csv'), '--out', join(dir, 'g.parquet'));
    expect(ok.code, ok.stderr).toBe(0);
    const raw = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
    const r = await runCli('ingest', raw, '--out', join(dir, 'x.parquet'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('mapping names column "timestamp" not in the header');
    expect(r.stderr).toContain('with no --preset or --map the input is read as a servegen trace: give --preset NAME');
    const v = await runCli('validate', raw, join(dir, 'g.csv'));
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('give --source-preset NAME');
    // Re-ingested (here to Parquet), a generated trace keeps its generator header: validate
    // still places it at its --start on the source's time axis (found by review).
    expect((await runCli('generate', pool, '--start', '600', '--duration', '30', '--rate', 'constant:5', '--out', join(dir, 'g600.jsonl'), '--quiet')).code).toBe(0);
    expect((await runCli('ingest', join(dir, 'g600.jsonl'), '--out', join(dir, 'g600.parquet'), '--quiet')).code).toBe(0);
    // So does DuckDB's ingest (it wrote only the ingest header: compared at offset 0).
    expect((await runCli('ingest', join(dir, 'g600.jsonl'), '--engine', 'duckdb', '--out', join(dir, 'g600-duckdb.parquet'), '--quiet')).code).toBe(0);
    for (const g of ['g600.jsonl', 'g600.parquet', 'g600-duckdb.parquet']) {
      await runCli('validate', join(dir, 'g.csv'), join(dir, g), '--json', join(dir, 'v.json'), '--quiet');
      expect(JSON.parse(readFileSync(join(dir, 'v.json'), 'utf8')).generated.time_offset_seconds, g).toBe(600);
    }
    // A chosen mapping's error has no such hint.
    const m = await runCli('ingest', raw, '--preset', 'servegen', '--out', join(dir, 'x.parquet'));
    expect(m.code).toBe(2);
    expect(m.stderr).not.toContain('with no --preset');
  });
});

describe('fit and inspect reports', () => {
  it('fit --report and inspect --report write self-contained HTML with charts', async () => {
    const dir = tempDir();
    const r = await runCli('fit', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), '--preset', 'burstgpt', '--out', join(dir, 'p.json'), '--report', join(dir, 'fit.html'), '--quiet');
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'fit.html'), 'utf8');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(6);
    expect(html).toMatch(/fitted \((lognormal|exponential)/);
    expect(html).not.toMatch(/<script|(src|href)="https?:/); // no scripts, nothing fetched
    const i = await runCli('inspect', join(dir, 'p.json'), '--report', join(dir, 'inspect.html'));
    expect(i.code).toBe(0);
    expect(readFileSync(join(dir, 'inspect.html'), 'utf8')).toMatch(/Client concentration/);
  });
});

describe('summarize and fit --summaries', () => {
  it('fits a profile from partition summaries; a non-summary file is exit 2', async () => {
    const dir = tempDir();
    const trace = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
    expect((await runCli('summarize', trace, '--preset', 'azure-llm-2023', '--out', join(dir, 'part.json'), '--quiet')).code).toBe(0);
    const r = await runCli('fit', '--summaries', join(dir, 'part.json'), '--out', join(dir, 'p.json'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/fitted 1 client from 1 summary file/);
    const bad = await runCli('fit', '--summaries', trace, '--out', join(dir, 'q.json'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a summaries file/);
  });

  it('time partitions of absolute-time logs need one --origin; with it they fit the whole\'s profile', async () => {
    const dir = tempDir();
    const lines = readFileSync(fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), 'utf8').trimEnd().split('\n');
    const whole = join(dir, 'whole.csv');
    writeFileSync(whole, lines.join('\n') + '\n');
    // Rows are in time order: cut after row 9 000 (not on a window boundary).
    writeFileSync(join(dir, 'a.csv'), [lines[0], ...lines.slice(1, 9001)].join('\n') + '\n');
    writeFileSync(join(dir, 'b.csv'), [lines[0], ...lines.slice(9001)].join('\n') + '\n');
    const summarize = (f: string, ...extra: string[]) => runCli('summarize', join(dir, f), '--preset', 'azure-llm-2023', '--resolution', '0.000001', '--out', join(dir, f.replace('.csv', '.json')), '--quiet', ...extra);
    for (const f of ['a.csv', 'b.csv']) expect((await summarize(f)).code).toBe(0);
    // Each part counts from its own first second: 1 659 s apart, off the 600 s grid.
    const off = await runCli('fit', '--summaries', join(dir, 'b.json'), join(dir, 'a.json'), '--out', join(dir, 'x.json'));
    expect(off.code).toBe(2);
    expect(off.stderr).toContain('summarize every part with the same --origin');
    for (const f of ['a.csv', 'b.csv', 'whole.csv']) expect((await summarize(f, '--origin', '2023-11-16T18:00:00Z')).code).toBe(0);
    expect((await runCli('fit', '--summaries', join(dir, 'b.json'), join(dir, 'a.json'), '--out', join(dir, 'ab.p.json'), '--quiet')).code).toBe(0);
    expect((await runCli('fit', '--summaries', join(dir, 'whole.json'), '--out', join(dir, 'w.p.json'), '--quiet')).code).toBe(0);
    const ab = JSON.parse(readFileSync(join(dir, 'ab.p.json'), 'utf8'));
    const w = JSON.parse(readFileSync(join(dir, 'w.p.json'), 'utf8'));
    expect(ab.span).toEqual(w.span);
    expect(ab.span.origin).toBe('2023-11-16T18:00:00.000Z');
    expect(ab.clients[0].requests ?? ab.clients[0].n).toBe(19366);
    // Equal to 1e-9 relative (sums added in another order).
    expectClose(w.clients, ab.clients);
    // Epoch seconds name the same instant; relative timestamps have no origin to move.
    expect((await summarize('whole.csv', '--origin', '1700157600')).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'whole.json'), 'utf8')).origin).toBe('2023-11-16T18:00:00.000Z');
    const nan = await summarize('whole.csv', '--resolution', 'abc');
    expect(nan.code).toBe(2);
    expect(nan.stderr).toContain('--resolution: expected a number > 0, got "abc"');
    const bad = await summarize('whole.csv', '--origin', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--origin: expected an ISO time or epoch seconds');
  });
});

describe('generate: huge rates (found by review)', () => {
  it('constant:1e9 for 10 s is refused with exit 2 and the limit, not an internal error; no output', async () => {
    const dir = tempDir();
    const out = join(dir, 'x.jsonl');
    const pool = fixture('servegen', 'multimodal', 'mm-image');
    const profile = join(dir, 'p.json');
    expect((await runCli('import-servegen', pool, '--out', profile, '--quiet')).code).toBe(0);
    const r = await runCli('generate', profile, '--duration', '10', '--rate', 'constant:1e9', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected to give about 1\.00e\+10 requests, above the limit of 1000000000 \(--max-requests\)/);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(existsSync(out)).toBe(false);
    const small = await runCli('generate', profile, '--duration', '10', '--rate', 'constant:100', '--max-requests', '100', '--out', out);
    expect(small.code).toBe(2);
  });
});
