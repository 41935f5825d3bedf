import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const MM = fixture('servegen', 'multimodal', 'mm-image');
const BURST = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');

describe('export-servegen into a directory that holds another pool (found by review)', () => {
  it('is refused with exit 2, naming the directory and leaving its files as they were', async () => {
    const dir = tempDir();
    const mm = join(dir, 'mm.json');
    const fitted = join(dir, 'fitted.json');
    const pool = join(dir, 'pool');
    expect((await runCli('import-servegen', MM, '--out', mm, '--quiet')).code).toBe(0);
    expect((await runCli('fit', BURST, '--preset', 'burstgpt', '--out', fitted, '--quiet')).code).toBe(0);
    expect((await runCli('export-servegen', mm, '--out', pool, '--quiet')).code).toBe(0);
    const before = readFileSync(join(pool, 'chunk-0-trace.csv'));
    const mtime = statSync(join(pool, 'chunk-0-trace.csv')).mtimeMs;
    // Was: exit 0, chunks 0–3 replaced and 31 of mm-image's left, imported back as 35 clients.
    const r = await runCli('export-servegen', fitted, '--out', pool);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^servegen: ${pool}: holds \\d+ pool file\\(s\\) this export would not write \\(chunk-`));
    expect(r.stderr).toContain('Give an empty or new directory');
    expect(readFileSync(join(pool, 'chunk-0-trace.csv')).equals(before)).toBe(true);
    expect(statSync(join(pool, 'chunk-0-trace.csv')).mtimeMs).toBe(mtime);
    // The same profile again into its own pool is fine.
    expect((await runCli('export-servegen', mm, '--out', pool, '--quiet')).code).toBe(0);
    expect(readdirSync(pool).length).toBe(70);
  });
});
