/**
 * Validating a trace against another draw of its profile (README, Against a profile alone): when
 * the pair failed, the note about the generated side's rate said "generate --rate scale:1 …
 * reproduces the source's load" — wrong when the source is a draw at that same rate (found by a
 * receiver's review, h-104: two draws at constant:20 at other times were told to use scale:1).
 * With a generated source the note compares the two sides' rates instead.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

describe('validate of two draws of one profile', () => {
  let dir = '';
  let pool = '';
  const draw = async (name: string, rate: string, start: string, seed: string) => {
    const out = join(dir, name);
    expect((await runCli('generate', pool, '--start', start, '--duration', '1200', '--rate', rate, '--seed', seed, '--out', out, '--quiet')).code).toBe(0);
    return out;
  };
  beforeAll(async () => {
    dir = tempDir();
    pool = join(dir, 'pool.json');
    expect((await runCli('import-servegen', fixture('servegen', 'multimodal', 'mm-image'), '--out', pool, '--quiet')).code).toBe(0);
  });

  it('at one rate, other times: no advice to use scale:1', async () => {
    const reference = await draw('ref.jsonl', 'constant:20', '64800', 'reference');
    const mine = await draw('mine.jsonl', 'constant:20', '0', '1');
    const r = await runCli('validate', reference, mine);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('note: rate_mape: no arrival window holds requests of both sides');
    expect(r.stderr).not.toContain('reproduces the source\'s load');
    expect(r.stderr).not.toContain('was generated at --rate');
  });

  it('at two rates: names both', async () => {
    const reference = await draw('ref2.jsonl', 'constant:20', '64800', 'reference');
    const mine = await draw('mine2.jsonl', 'constant:40', '64800', '1');
    const r = await runCli('validate', reference, mine);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`note: ${mine} was generated at --rate constant:40 and the source ${reference} at --rate constant:20: draw both at one rate to compare them`);
  });
});
