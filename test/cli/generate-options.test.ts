import { readdirSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

/** Options of `generate` a user reaches for, as the README documents them (found by review). */
describe('generate options (found by review)', () => {
  const dir = tempDir();
  const pool = join(dir, 'pool.json');
  beforeAll(async () => {
    expect((await runCli('import-servegen', fixture('servegen', 'multimodal', 'mm-image'), '--out', pool, '--quiet')).code).toBe(0);
  });
  const requests = (file: string) =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as { timestamp: number; client_id: string });

  it('a huge --duration is refused up front (exit 2, no output), not a heap crash', async () => {
    const out = join(dir, 'huge.jsonl');
    const guard = await runCli('generate', pool, '--duration', '1e12', '--out', out);
    expect(guard.code).toBe(2);
    expect(guard.stderr).toMatch(/expected to give about 9\.\d+e\+12 requests, above the limit of 1000000000 \(--max-requests\)/);
    for (const extra of [['--rate', 'constant:0'], ['--naive', '--rate', 'constant:0']]) {
      const r = await runCli('generate', pool, '--duration', '1e12', ...extra, '--out', out);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--duration 1000000000000 s needs about 1\.67e\+9 arrival windows of 600 s, above the 1000000 one run can plan/);
    }
    // Just over the limit the count is exact: "about 1.00e+6 … above the 1000000" looked like no excess.
    const edge = await runCli('generate', pool, '--duration', '599999999', '--rate', 'constant:0', '--out', out);
    expect(edge.code).toBe(2);
    expect(edge.stderr).toContain('--duration 599999999 s needs 1000001 arrival windows of 600 s, above the 1000000 one run can plan');
    const far = await runCli('generate', pool, '--start', '1e20', '--duration', '60', '--out', out);
    expect(far.code).toBe(2);
    expect(far.stderr).toContain('--start 100000000000000000000 with --duration 60');
    expect(existsSync(out)).toBe(false);
  });

  it('repeats a span of a day or more in whole days, and says so when it pads one that is not', async () => {
    // The pool's span is one day: it repeats in step with the clock, and nothing is said.
    const out = join(dir, 'repeat.jsonl');
    const whole = await runCli('generate', pool, '--duration', '172800', '--out', out);
    expect(whole.code).toBe(0);
    expect(whole.stderr).not.toMatch(/repeats every/);
    // The same pool over 1.5 days repeats every 2 (it moved 12 h at each repeat of 1.5 days).
    const p = JSON.parse(readFileSync(pool, 'utf8')) as { span: { start: number; end: number }; windows: { arrival_seconds: number } };
    p.span.end = p.span.start + 129_600;
    const longer = join(dir, 'pool-1.5d.json');
    writeFileSync(longer, JSON.stringify(p));
    const past = await runCli('generate', longer, '--duration', '172800', '--out', out);
    expect(past.code).toBe(0);
    expect(past.stderr).toContain("note: the run goes past the profile's span (1.50 days), which repeats every 2 days to stay in step with the clock: the 12.0 h after the span's end in each repeat are drawn as the same hours a day earlier");
    // Inside the span, or before it (wrapped back), as said.
    expect((await runCli('generate', longer, '--duration', '129600', '--out', out)).stderr).not.toMatch(/repeats every/);
    expect((await runCli('generate', longer, '--start', '-3600', '--duration', '3600', '--out', out)).stderr).toMatch(/repeats every 2 days/);
  });

  it('--clients with an id listed twice generates that client once', async () => {
    const once = join(dir, 'once.jsonl');
    const twice = join(dir, 'twice.jsonl');
    expect((await runCli('generate', pool, '--duration', '120', '--clients', '12', '--out', once, '--quiet')).code).toBe(0);
    expect((await runCli('generate', pool, '--duration', '120', '--clients', '12,12', '--out', twice, '--quiet')).code).toBe(0);
    expect(readFileSync(twice, 'utf8')).toBe(readFileSync(once, 'utf8'));
  });

  it('a rate file is followed within a window: a 60 s burst stays in its 60 s (ours and --naive)', async () => {
    const spike = join(dir, 'spike.json');
    writeFileSync(spike, JSON.stringify([[0, 0], [100, 0], [101, 100], [160, 100], [161, 0]]));
    for (const naive of [[], ['--naive']]) {
      const out = join(dir, `spike${naive.length}.jsonl`);
      const r = await runCli('generate', pool, '--duration', '600', '--rate', spike, ...naive, '--seed', '3', '--out', out, '--quiet');
      expect(r.code).toBe(0);
      const ts = requests(out).map((q) => q.timestamp);
      // ∫ rate = 0.5·100 + 59·100 + 0.5·100 = 6000 requests, all within [100, 161).
      expect(ts.length, naive.join('')).toBeGreaterThan(5000);
      expect(ts.length).toBeLessThan(7000);
      expect(ts.every((t) => t >= 100 && t < 161), naive.join('')).toBe(true);
    }
    // A ramp 0 → 60 req/s over the window: the second half has three times the first's rate.
    const ramp = join(dir, 'ramp.csv');
    writeFileSync(ramp, 'time,rate\n0,0\n600,60\n');
    const out = join(dir, 'ramp.jsonl');
    expect((await runCli('generate', pool, '--duration', '600', '--rate', ramp, '--naive', '--out', out, '--quiet')).code).toBe(0);
    const ts = requests(out).map((q) => q.timestamp);
    const first = ts.filter((t) => t < 300).length;
    expect(ts.length - first).toBeGreaterThan(2.5 * first);
  });

  it('a rate CSV cell that is not a number is named as written', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'time,rate\n0,10\n600,abc\n');
    const r = await runCli('generate', pool, '--duration', '60', '--rate', bad, '--out', join(dir, 'bad.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: line 3: rate must be a number ≥ 0, got "abc"`);
  });
});

describe('a span without activity (found by review)', () => {
  it('warns that the output will have no requests, and says where the profile is active otherwise', async () => {
    const dir = tempDir();
    expect((await runCli('import-servegen', fixture('servegen', 'reason', 'deepseek-r1-sample'), '--out', join(dir, 'ds.json'), '--quiet')).code).toBe(0);
    // The sample pool's clients are idle from 10:00 to 12:00.
    const quiet = await runCli('generate', join(dir, 'ds.json'), '--start', '36000', '--duration', '7200', '--out', join(dir, 'q.jsonl'));
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toMatch(/warning: no chosen client has a positive rate in \[36000, 43200\) s/);
    expect(quiet.stderr).toMatch(/generated 0 requests/);
    const busy = await runCli('generate', join(dir, 'ds.json'), '--start', '64800', '--duration', '600', '--out', join(dir, 'b.jsonl'));
    expect(busy.stderr).not.toMatch(/warning/);
  });
});

describe('Parquet and Arrow outputs under a file (found by review)', () => {
  it('name the output and say a file is in the way, as jsonl/csv outputs do', async () => {
    const dir = tempDir();
    const file = join(dir, 'plain.txt');
    writeFileSync(file, 'not a directory\n');
    const profile = fixture('profiles', 'essentials.json');
    const trace = join(dir, 'g.jsonl');
    expect((await runCli('generate', profile, '--duration', '10', '--out', trace, '--quiet')).code).toBe(0);
    for (const ext of ['parquet', 'arrow', 'jsonl']) {
      const out = join(file, `x.${ext}`);
      const g = await runCli('generate', profile, '--duration', '10', '--out', out, '--quiet');
      expect(g.code, ext).toBe(2);
      // Refused before anything is read, naming the flag (session h-60).
      expect(g.stderr, ext).toBe(`servegen: --out ${out}: cannot write: ${file} is a file, not a directory\n`);
      const i = await runCli('ingest', trace, '--out', out, '--quiet');
      expect(i.stderr, ext).toBe(`servegen: --out ${out}: cannot write: ${file} is a file, not a directory\n`);
      expect(i.code, ext).toBe(2);
    }
  });
});

describe('validate --report with a baseline (found by review)', () => {
  it('shows no baseline ratio where our value is 0 (it printed "(1000000000000×)")', async () => {
    const dir = tempDir();
    const profile = fixture('profiles', 'essentials.json');
    const gen = join(dir, 'g.jsonl');
    const naive = join(dir, 'n.jsonl');
    expect((await runCli('generate', profile, '--duration', '600', '--out', gen, '--quiet')).code).toBe(0);
    expect((await runCli('generate', profile, '--duration', '600', '--naive', '--out', naive, '--quiet')).code).toBe(0);
    const html = join(dir, 'r.html');
    const json = join(dir, 'r.json');
    const r = await runCli('validate', gen, gen, '--baseline', naive, '--report', html, '--json', json, '--quiet');
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { metrics: Record<string, { value: number | null; baseline?: number | null }> };
    expect(report.metrics.client_share_tv.value).toBe(0);
    expect(report.metrics.client_share_tv.baseline).toBeGreaterThan(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/<code>client_share_tv<\/code>/);
    expect(page).not.toMatch(/\(\d{7,}×\)/);
  });
});

describe('export-servegen → import-servegen of a fitted profile (found by review)', () => {
  const base = JSON.parse(readFileSync(fixture('profiles', 'essentials.json'), 'utf8')) as {
    span: { start: number; end: number };
    clients: { id: string; requests: number; arrivals: { start: number }[] }[];
  };

  it('windows without requests are written as upstream writes them (rate 0), so the pool imports', async () => {
    const dir = tempDir();
    const p = structuredClone(base);
    // A client active in windows 0 and 1800 only: a fitted profile keeps no empty windows.
    p.span.end = 2400;
    p.clients[0].arrivals[1].start = 1800;
    const file = join(dir, 'p.json');
    writeFileSync(file, JSON.stringify(p));
    expect((await runCli('export-servegen', file, '--out', join(dir, 'pool'), '--quiet')).code).toBe(0);
    expect(readFileSync(join(dir, 'pool', 'chunk-0-trace.csv'), 'utf8').split('\n').map((l) => l.split(',')[0])).toEqual(['0', '600', '1200', '1800', '']);
    const r = await runCli('import-servegen', join(dir, 'pool'), '--out', join(dir, 'back.json'), '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('a window the span ends inside keeps its requests (upstream generates whole windows): BurstGPT fitted, exported, imported back has its 400 requests (was 423)', async () => {
    const dir = tempDir();
    expect((await runCli('fit', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), '--preset', 'burstgpt', '--out', join(dir, 'p.json'), '--quiet')).code).toBe(0);
    expect((await runCli('export-servegen', join(dir, 'p.json'), '--out', join(dir, 'pool'), '--quiet')).code).toBe(0);
    expect((await runCli('import-servegen', join(dir, 'pool'), '--out', join(dir, 'back.json'), '--quiet')).code).toBe(0);
    const total = (f: string) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { clients: { requests: number }[] }).clients.reduce((a, c) => a + c.requests, 0);
    expect(total('p.json')).toBe(400);
    expect(total('back.json')).toBe(400);
  });

  it('a numeric id and another id never share a chunk number (one overwrote the other)', async () => {
    const dir = tempDir();
    const p = structuredClone(base);
    p.clients = [{ ...p.clients[0], id: '1' }, { ...p.clients[0], id: 'x' }, { ...p.clients[0], id: '0' }];
    const file = join(dir, 'p.json');
    writeFileSync(file, JSON.stringify(p));
    expect((await runCli('export-servegen', file, '--out', join(dir, 'pool'), '--quiet')).code).toBe(0);
    const r = await runCli('import-servegen', join(dir, 'pool'), '--out', join(dir, 'back.json'), '--quiet');
    expect(r.code).toBe(0);
    const back = JSON.parse(readFileSync(join(dir, 'back.json'), 'utf8')) as { clients: { id: string }[] };
    // Three chunks (x took number 2), and servegen-clients.json gives the ids back.
    expect(readdirSync(join(dir, 'pool')).filter((n) => n.endsWith('-trace.csv')).sort()).toEqual(['chunk-0-trace.csv', 'chunk-1-trace.csv', 'chunk-2-trace.csv']);
    expect(back.clients.map((c) => c.id).sort()).toEqual(['0', '1', 'x']);
  });
});

describe('long spans (found by review)', () => {
  it('--rate peak:R and --naive over ~10^5 windows run (Math.max(...slots) overflowed the call stack: internal error, exit 3)', async () => {
    const dir = tempDir();
    const profile = fixture('profiles', 'essentials.json');
    for (const extra of [['--rate', 'peak:0.0001'], ['--naive', '--rate', 'peak:0.0001'], ['--naive', '--rate', 'constant:0.00001']]) {
      const r = await runCli('generate', profile, '--duration', '1e8', ...extra, '--out', join(dir, 'g.jsonl'), '--quiet');
      expect(r.stderr, extra.join(' ')).toBe('');
      expect(r.code, extra.join(' ')).toBe(0);
    }
  }, 60_000);
});

describe('fit: one long session (found by review)', () => {
  it('a session of 200 000 turns is fitted (push(...gaps) overflowed the call stack: internal error, exit 3)', async () => {
    const dir = tempDir();
    const trace = join(dir, 'sess.jsonl');
    const lines = [JSON.stringify({ servegen: { format: 'servegen-trace', version: 1, origin: null } })];
    for (let i = 0; i < 200_000; i++) lines.push(JSON.stringify({ timestamp: i * 0.01, client_id: 'c', session_id: 's', input_tokens: 5 + (i % 3), output_tokens: 6 }));
    writeFileSync(trace, lines.join('\n') + '\n');
    const r = await runCli('fit', trace, '--out', join(dir, 'p.json'), '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const p = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8')) as { clients: { sessions?: { sessions: number } }[] };
    expect(p.clients[0].sessions?.sessions).toBe(1);
  }, 60_000);
});

describe('outputs where a directory or a file is (found by review)', () => {
  it('an output that is a directory, an output directory that is a file: named, in plain words, no temporary path', async () => {
    const dir = tempDir();
    const profile = fixture('profiles', 'essentials.json');
    const trace = join(dir, 'g.jsonl');
    expect((await runCli('generate', profile, '--duration', '10', '--out', trace, '--quiet')).code).toBe(0);
    for (const ext of ['jsonl', 'parquet', 'arrow']) {
      const out = join(dir, `d.${ext}`);
      mkdirSync(out);
      const g = await runCli('generate', profile, '--duration', '10', '--out', out, '--quiet');
      expect(g.code, ext).toBe(2);
      expect(g.stderr, ext).toBe(`servegen: ${out}: cannot write (it is a directory)\n`);
    }
    const e = await runCli('export-servegen', profile, '--out', trace, '--quiet');
    expect(e.code).toBe(2);
    expect(e.stderr).toBe(`servegen: --out ${trace}: an existing file, not a directory (it writes the pool's chunk files into a directory); give a directory name\n`);
    // roundtrip says so before reading its input (a new user's walkthrough: it fitted the whole
    // log first, then said "/abs/path: a file is in the way of its directory").
    const rt = await runCli('roundtrip', join(dir, 'nope.csv'), '--out', trace, '--quiet');
    expect([rt.code, rt.stderr]).toEqual([2, `servegen: --out ${trace}: an existing file, not a directory (it writes profile.json, the generated traces and the reports into a directory); give a directory name\n`]);
  });
});

describe('validate --thresholds (found by review)', () => {
  it('a key that is no metric kind is refused by path (a typo was ignored and validate passed)', async () => {
    const dir = tempDir();
    const profile = fixture('profiles', 'essentials.json');
    const gen = join(dir, 'g.jsonl');
    expect((await runCli('generate', profile, '--duration', '120', '--out', gen, '--quiet')).code).toBe(0);
    for (const [doc, path] of [[{ aggregate: { iat_kss: 0 } }, 'aggregate.iat_kss'], [{ client: { client_share_tv: 0 } }, 'client.client_share_tv']] as const) {
      const t = join(dir, 't.json');
      writeFileSync(t, JSON.stringify(doc));
      const r = await runCli('validate', gen, gen, '--thresholds', t, '--quiet');
      expect(r.code, path).toBe(2);
      expect(r.stderr, path).toContain(`${t}: ${path}: not a metric kind`);
      const rt = await runCli('roundtrip', gen, '--thresholds', t, '--out', join(dir, 'rt'), '--quiet');
      expect(rt.code, path).toBe(2);
    }
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, JSON.stringify({ aggregate: { iat_ks: 0.5 }, client: { rate_mape: 2 } }));
    expect((await runCli('validate', gen, gen, '--thresholds', ok, '--quiet')).code).toBe(0);
  });
});

describe('fidelity-table (found by review)', () => {
  it('a report missing its parts is bad input by name (was an internal error, exit 3); alike names get their paths', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.json');
    for (const [doc, what] of [[{ format: 'servegen-fidelity' }, 'pass'], [{ format: 'servegen-fidelity', pass: true, metrics: {}, failed: [], source: {} }, 'source.requests']] as const) {
      writeFileSync(bad, JSON.stringify(doc));
      const r = await runCli('fidelity-table', bad, '--quiet');
      expect(r.code, what).toBe(2);
      expect(r.stderr, what).toBe(`servegen: ${bad}: ${what}: missing or malformed in this fidelity report\n`);
    }
    writeFileSync(bad, 'null');
    expect((await runCli('fidelity-table', bad, '--quiet')).code).toBe(2);
    const report = { format: 'servegen-fidelity', pass: true, metrics: { iat_ks: { value: 0.01, threshold: 0.1, pass: true, scope: 'aggregate' } }, failed: [], source: { requests: 10 } };
    const files = ['a', 'b'].map((d) => {
      mkdirSync(join(dir, d, 'conv'), { recursive: true });
      const f = join(dir, d, 'conv', 'fidelity.json');
      writeFileSync(f, JSON.stringify(report));
      return f;
    });
    const r = await runCli('fidelity-table', ...files);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`| ${join(dir, 'a', 'conv')} | 10 | pass |`);
    expect(r.stdout).toContain(`| ${join(dir, 'b', 'conv')} | 10 | pass |`);
  });

  it('lists a report named twice once, with a note (ok.json ./ok.json were two rows)', async () => {
    const dir = tempDir();
    const f = join(dir, 'ok.json');
    writeFileSync(f, JSON.stringify({ format: 'servegen-fidelity', pass: true, metrics: { iat_ks: { value: 0.01, threshold: 0.1, pass: true, scope: 'aggregate' } }, failed: [], source: { requests: 10 } }));
    const r = await runCli('fidelity-table', f, `${dir}/./ok.json`, '--json', join(dir, 't.json'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`note: ${`${dir}/./ok.json`} is the report ${f} again; listed once`);
    expect(r.stdout.split('\n').filter((l) => l.includes('| 10 | pass |')).length).toBe(1);
  });
});

describe('inputs named twice (found by review)', () => {
  it('a file matched by a pattern and by its path is read once (every request was doubled)', async () => {
    const dir = tempDir();
    const profile = fixture('profiles', 'essentials.json');
    const trace = join(dir, 'g.jsonl');
    expect((await runCli('generate', profile, '--duration', '60', '--out', trace, '--quiet')).code).toBe(0);
    const rows = readFileSync(trace, 'utf8').trim().split('\n').length - 1;
    const r = await runCli('ingest', trace, join(dir, '*.jsonl'), trace, '--out', join(dir, 'once.csv'), '--summary', join(dir, 's.json'), '--quiet');
    expect(r.code).toBe(0);
    expect((JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')) as { rows_read: number }).rows_read).toBe(rows);
    const inspect = await runCli('inspect', trace, trace, '--json', '--quiet');
    expect((JSON.parse(inspect.stdout) as { trace: { requests: number } }).trace.requests).toBe(rows);
  });
});

describe('generate --naive --shape params, a cut Arrow file (found by review)', () => {
  it('--naive refuses --shape params (Poisson arrivals take no window shape; the header said params)', async () => {
    const dir = tempDir();
    const r = await runCli('generate', fixture('profiles', 'essentials.json'), '--duration', '60', '--naive', '--shape', 'params', '--out', join(dir, 'n.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--shape params: --naive draws Poisson arrivals');
    expect((await runCli('generate', fixture('profiles', 'essentials.json'), '--duration', '60', '--naive', '--out', join(dir, 'n.jsonl'), '--quiet')).code).toBe(0);
  });

  it('an Arrow file cut short is bad input in plain words (was apache-arrow\'s "Cannot read properties of null")', async () => {
    const dir = tempDir();
    const full = join(dir, 'a.arrow');
    expect((await runCli('generate', fixture('profiles', 'essentials.json'), '--duration', '300', '--out', full, '--quiet')).code).toBe(0);
    const cut = join(dir, 'cut.arrow');
    writeFileSync(cut, readFileSync(full).subarray(0, 1000));
    const r = await runCli('inspect', cut);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cut}: not a readable Arrow IPC file or stream (cut short or corrupt)`);
  });
});

describe('fidelity-table, a metric that is no object (found by review)', () => {
  it('is bad input naming the metric, exit 2 (was an internal error, exit 3)', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.json');
    const base = { format: 'servegen-fidelity', pass: true, failed: [], source: { requests: 10 } };
    for (const [metrics, what] of [[{ iat_ks: null }, 'metrics.iat_ks'], [{ rate_mape: 3 }, 'metrics.rate_mape'], [{ iat_ks: { value: '0.1' } }, 'metrics.iat_ks']] as const) {
      writeFileSync(bad, JSON.stringify({ ...base, metrics }));
      const r = await runCli('fidelity-table', bad, '--quiet');
      expect(r.code, what).toBe(2);
      expect(r.stderr, what).toBe(`servegen: ${bad}: ${what}: missing or malformed in this fidelity report\n`);
    }
    writeFileSync(bad, JSON.stringify({ ...base, failed: [null], metrics: {} }));
    expect((await runCli('fidelity-table', bad, '--quiet')).stderr).toBe(`servegen: ${bad}: failed: missing or malformed in this fidelity report\n`);
  });
});

describe('fidelity-table, a "|" in a name (found by review)', () => {
  it('is escaped, so the markdown row keeps its five cells', async () => {
    const dir = tempDir();
    const f = join(dir, 'x|y.json');
    const metrics = { 'rate_mape@client:a|b': { value: 1, threshold: 0.1, pass: false, scope: 'client' } };
    writeFileSync(f, JSON.stringify({ format: 'servegen-fidelity', pass: false, failed: ['rate_mape@client:a|b'], metrics, source: { requests: 5 } }));
    const r = await runCli('fidelity-table', f);
    expect(r.code).toBe(1);
    const row = r.stdout.split('\n')[2];
    expect(row).toBe('| x\\|y | 5 | FAIL | 0/1 | rate_mape@client:a\\|b |');
    // Cells split at unescaped "|" only: five of them, as in the header.
    expect(row.split(/(?<!\\)\|/).length).toBe(r.stdout.split('\n')[0].split('|').length);
  });
});

describe('fidelity-table, a report that is not JSON (found by review)', () => {
  it('names the line and column of invalid JSON, and says gzip or binary data is such', async () => {
    const dir = tempDir();
    const bad = join(dir, 'broken.json');
    writeFileSync(bad, '{"format": "servegen-fidelity",\n"pass": true,\n"failed": [],,\n}');
    let r = await runCli('fidelity-table', bad, '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${bad}:3:14: invalid JSON (Expected double-quoted property name): not a fidelity report\n`);
    const { gzipSync } = await import('node:zlib');
    const gz = join(dir, 'fidelity.json');
    writeFileSync(gz, gzipSync('{"format": "servegen-fidelity"}'));
    r = await runCli('fidelity-table', gz, '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${gz}: gzip-compressed data, not a fidelity report (gunzip it first)\n`);
    // A byte-order mark is no error.
    writeFileSync(bad, '\uFEFF' + JSON.stringify({ format: 'servegen-fidelity', pass: true, failed: [], metrics: {}, source: { requests: 3 } }));
    r = await runCli('fidelity-table', bad, '--quiet');
    expect(r.code, r.stderr).toBe(0);
  });
});
