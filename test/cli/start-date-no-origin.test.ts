/**
 * `generate --start <date-time>` on a profile without an origin said "its log's times were
 * relative" of every such profile (found by a receiver's review, h-104): of an anonymized one,
 * whose log had dates that `--anonymize` removed (leaving unsaid the weekday and hour
 * `--keep-calendar` kept), and of an upstream pool. The reason now fits the profile.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { CONV, runCli } from './run-cli.js';

describe('--start as a date-time, on a profile without an origin', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
  });
  const start = (profile: string) => runCli('generate', profile, '--start', '2023-11-16T18:30:00Z', '--duration', '60', '--out', join(dir, 'x.jsonl'));

  it('anonymized with --keep-calendar: says so, and when t = 0 fell', async () => {
    const profile = join(dir, 'shared.json');
    expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--anonymize', '--keep-calendar', '--out', profile, '--quiet')).code).toBe(0);
    const r = await start(profile);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: --start: seconds from the profile's start, not a date-time: ${profile} has no absolute origin (it was anonymized: its times count from its first request's whole second, without a date; t = 0 fell on a Thu between 18:00 and 19:00 UTC (kept by --keep-calendar))\n`);
  });

  it('an upstream pool: says so', async () => {
    const profile = join(dir, 'pool.json');
    expect((await runCli('import-servegen', fixture('servegen', 'multimodal', 'mm-image'), '--out', profile, '--quiet')).code).toBe(0);
    const r = await start(profile);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${profile} has no absolute origin (an upstream ServeGen pool's times count from 0, without a date)`);
    expect(r.stderr).not.toContain('relative');
  });
});
