/**
 * A client's rates edited by hand, its `requests` left as it was (found by a receiver's review,
 * h-104): `generate` draws from the rates, but `inspect` kept printing the old request count and
 * shares (BurstGPT's c0001 at ×10 still "400 requests", "c0001 75.5 %") and `--clients top:K`
 * ranks by `requests`, without a word. `inspect` and `generate` now say which clients disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requestsFromRates } from '../../src/profile/request-totals.js';
import { readProfile } from '../../src/profile/read.js';
import { fixture, tempDir } from '../helpers.js';
import { CONV, runCli } from './run-cli.js';

describe('requests that disagree with the rates', () => {
  let dir = '';
  let fitted = '';
  let pool = '';
  beforeAll(async () => {
    dir = tempDir();
    fitted = join(dir, 'conv.json');
    pool = join(dir, 'pool.json');
    expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--anonymize', '--out', fitted, '--quiet')).code).toBe(0);
    expect((await runCli('import-servegen', fixture('servegen', 'multimodal', 'mm-image'), '--out', pool, '--quiet')).code).toBe(0);
  });

  it('fit and import-servegen write requests equal to their rates\' total (so the check is exact)', () => {
    for (const file of [fitted, pool]) {
      const { profile } = readProfile(file);
      for (const c of profile.clients) expect(Math.abs(requestsFromRates(profile, c) - c.requests)).toBeLessThanOrEqual(0.5 + 1e-9 * c.requests);
    }
  });

  it('no note for a profile as written; a note naming the client after its rates are edited', async () => {
    for (const cmd of [['inspect', fitted], ['generate', fitted, '--duration', '60', '--out', join(dir, 'a.jsonl')]]) {
      const r = await runCli(...cmd);
      expect(r.code).toBe(0);
      expect(r.stderr).not.toContain('"requests" disagree');
    }
    const p = JSON.parse(readFileSync(fitted, 'utf8'));
    for (const w of p.clients[0].arrivals) w.rate *= 2;
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, JSON.stringify(p));
    const twice = 2 * p.clients[0].requests;
    for (const cmd of [['inspect', edited], ['generate', edited, '--duration', '60', '--out', join(dir, 'b.jsonl')]]) {
      const r = await runCli(...cmd);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`note: 1 client's "requests" disagrees with its arrival windows' rates (edited by hand?): "c0001" has requests ${p.clients[0].requests}, its windows' rates give ${twice}.`);
    }
  });
});
