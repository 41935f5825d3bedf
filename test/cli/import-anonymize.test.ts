/**
 * `import-servegen --anonymize` (found by a receiver's review, h-104): an imported pool records
 * the pool's path as given — an absolute one names the user's home and folders — its last two
 * folder names, its hash and when it was imported, and no command could take them out, so a pool
 * exported from one's own logs (`export-servegen`) could not be shared as `fit --anonymize`
 * shares a profile. With the flag the import is anonymized as fit's profiles are.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

describe('import-servegen --anonymize', () => {
  const pool = resolve(fixture('servegen', 'multimodal', 'mm-image'));
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
  });

  it('without it, the profile names the pool\'s path (what the flag removes)', async () => {
    const out = join(dir, 'plain.json');
    expect((await runCli('import-servegen', pool, '--out', out, '--quiet')).code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain(pool);
    expect(text).toContain('"mm-image"');
  });

  it('keeps no path, folder name, hash, creation time or client id, and generates', async () => {
    const out = join(dir, 'shared.json');
    const r = await runCli('import-servegen', pool, '--anonymize', '--out', out);
    expect(r.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    for (const leak of [pool, 'fixtures', 'multimodal', 'mm-image']) expect(text).not.toContain(leak);
    const p = JSON.parse(text);
    expect(p.provenance.source).toEqual({ kind: 'servegen-pool' });
    expect(p.provenance.source_sha256).toBeNull();
    expect(p.provenance.created).toBe('1970-01-01T00:00:00.000Z');
    expect(p.provenance.options.anonymized.client_ids).toContain('ranks');
    expect(p.clients.map((c: { id: string }) => c.id).slice(0, 3)).toEqual(['c0001', 'c0002', 'c0003']);
    expect(p.span).toEqual({ origin: null, start: 0, end: 86400 });
    const g = await runCli('generate', out, '--start', '64800', '--duration', '60', '--rate', 'constant:10', '--out', join(dir, 'g.jsonl'), '--quiet');
    expect(g.code).toBe(0);
    const i = await runCli('inspect', out);
    expect(i.stdout).toContain('anonymized');
  });
});
