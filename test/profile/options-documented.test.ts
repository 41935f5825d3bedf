/**
 * Every key of `provenance.options` a fit writes (anonymized or not) is explained in
 * docs/profile-format.md (found by a receiver's review, h-104: the page named none of
 * `min_arrivals`, `clock_resolution_seconds`, `pooled_clients`, `rows`, `inputs` or the
 * `anonymized` record's keys, nor what the client `tail` of a shared profile is).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONV, runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

describe('docs/profile-format.md, provenance.options', () => {
  it('names every options key of fitted profiles, plain and anonymized', async () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'profile-format.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### `provenance.options`'), doc.indexOf('\n## Client\n'));
    expect(section.length).toBeGreaterThan(100);
    const dir = tempDir();
    const keys = new Set<string>();
    for (const extra of [[], ['--anonymize', '--keep-calendar', '--dp-epsilon', '1', '--seed', '1'], ['--engine', 'ts', '--min-client-requests', '10']]) {
      const out = join(dir, 'p.json');
      expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', out, '--quiet', ...extra)).code).toBe(0);
      const options = JSON.parse(readFileSync(out, 'utf8')).provenance.options as Record<string, unknown>;
      for (const [k, v] of Object.entries(options)) {
        keys.add(k);
        if (v !== null && typeof v === 'object') for (const kk of Object.keys(v)) keys.add(kk);
      }
    }
    expect(keys).toContain('calendar');
    expect([...keys].filter((k) => !section.includes(`\`${k}\``))).toEqual([]);
    expect(section).toContain('`tail`');
  });
});
