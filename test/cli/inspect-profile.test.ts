import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

describe('inspect of a profile whose windows have no gaps', () => {
  it('says there is no CV and no family instead of "NaN %" and an empty list (review: a 1-row log)', async () => {
    const dir = tempDir();
    const log = join(dir, 'one.csv');
    writeFileSync(log, 'timestamp,client_id,input_tokens,output_tokens\n5,a,10,20\n');
    const profile = join(dir, 'one.json');
    const report = join(dir, 'one.html');
    expect((await runCli('fit', log, '--preset', 'servegen', '--out', profile, '--report', report, '--quiet')).code).toBe(0);
    const r = await runCli('inspect', profile);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('NaN');
    expect(r.stdout).toContain('IAT CV        request-weighted median —, mean —; — % of requests in windows with CV > 1');
    expect(r.stdout).toContain('families      none: no window has enough gaps for a model');
    const html = readFileSync(report, 'utf8');
    expect(html).not.toContain('NaN');
    expect(html).toContain('<tr><th>families</th><td>none: no window has enough gaps for a model');
  });
});

describe('inspect of an anonymized profile', () => {
  it('says what fit --anonymize kept and added: the weekday and hour of --keep-calendar, the --dp-epsilon (found by a new user\'s walkthrough: only "no absolute origin")', async () => {
    const dir = tempDir();
    const log = join(dir, 'log.csv');
    // 2025-03-03 was a Monday; 150 requests of one tenant from 09:15 UTC.
    writeFileSync(log, `time,tenant,in,out\n${Array.from({ length: 150 }, (_, i) => `2025-03-03T09:15:${String(i % 60).padStart(2, '0')}.${i}Z,acme,${10 + i},20`).join('\n')}\n`);
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'time', client_id: 'tenant', input_tokens: 'in', output_tokens: 'out' }, timestamp: { unit: 'iso' } }));
    const kept = join(dir, 'kept.json');
    const report = join(dir, 'kept.html');
    expect((await runCli('fit', log, '--map', map, '--anonymize', '--keep-calendar', '--out', kept, '--report', report, '--quiet')).code).toBe(0);
    expect(readFileSync(report, 'utf8')).toContain('<tr><th>anonymized</th><td>ranked client ids, times from 0; kept the span start&#39;s weekday and hour: Mon 09:00–10:00 UTC</td></tr>');
    const r = await runCli('inspect', kept);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("\n  anonymized    ranked client ids, times from 0; kept the span start's weekday and hour: Mon 09:00–10:00 UTC\n");
    expect(JSON.parse((await runCli('inspect', kept, '--json')).stdout).anonymized).toEqual({ calendar: { weekday: 'Mon', hour: 9 }, dp_epsilon: null });
    const noised = join(dir, 'noised.json');
    expect((await runCli('fit', log, '--map', map, '--anonymize', '--dp-epsilon', '2', '--seed', '1', '--out', noised, '--quiet')).code).toBe(0);
    expect((await runCli('inspect', noised)).stdout).toContain('\n  anonymized    ranked client ids, times from 0; no calendar kept; length PMF counts noised (--dp-epsilon 2)\n');
    // A profile fitted without --anonymize has no such line.
    const plain = join(dir, 'plain.json');
    expect((await runCli('fit', log, '--map', map, '--out', plain, '--quiet')).code).toBe(0);
    expect((await runCli('inspect', plain)).stdout).not.toContain('anonymized');
  });
});

describe('a log whose requests share one timestamp (fit warns: its profile has an empty span)', () => {
  it('inspect shows no rate ("—", it said "mean Infinity req/s"); generate and roundtrip name the profile and why (they said "profile span is empty (span.end ≤ span.start)")', async () => {
    const dir = tempDir();
    const log = join(dir, 'same.csv');
    writeFileSync(log, 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,10,20\n2023-11-16 18:15:46,11,21\n');
    const profile = join(dir, 'same.json');
    expect((await runCli('fit', log, '--preset', 'azure-llm-2023', '--out', profile, '--quiet')).code).toBe(0);
    for (const file of [profile, log]) {
      const r = await runCli('inspect', file, ...(file === log ? ['--preset', 'azure-llm-2023', '--quiet'] : []));
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/Infinity|NaN/);
      expect(r.stdout).toMatch(/requests {6}2 \(mean — req\/s/);
    }
    const why = "span: the profile's span is empty (0 … 0 s: its log's requests share one timestamp), so it has no rate over time to generate from; fit a log that spans some time";
    const g = await runCli('generate', profile, '--duration', '60', '--out', join(dir, 'g.jsonl'), '--quiet');
    expect([g.code, g.stderr]).toEqual([2, `servegen: ${profile}: ${why}\n`]);
    const rt = await runCli('roundtrip', log, '--preset', 'azure-llm-2023', '--out', join(dir, 'rt'), '--quiet');
    expect([rt.code, rt.stderr]).toEqual([2, `servegen: ${join(dir, 'rt', 'profile.json')}: ${why}\n`]);
  });
});

describe('inspect of a log and of its profile', () => {
  it('print the span in hours the same way (they printed 0.95 h and 1.0 h for one log)', async () => {
    const dir = tempDir();
    const log = join(dir, 'log.csv');
    // 0 … 3420 s: 0.95 h.
    writeFileSync(log, `timestamp,client_id,input_tokens,output_tokens\n${Array.from({ length: 20 }, (_, i) => `${i * 180},a,10,20`).join('\n')}\n`);
    const profile = join(dir, 'p.json');
    expect((await runCli('fit', log, '--preset', 'servegen', '--out', profile, '--quiet')).code).toBe(0);
    const trace = await runCli('inspect', log, '--preset', 'servegen');
    const fitted = await runCli('inspect', profile);
    expect(trace.stdout).toContain('0.000 … 3420.000 s (0.95 h)');
    expect(fitted.stdout).toContain('0 … 3420 s (0.95 h)');
  });
});

describe('inspect of a profile with count fields', () => {
  it('prints whole-number quantiles as whole numbers (image_count read "1.00  3.00  9.00"; an audit leftover)', async () => {
    const dir = tempDir();
    const profile = join(dir, 'mm.json');
    expect((await runCli('import-servegen', fixture('servegen', 'multimodal', 'mm-image'), '--out', profile, '--quiet')).code).toBe(0);
    const r = await runCli('inspect', profile);
    expect(r.code).toBe(0);
    const row = r.stdout.split('\n').find((l) => l.trimStart().startsWith('image_count'));
    expect(row).toBeDefined();
    const [, mean, ...quantiles] = row!.trim().split(/\s+/);
    expect(mean).toMatch(/^\d+\.\d\d$/); // a mean is not a count
    for (const q of quantiles) expect(q).toMatch(/^\d+$/);
  });
});
