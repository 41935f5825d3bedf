/**
 * `validate <profile> <generated>`: a receiver of a shared profile has no source log. The refusal
 * named `inspect` and `generate` only, and no page said how to check a trace against a profile
 * alone (found by a receiver's review, h-104). It now gives the check that works — another draw
 * of the profile, made as the trace was, as the source — filled in from the trace's header, and
 * cites the README section that explains it. The commands it prints are run here as printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { convProfile, runCli } from './run-cli.js';

describe('validate with a profile as the source', () => {
  let dir = '';
  let profile = '';
  beforeAll(async () => {
    ({ dir, profile } = await convProfile());
  });

  it('is refused (exit 2) with the reference draw to validate against, from the trace header, and that draw passes', async () => {
    const mine = join(dir, 'mine.jsonl');
    expect((await runCli('generate', profile, '--start', '600', '--duration', '1800', '--rate', 'scale:1', '--seed', '1', '--out', mine, '--quiet')).code).toBe(0);
    const r = await runCli('validate', profile, mine);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toContain(`${profile}: a servegen profile, not a trace`);
    expect(r.stderr).toContain('(README, Against a profile alone)');
    const generate = /servegen (generate .*? --out reference\.jsonl)/.exec(r.stderr)?.[1];
    expect(generate).toBe(`generate ${profile} --start 600 --duration 1800 --rate scale:1 --seed reference --out reference.jsonl`);
    // Run as printed (in the test's directory), then the validate it names.
    const reference = join(dir, 'reference.jsonl');
    const args = generate!.split(' ').map((a) => (a === 'reference.jsonl' ? reference : a));
    expect((await runCli(...args, '--quiet')).code).toBe(0);
    expect(r.stderr).toContain(`then servegen validate reference.jsonl ${mine}`);
    const v = await runCli('validate', reference, mine, '--quiet');
    expect(v.code).toBe(0);
  });

  it('names the options to give when the trace has no header (a replay format)', async () => {
    const mine = join(dir, 'mine.mooncake.jsonl');
    expect((await runCli('generate', profile, '--duration', '600', '--format', 'mooncake', '--out', mine, '--quiet')).code).toBe(0);
    const r = await runCli('validate', profile, mine);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`servegen generate ${profile} --start S --duration SECONDS --rate SPEC --seed reference --out reference.jsonl (the --start, --duration, --rate and other options it was generated with`);
    expect(r.stderr).toContain('--source-preset mooncake --generated-preset mooncake');
  });

  it('the section it cites exists in the README', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain('\n### Against a profile alone\n');
  });
});
