/**
 * Removing a modality from a profile by hand (found by a receiver's review, h-104): deleting
 * `image_count` alone left `image_tokens_per_item`, and `generate` — which draws tokens per item
 * counted — left every request's image tokens out without a word. It now says so in a note
 * naming the field, the clients and what to delete; a profile as written, and one with both
 * fields deleted, get no such note.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

describe('a modality half removed by hand', () => {
  let dir = '';
  let pool = '';
  beforeAll(async () => {
    dir = tempDir();
    pool = join(dir, 'pool.json');
    expect((await runCli('import-servegen', fixture('servegen', 'multimodal', 'mm-image'), '--out', pool, '--quiet')).code).toBe(0);
  });

  /** The pool with `drop` deleted from every length window of every client, written to `name`. */
  function edited(name: string, drop: string[]): string {
    const p = JSON.parse(readFileSync(pool, 'utf8')) as { clients: { lengths: { fields: Record<string, unknown> }[] }[] };
    for (const c of p.clients) for (const w of c.lengths) for (const f of drop) delete w.fields[f];
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(p));
    return file;
  }

  const run = (profile: string) => runCli('generate', profile, '--start', '64800', '--duration', '60', '--out', join(dir, 'out.jsonl'));

  it('image_count deleted, image_tokens_per_item kept: a note names the field and the clients', async () => {
    const r = await run(edited('no-count.json', ['image_count']));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('note: image_tokens_per_item without image_count (35 clients: 0, 1, 2, 3, 4, …): no image tokens are generated for them');
    expect(r.stderr).toContain('to drop a modality delete both fields');
  });

  it('both deleted, or neither: no note', async () => {
    for (const file of [pool, edited('no-image.json', ['image_count', 'image_tokens_per_item'])]) {
      const r = await run(file);
      expect(r.code).toBe(0);
      expect(r.stderr).not.toContain('without image_count');
    }
  });
});
