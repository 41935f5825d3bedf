import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/stats/rng.js';
import { readProfile } from '../../src/profile/read.js';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

const TENANTS = ['acme-corp-prod-key-8f3a9c', 'globex-research-4411', 'initech-batch-77ab', 'umbrella-chat-ops', 'hooli-xyz-0042'];
const SMALL = ['tiny-startup-aa11', 'lonely-dev-bb22'];

/** A log with real-looking tenant names, sessions and an absolute origin (2025-03-03). */
function writeLog(path: string): string[] {
  const rng = createRng(2025);
  const sessions: string[] = [];
  const lines = ['ts,tenant,session,prompt,completion'];
  let t = Date.UTC(2025, 2, 3, 9, 0, 0) / 1000;
  for (let i = 0; i < 6000; i++) {
    t += -Math.log(rng.nextOpen()) * 0.5;
    const u = rng.next();
    const tenant = i % 500 === 7 ? SMALL[i % 2] : TENANTS[Math.min(4, Math.floor(-Math.log(1 - u) * 1.5))];
    const session = `sess-${tenant.slice(0, 4)}-${Math.floor(i / 3)}`;
    if (i % 3 === 0) sessions.push(session);
    lines.push(`${new Date(t * 1000).toISOString()},${tenant},${session},${Math.floor(50 + rng.next() * 2000)},${Math.floor(rng.next() * 400)}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return sessions;
}

describe('fit --anonymize', () => {
  it('leaves no client id, session id or origin date in the profile nor in a trace generated from it', async () => {
    const dir = tempDir();
    const log = join(dir, 'gateway.csv');
    const sessions = writeLog(log);
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', session_id: 'session', input_tokens: 'prompt', output_tokens: 'completion' }, timestamp: { unit: 'iso' } }));
    const profilePath = join(dir, 'shareable.json');
    const fit = await runCli('fit', log, '--map', map, '--anonymize', '--keep-calendar', '--out', profilePath);
    expect(fit.code).toBe(0);
    expect(fit.stderr).toMatch(/anonymized: client ids → ranks.*, source hash and creation time removed/);
    const trace = join(dir, 'shared-trace.jsonl');
    expect((await runCli('generate', profilePath, '--duration', '3000', '--out', trace, '--quiet')).code).toBe(0);
    for (const file of [profilePath, trace]) {
      const text = readFileSync(file, 'utf8');
      for (const id of [...TENANTS, ...SMALL]) expect(text, `${file}: ${id}`).not.toContain(id);
      for (const id of [...TENANTS, ...SMALL]) expect(text).not.toContain(id.slice(0, 8));
      for (const s of sessions.slice(0, 200)) expect(text).not.toContain(s);
      expect(text).not.toContain('sess-');
      expect(text).not.toContain('2025-03-03');
      expect(text).not.toContain('2025-03');
      expect(text).not.toContain(String(Date.UTC(2025, 2, 3) / 1000).slice(0, 6)); // epoch seconds of that day
    }
    const { profile } = readProfile(profilePath);
    expect(profile.span.origin).toBeNull();
    expect(profile.span.start).toBe(0);
    expect(profile.provenance.source_sha256).toBeNull();
    // Nor when it was made (found by review: `created` was the fit's time, to the millisecond).
    expect(profile.provenance.created).toBe('1970-01-01T00:00:00.000Z');
    expect(readFileSync(profilePath, 'utf8')).not.toContain(new Date().toISOString().slice(0, 7));
    expect(profile.clients.map((c) => c.id)).toEqual(['c0001', 'c0002', 'c0003', 'c0004', 'c0005', 'tail']);
    expect(profile.provenance.options.anonymized).toMatchObject({ calendar: { weekday: 'Mon', hour: 9 } });
    expect(profile.clients[0].sessions).toBeDefined(); // statistics kept, ids gone
  });

  it('says what --keep-calendar kept, and that it kept nothing from a log with relative times, on every engine (found by review)', async () => {
    const dir = tempDir();
    const burst = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    const conv = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
    // BurstGPT's times are seconds from its start: it said "(weekday and hour kept)" and wrote calendar null.
    for (const engine of ['ts', 'duckdb']) {
      const rel = await runCli('fit', burst, '--preset', 'burstgpt', '--anonymize', '--keep-calendar', '--engine', engine, '--out', join(dir, `rel-${engine}.json`));
      expect(rel.code).toBe(0);
      expect(rel.stderr).toContain("--keep-calendar kept nothing: the log's times are relative");
      expect(rel.stderr).not.toContain('weekday and hour kept');
      expect(readProfile(join(dir, `rel-${engine}.json`)).profile.provenance.options.anonymized).toMatchObject({ calendar: null });
      const abs = await runCli('fit', conv, '--preset', 'azure-llm-2023', '--anonymize', '--keep-calendar', '--min-client-requests', '0', '--engine', engine, '--out', join(dir, `abs-${engine}.json`));
      expect(abs.code).toBe(0);
      expect(abs.stderr).toContain('anonymized: client ids → ranks (no mapping kept), absolute times removed (kept: weekday Thu and hour 18 UTC of the span start)');
    }
  });

  it('does not say how many clients "tail" pools, and warns the sharer when it is one client alone, on every engine (found by review)', async () => {
    const dir = tempDir();
    const log = join(dir, 'gateway.csv');
    writeLog(log); // one small tenant (lonely-dev-bb22, 12 requests) under the default 100
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt', output_tokens: 'completion' } }));
    for (const engine of ['ts', 'duckdb']) {
      const out = join(dir, `p-${engine}.json`);
      const fit = await runCli('fit', log, '--map', map, '--anonymize', '--engine', engine, '--out', out);
      expect(fit.code).toBe(0);
      expect(fit.stderr).toContain('warning: only one client has fewer than 100 requests: "tail" is that client alone');
      const { profile } = readProfile(out);
      expect(profile.clients.at(-1)!.id).toBe('tail');
      expect(profile.provenance.options).not.toHaveProperty('pooled_clients');
      expect(profile.provenance.options).not.toHaveProperty('inputs');
      expect(readFileSync(out, 'utf8')).not.toMatch(/"pooled_clients":\s*\d/);
      expect(profile.provenance.options.anonymized).toMatchObject({ pooled_clients: 'removed (how many clients "tail" pools)' });
      // Two small clients: no warning.
      const two = await runCli('fit', log, '--map', map, '--anonymize', '--min-client-requests', '400', '--engine', engine, '--out', join(dir, `q-${engine}.json`));
      expect(two.code).toBe(0);
      expect(two.stderr).toMatch(/\([2-4] small ones pooled into "tail"\)/);
      expect(two.stderr).not.toContain('"tail" is that client alone');
    }
  });

  it('ranks a client whose own id is "tail" like any other unless fit pooled clients into "tail" (found by review)', async () => {
    const dir = tempDir();
    const src = join(dir, 'src.csv');
    const rows = ['timestamp,client_id,input_tokens,output_tokens'];
    for (let k = 0; k < 900; k++) rows.push(`${k * 0.5},${k % 100 === 0 ? 'tiny' : k % 3 ? 'tail' : 'other'},${10 + (k % 7)},${5 + (k % 5)}`);
    writeFileSync(src, rows.join('\n') + '\n');
    const ids = async (...flags: string[]) => {
      const out = join(dir, 'p.json');
      const r = await runCli('fit', src, '--preset', 'servegen', '--anonymize', '--out', out, '--quiet', ...flags);
      expect(r.code, r.stderr).toBe(0);
      return readProfile(out).profile.clients.map((c) => c.id);
    };
    // Nothing pooled: the tenant "tail" (the largest) is c0001.
    expect(await ids('--min-client-requests', '0')).toEqual(['c0001', 'c0002', 'c0003']);
    for (const engine of ['ts', 'duckdb']) {
      // "tiny" pooled: "tail" is the pool, the tenant "tail" (renamed "tail-client" by the pooling) is ranked.
      expect(await ids('--engine', engine)).toEqual(['c0001', 'c0002', 'tail']);
    }
  });

  it('refuses a log with rows far from the others (a default date), which would publish the log\'s absolute time, on every path (found by review)', async () => {
    const dir = tempDir();
    const log = join(dir, 'gateway.csv');
    writeLog(log);
    // One row at a default date: the profile spanned 55 years, and its windows' starts, from
    // 0 at 1970-01-01, were the epoch seconds of the log's windows (1740993000 s and on).
    writeFileSync(log, readFileSync(log, 'utf8') + '1970-01-01T00:00:00.000Z,acme-corp-prod-key-8f3a9c,sess-x,100,10\n');
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt', output_tokens: 'completion' } }));
    for (const engine of ['ts', 'duckdb']) {
      const out = join(dir, `p-${engine}.json`);
      const r = await runCli('fit', log, '--map', map, '--anonymize', '--engine', engine, '--out', out);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('--anonymize: the log has rows far from all the others');
      expect(existsSync(out)).toBe(false);
      // Without --anonymize the rows are kept, as the warning says.
      expect((await runCli('fit', log, '--map', map, '--engine', engine, '--out', out, '--quiet')).code).toBe(0);
    }
    const part = join(dir, 'part.json');
    expect((await runCli('summarize', log, '--map', map, '--out', part, '--quiet')).code).toBe(0);
    const r = await runCli('fit', '--summaries', part, '--anonymize', '--min-client-requests', '0', '--out', join(dir, 's.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--anonymize: the summaries hold rows far from all the others');
  });

  it('from summaries counted from a midnight --origin, refuses: the length windows\' offset told the time of day (found by review)', async () => {
    const dir = tempDir();
    const log = join(dir, 'gateway.csv');
    writeLog(log); // from 2025-03-03 09:00 UTC
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt', output_tokens: 'completion' } }));
    const part = join(dir, 'part.json');
    const out = join(dir, 'p.json');
    const refused = async (origin: string, ...says: string[]) => {
      expect((await runCli('summarize', log, '--map', map, '--origin', origin, '--out', part, '--quiet')).code).toBe(0);
      const r = await runCli('fit', '--summaries', part, '--anonymize', '--min-client-requests', '0', '--out', out);
      expect(r.code, r.stderr).toBe(2);
      for (const text of says) expect(r.stderr).toContain(text);
      expect(existsSync(out)).toBe(false);
    };
    // The length windows (21 600 s) counted from midnight: the first started 3 h before the
    // span, and "-10800" said the span starts at 03:00, 09:00, 15:00 or 21:00.
    await refused('2025-03-03T00:00:00Z', "--anonymize: the summaries' length windows (21600 s) start 10800 s before their first arrival window", "summarize every part with --origin 2025-03-03T09:00:01.000Z (the first request's whole second)");
    // From the first window's start (09:00:00, which this refusal named before), the profile
    // counted from a 10-minute mark of the clock: its span's end told the last request's time
    // past one to the millisecond (found by the privacy audit, h-86).
    await refused('2025-03-03T09:00:00.000Z', "--anonymize: the summaries' first window starts 1 s before their first request's whole second, as they count from 2025-03-03T09:00:00.000Z", 'summarize every part with --origin 2025-03-03T09:00:01.000Z');
    // Counted from the origin it names, the profile's windows all start at 0 and after, and its
    // times are those of the fit from the log.
    expect((await runCli('summarize', log, '--map', map, '--origin', '2025-03-03T09:00:01.000Z', '--out', part, '--quiet')).code).toBe(0);
    expect((await runCli('fit', '--summaries', part, '--anonymize', '--min-client-requests', '0', '--out', out, '--quiet')).code).toBe(0);
    const { profile } = readProfile(out);
    expect(profile.clients.every((c) => c.lengths.every((w) => w.start >= 0 && w.start % 21600 === 0))).toBe(true);
    const fromLog = join(dir, 'from-log.json');
    expect((await runCli('fit', log, '--map', map, '--anonymize', '--min-client-requests', '0', '--out', fromLog, '--quiet')).code).toBe(0);
    expect(profile.span).toEqual(readProfile(fromLog).profile.span);
    // Relative times take no --origin: the remedy is to fit the log.
    const relative = join(dir, 'relative.csv');
    const [head, ...rows] = readFileSync(log, 'utf8').trim().split('\n');
    writeFileSync(relative, [head, ...rows.map((row) => { const [ts, ...rest] = row.split(','); return [(Date.parse(ts) / 1000 - Date.UTC(2025, 2, 3) / 1000).toFixed(3), ...rest].join(','); })].join('\n') + '\n');
    const rmap = join(dir, 'rmap.json');
    writeFileSync(rmap, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt', output_tokens: 'completion' }, timestamp: { unit: 's' } }));
    expect((await runCli('summarize', relative, '--map', rmap, '--out', part, '--quiet')).code).toBe(0);
    const rel = await runCli('fit', '--summaries', part, '--anonymize', '--min-client-requests', '0', '--out', out);
    expect(rel.code).toBe(2);
    expect(rel.stderr).toContain('start 10800 s before their first arrival window');
    expect(rel.stderr).toContain('fit the logs themselves with --anonymize');
  });

  it('counts a relative log\'s times from its first request: no length window starts before the span, on every engine (found by review)', async () => {
    const dir = tempDir();
    const iso = join(dir, 'gateway.csv');
    writeLog(iso);
    // The same log in seconds from 2025-03-01 00:00 UTC (a log's own zero: a service's epoch, a
    // dataset's start): its length windows (21 600 s) counted from that zero, and the first
    // started 3 h before the span, which said the span starts at 03:00, 09:00, 15:00 or 21:00.
    const zero = Date.UTC(2025, 2, 1) / 1000;
    const [head, ...rows] = readFileSync(iso, 'utf8').trim().split('\n');
    const log = join(dir, 'relative.csv');
    writeFileSync(log, [head, ...rows.map((r) => { const [ts, ...rest] = r.split(','); return [(Date.parse(ts) / 1000 - zero).toFixed(3), ...rest].join(','); })].join('\n') + '\n');
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt', output_tokens: 'completion' }, timestamp: { unit: 's' } }));
    for (const engine of ['ts', 'duckdb']) {
      const out = join(dir, `p-${engine}.json`);
      const r = await runCli('fit', log, '--map', map, '--anonymize', '--engine', engine, '--out', out, '--quiet');
      expect(r.code, r.stderr).toBe(0);
      const { profile } = readProfile(out);
      expect(profile.clients.every((c) => c.lengths.every((w) => w.start >= 0 && w.start % 21600 === 0)), engine).toBe(true);
      expect(profile.clients.every((c) => c.arrivals.every((w) => w.start >= 0))).toBe(true);
      expect(profile.span.end).toBeLessThan(3600); // the log's hour, from its first second
    }
  });

  it('titles the --report without the number of files read (found by review), on every path', async () => {
    const dir = tempDir();
    const log = join(dir, 'gateway.csv');
    writeLog(log);
    const [head, ...rows] = readFileSync(log, 'utf8').trim().split('\n');
    const parts = [join(dir, 'day-1.csv'), join(dir, 'day-2.csv')];
    writeFileSync(parts[0], [head, ...rows.slice(0, 3000)].join('\n') + '\n');
    writeFileSync(parts[1], [head, ...rows.slice(3000)].join('\n') + '\n');
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt', output_tokens: 'completion' } }));
    const summary = join(dir, 'part.json');
    expect((await runCli('summarize', ...parts, '--map', map, '--out', summary, '--quiet')).code).toBe(0);
    const runs = [
      ['ts', [...parts, '--map', map, '--engine', 'ts']],
      ['duckdb', [...parts, '--map', map, '--engine', 'duckdb']],
      ['summaries', ['--summaries', summary, '--min-client-requests', '0']],
    ] as const;
    for (const [name, args] of runs) {
      const report = join(dir, `${name}.html`);
      const r = await runCli('fit', ...args, '--anonymize', '--out', join(dir, `${name}.json`), '--report', report, '--quiet');
      expect(r.code, r.stderr).toBe(0);
      const html = readFileSync(report, 'utf8');
      expect(html, name).toContain('<title>Anonymized profile</title>');
      expect(html).not.toMatch(/input file|summary file/);
    }
    // Nor by the path it was inspected at (privacy audit h-86: "Profile /home/alice/…/ts.json").
    const page = join(dir, 'inspected.html');
    expect((await runCli('inspect', join(dir, 'ts.json'), '--report', page)).code).toBe(0);
    expect(readFileSync(page, 'utf8')).toContain('<title>Anonymized profile</title>');
    expect(readFileSync(page, 'utf8')).not.toContain(dir);
  });

  it('--dp-epsilon adds noise to histogram counts and the profile still generates', async () => {
    const dir = tempDir();
    const log = join(dir, 'gateway.csv');
    writeLog(log);
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt', output_tokens: 'completion' } }));
    const plain = join(dir, 'a.json');
    const noisy = join(dir, 'b.json');
    await runCli('fit', log, '--map', map, '--anonymize', '--out', plain, '--quiet');
    await runCli('fit', log, '--map', map, '--anonymize', '--dp-epsilon', '0.5', '--seed', '3', '--out', noisy, '--quiet');
    const a = readProfile(plain).profile.clients[0].lengths[0].fields.output_tokens!.pmf.counts!;
    const b = readProfile(noisy).profile.clients[0].lengths[0].fields.output_tokens!.pmf.counts!;
    expect(b).not.toEqual(a);
    expect(b.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);
    expect((await runCli('generate', noisy, '--duration', '600', '--out', join(dir, 't.jsonl'), '--quiet')).code).toBe(0);
    expect((await runCli('fit', log, '--map', map, '--dp-epsilon', '1', '--out', join(dir, 'c.json'), '--quiet')).code).toBe(2);
  });

  it('--dp-epsilon noise cannot be regenerated from a default seed; an explicit --seed is reproducible (review4)', async () => {
    const dir = tempDir();
    const log = join(dir, 'gateway.csv');
    writeLog(log);
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt', output_tokens: 'completion' } }));
    const fit = async (out: string, ...extra: string[]) => {
      expect((await runCli('fit', log, '--map', map, '--anonymize', '--dp-epsilon', '1', '--out', join(dir, out), '--quiet', ...extra)).code).toBe(0);
      return readProfile(join(dir, out)).profile.clients[0].lengths[0].fields.output_tokens!.pmf.counts!;
    };
    expect(await fit('r1.json')).not.toEqual(await fit('r2.json'));
    expect(await fit('s1.json', '--seed', '9')).toEqual(await fit('s2.json', '--seed', '9'));
    expect((await runCli('fit', log, '--map', map, '--anonymize', '--dp-epsilon', '1e-320', '--out', join(dir, 'x.json'), '--quiet')).code).toBe(2);
  });

  it('fit --summaries --anonymize applies --dp-epsilon, and --dp-epsilon needs --anonymize there too (review4)', async () => {
    const dir = tempDir();
    const log = join(dir, 'gateway.csv');
    writeLog(log);
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt', output_tokens: 'completion' } }));
    const part = join(dir, 'part.json');
    expect((await runCli('summarize', log, '--map', map, '--out', part, '--quiet')).code).toBe(0);
    const plain = join(dir, 'a.json');
    const noisy = join(dir, 'b.json');
    expect((await runCli('fit', '--summaries', part, '--anonymize', '--min-client-requests', '0', '--out', plain, '--quiet')).code).toBe(0);
    expect((await runCli('fit', '--summaries', part, '--anonymize', '--min-client-requests', '0', '--dp-epsilon', '0.5', '--out', noisy, '--quiet')).code).toBe(0);
    const b = readProfile(noisy).profile;
    expect(b.provenance.options.anonymized).toMatchObject({ dp_epsilon: 0.5 });
    expect(b.provenance.options).not.toHaveProperty('summaries'); // how many were read
    expect(b.clients[0].lengths[0].fields.output_tokens!.pmf.counts).not.toEqual(readProfile(plain).profile.clients[0].lengths[0].fields.output_tokens!.pmf.counts);
    expect((await runCli('fit', '--summaries', part, '--dp-epsilon', '1', '--out', join(dir, 'c.json'), '--quiet')).code).toBe(2);
  });
});

describe('fit --anonymize: every output a sharer may pass on (privacy audit h-86)', () => {
  it('holds no tenant, model, request or session id, file path, host or origin: profile (both engines), reports, inspect --json, generated traces, export-servegen', async () => {
    const dir = tempDir();
    // The log in a user's directory, named after its gateway host; a +05:30 zone; a model and
    // request ids; one tenant with a unique 31 337-token request (binned, as the README says).
    const home = join(dir, 'alice-secret');
    mkdirSync(home);
    const log = join(home, 'gw-host-prod-7.csv');
    const rng = createRng(86);
    const lines = ['ts,tenant,model,request,session,prompt,completion'];
    let t = Date.parse('2024-03-15T13:37:11.123Z') / 1000;
    for (let i = 0; i < 900; i++) {
      const tenant = ['acme-secret-42', 'globex-secret-7', 'rare-length-co'][i % 3];
      const stamp = new Date((t + 5.5 * 3600) * 1000).toISOString().replace('Z', '+05:30');
      const prompt = i === 31 ? 31337 : Math.floor(50 + rng.next() * 2000);
      lines.push(`${stamp},${tenant},internal-llm-x,req-secret-${i},sess-secret-${i % 40},${prompt},${Math.floor(rng.next() * 400)}`);
      t += -Math.log(rng.nextOpen()) * 2;
    }
    writeFileSync(log, lines.join('\n') + '\n');
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: ['tenant', 'model'], model: 'model', request_id: 'request', session_id: 'session', input_tokens: 'prompt', output_tokens: 'completion' }, timestamp: { unit: 'iso' } }));
    const outputs: string[] = [];
    for (const engine of ['ts', 'duckdb']) {
      const profile = join(home, `shareable-${engine}.json`); // (inspect titled its page by this path)
      const report = join(dir, `fit-${engine}.html`);
      const r = await runCli('fit', log, '--map', map, '--anonymize', '--engine', engine, '--out', profile, '--report', report, '--quiet');
      expect(r.code, r.stderr).toBe(0);
      outputs.push(profile, report);
    }
    const profile = outputs[0];
    const page = join(dir, 'inspected.html');
    const inspected = await runCli('inspect', profile, '--json', '--report', page);
    expect(inspected.code).toBe(0);
    outputs.push(page);
    for (const format of ['jsonl', 'csv', 'parquet']) {
      const trace = join(dir, `shared-trace.${format}`);
      expect((await runCli('generate', profile, '--duration', '7200', '--out', trace, '--quiet')).code).toBe(0);
      outputs.push(trace);
    }
    const pool = join(dir, 'pool');
    expect((await runCli('export-servegen', profile, '--out', pool, '--quiet')).code).toBe(0);
    outputs.push(...readdirSync(pool).map((f) => join(pool, f)));
    const secrets = ['acme', 'globex', 'rare-length', 'secret', 'internal-llm', 'alice', 'gw-host', 'prod-7', 'req-', 'sess-', '2024-03', '13:37', '+05:30', String(Math.floor(Date.parse('2024-03-15T13:37:11Z') / 1000)).slice(0, 6)];
    for (const [file, text] of [...outputs.map((f) => [f, readFileSync(f, 'latin1')]), ['inspect --json', inspected.stdout]]) {
      for (const secret of secrets) expect(text.includes(secret), `${file}: ${secret}`).toBe(false);
    }
    // The rare length is in a bin 3.7 % wide, not listed (export-servegen spreads a bin over its
    // every integer, 31 337 among them, as any other).
    const bins = readProfile(profile).profile.clients.flatMap((c) => c.lengths.flatMap((w) => [w.fields.input_tokens!.pmf]));
    expect(bins.some((pmf) => pmf.values.includes(31337))).toBe(false);
    expect(bins.some((pmf) => pmf.bins && pmf.bins.lo.some((lo, k) => lo <= 31337 && 31337 <= pmf.bins!.hi[k] && pmf.bins!.hi[k] - lo > 1000))).toBe(true);
  });
});

describe('anonymizeProfile: the aggregate rate model', () => {
  it('gives the same rate at the same moment after the shift to t = 0: trend and 24 h / 12 h phases (found by review)', async () => {
    const { anonymizeProfile } = await import('../../src/profile/anonymize.js');
    const base = readProfile(fixture('profiles', 'essentials.json')).profile;
    const shift = 5 * 3600 + 1234.5;
    const params = { a: 40, b: 1e-4, c24: 7, s24: -3, c12: 2, s12: 1.5 };
    // (The windows move with the span: a profile counted from its first second, h-98.)
    const clients = base.clients.map((c) => ({ ...c, arrivals: c.arrivals.map((w) => ({ ...w, start: w.start + shift })), lengths: c.lengths.map((w) => ({ ...w, start: w.start + shift })) }));
    const profile = { ...base, clients, span: { ...base.span, start: shift, end: shift + 3 * 86400 }, aggregate: { model: 'trend+24h+12h', params } };
    const rate = (q: typeof params, t: number) =>
      q.a + q.b * t + q.c24 * Math.cos((2 * Math.PI * t) / 86400) + q.s24 * Math.sin((2 * Math.PI * t) / 86400) + q.c12 * Math.cos((2 * Math.PI * t) / 43200) + q.s12 * Math.sin((2 * Math.PI * t) / 43200);
    const anon = anonymizeProfile(profile);
    const out = (anon.aggregate as { params: typeof params }).params;
    const moved = shift - anon.span.start;
    expect(moved).toBe(shift);
    for (const t of [0, 3600, 20000, 86400, 150000]) expect(rate(out, t)).toBeCloseTo(rate(params, t + moved), 9);
  });
});

describe('anonymizeProfile: the input', () => {
  it('is left as it was (the copy shares the clients\' unchanged parts with it), with and without DP noise', async () => {
    const { anonymizeProfile } = await import('../../src/profile/anonymize.js');
    const profile = readProfile(fixture('profiles', 'essentials.json')).profile;
    const before = JSON.stringify(profile);
    const plain = anonymizeProfile(profile, { keepCalendar: true });
    const noisy = anonymizeProfile(profile, { dpEpsilon: 0.5, seed: 1 });
    expect(JSON.stringify(profile)).toBe(before);
    // And the copies differ from it where they should.
    expect(plain.clients.every((c) => c.id === 'tail' || /^c\d{4}$/.test(c.id))).toBe(true);
    expect(plain.span.start).toBe(0);
    expect(JSON.stringify(noisy.clients.map((c) => c.lengths))).not.toBe(JSON.stringify(profile.clients.map((c) => c.lengths)));
  });
});

describe('anonymizeProfile: clients of equal volume', () => {
  it('are ranked by their content, not their ids: renaming the clients changes nothing published (found by review)', async () => {
    const { anonymizeProfile } = await import('../../src/profile/anonymize.js');
    const base = readProfile(fixture('profiles', 'essentials.json')).profile;
    const c = base.clients[0];
    // Two tenants of one volume, told apart by their arrivals' CV.
    const other = { ...c, arrivals: c.arrivals.map((w) => ({ ...w, cv: (w.cv ?? 1) * 2 })) };
    const named = (first: string, second: string) => ({ ...base, clients: [{ ...c, id: first }, { ...other, id: second }] });
    const a = anonymizeProfile(named('aaa-tenant', 'zzz-tenant'));
    const b = anonymizeProfile(named('zzz-tenant', 'aaa-tenant'));
    expect(a.clients.map((x) => x.id)).toEqual(['c0001', 'c0002']);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});

describe('anonymizeProfile: a level client\'s daily cycle', () => {
  it('starts on the arrival windows\' grid, not at the hour before the log\'s first second: every window keeps its factor (privacy audit h-86)', async () => {
    const { anonymizeProfile } = await import('../../src/profile/anonymize.js');
    const { dailyAt } = await import('../../src/generate/levels.js');
    const base = readProfile(fixture('profiles', 'essentials.json')).profile;
    const c = base.clients[0];
    // A log whose first second was 13:37:11 UTC: the fit counts from it, and its cycle's bins
    // start on the clock's hour before, 2 231 s earlier. Published as it was, `-2231` told the
    // log's minutes and seconds past the hour.
    const origin = '2024-03-15T13:37:11.000Z';
    const hour = -(37 * 60 + 11);
    const span = { origin, start: 0, end: 5 * 86400 };
    const W = base.windows.arrival_seconds;
    const arrivals = Array.from({ length: span.end / W }, (_, j) => ({ ...c.arrivals[0], start: j * W }));
    for (const bin_seconds of [3600, 600]) {
      const factors = Array.from({ length: 86400 / bin_seconds }, (_, h) => 0.5 + ((h * 7) % 24) / 10);
      const levels = { starts: [0], rates: [0.01], cv: 1, model: { family: 'exponential' as const, scale: 1 }, daily: { start: hour, bin_seconds, factors } };
      const profile = { ...base, span, clients: [{ ...c, arrivals, levels }] };
      const out = anonymizeProfile(profile).clients[0].levels!;
      expect(out.daily!.start).toBe(-1800);
      expect(Math.abs(out.daily!.start % W)).toBe(0);
      for (const w of arrivals) expect(dailyAt(out, w.start), `${bin_seconds} s bins, window at ${w.start}`).toBe(dailyAt(levels, w.start));
    }
  });
});
