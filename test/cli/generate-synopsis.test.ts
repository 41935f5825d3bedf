/**
 * The README's synopsis of `generate` (Generating workloads) lists every option `generate --help`
 * has (found by a receiver's review, h-104: `--no-prefix` and `--exact-repeats` were only in the
 * prompt-prefix section, so a reader of the synopsis did not know a Mooncake profile's `hash_ids`
 * could be left out).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('README generate synopsis', () => {
  it('names every option of generate --help', async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Generating workloads'));
    const synopsis = /```\n(servegen generate [\s\S]*?)```/.exec(section)?.[1] ?? '';
    expect(synopsis).not.toBe('');
    const help = (await runCli('generate', '--help')).stdout;
    const options = [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]).filter((o) => o !== '--help');
    expect(options.length).toBeGreaterThan(10);
    expect(options.filter((o) => !new RegExp(`${o}(?![a-z-])`).test(synopsis))).toEqual([]);
  });
});
