import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONV, convProfile, runCli } from './run-cli.js';

// `validate … --quiet`, `roundtrip … --quiet` and `fidelity-table … --quiet` exited 1 with
// nothing on stderr, where the README (Exit codes and errors) has the last line on stderr say
// which check failed: a batch job's log held an exit 1 and no reason (found by a new user's
// review, session 38). A passing run stays silent.

let dir: string;
let profile: string;
let trace: string;

beforeAll(async () => {
  ({ dir, profile } = await convProfile());
  trace = join(dir, 'conv.parquet');
  expect((await runCli('ingest', CONV, '--preset', 'azure-llm-2023', '--out', trace, '--quiet')).code).toBe(0);
});

describe('--quiet and a failed check', () => {
  it('validate: a failed verdict prints its failed metrics and the FAIL line; a pass prints nothing', async () => {
    const double = join(dir, 'double.jsonl');
    expect((await runCli('generate', profile, '--duration', '3503', '--rate', 'scale:2', '--seed', '5', '--out', double, '--quiet')).code).toBe(0);
    const r = await runCli('validate', trace, double, '--quiet');
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^FAIL: \d+\/\d+ metrics within thresholds \(19366 source vs \d+ generated requests\)$/);
    expect(lines.slice(0, -1).every((l) => l.startsWith('  FAIL '))).toBe(true);
    expect(r.stderr).toContain('  FAIL requests_rel_err = ');
    expect(r.stderr).not.toContain('note:');
    expect(r.stderr).not.toContain('peak load');
    const same = join(dir, 'same.jsonl');
    expect((await runCli('generate', profile, '--duration', '3503', '--seed', '5', '--out', same, '--quiet')).code).toBe(0);
    const ok = await runCli('validate', trace, same, '--quiet');
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
  });

  it('roundtrip and fidelity-table say it too', async () => {
    const strict = join(dir, 'strict.json');
    writeFileSync(strict, JSON.stringify({ aggregate: { iat_ks: 0 } }));
    const out = join(dir, 'rt');
    const r = await runCli('roundtrip', trace, '--out', out, '--thresholds', strict, '--quiet');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ {2}FAIL iat_ks = \S+ > \S+\n/); // (the threshold plus its sampling-noise allowance)
    expect(r.stderr).toMatch(/\nFAIL: \d+\/\d+ metrics within thresholds \(19366 source vs \d+ generated requests\)\n$/);
    const t = await runCli('fidelity-table', join(out, 'fidelity.json'), '--quiet');
    expect(t.code).toBe(1);
    expect(t.stdout).toBe('');
    expect(t.stderr).toBe(`0/1 traces pass (failed: rt)\n`);
  });
});
