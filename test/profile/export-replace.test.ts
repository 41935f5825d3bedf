import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// node:fs's renameSync, failing (as a full disk or a vanished directory would) on the
// `failAt`-th call made while an export puts its pool in place.
let renames = 0;
let failAt = Infinity;
vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  return {
    ...real,
    renameSync: (...args: Parameters<typeof real.renameSync>) => {
      if (++renames === failAt) throw Object.assign(new Error(`EIO: i/o error, rename '${String(args[0])}' -> '${String(args[1])}'`), { code: 'EIO', errno: -5, syscall: 'rename', path: String(args[0]), dest: String(args[1]) });
      return real.renameSync(...args);
    },
  };
});

const { exportServegenPool, importServegenPool } = await import('../../src/profile/upstream.js');
const { fixture, tempDir } = await import('../helpers.js');

/** Every file of a directory, by name, with its contents. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
}

describe('export-servegen into an existing pool replaces it as a whole (found by a new user\'s walkthrough)', () => {
  const { profile } = importServegenPool(fixture('servegen', 'multimodal', 'mm-image'));
  // The same chunks at twice the rate: every trace file differs, the file names do not.
  const doubled = { ...profile, clients: profile.clients.map((c) => ({ ...c, arrivals: c.arrivals.map((w) => ({ ...w, rate: w.rate * 2 })) })) };

  it('a failure at any rename leaves the old pool or the new one, never a mix of the two, and no temporary', () => {
    const dir = tempDir();
    const out = join(dir, 'pool');
    const fresh = join(dir, 'fresh');
    exportServegenPool(doubled, fresh);
    const wanted = contents(fresh);
    let failures = 0;
    for (let k = 1; k <= 80; k++) {
      exportServegenPool(profile, out);
      writeFileSync(join(out, 'README.md'), 'notes kept beside the pool\n');
      const old = contents(out);
      renames = 0;
      failAt = k;
      let failed = false;
      try {
        exportServegenPool(doubled, out);
      } catch {
        failed = true;
      }
      failAt = Infinity;
      const now = contents(out);
      if (failed) {
        failures++;
        expect(now, `rename ${k} failed`).toEqual(old);
      } else {
        expect(now, `rename ${k}`).toEqual({ ...wanted, 'README.md': 'notes kept beside the pool\n' });
      }
      expect(readdirSync(dir).sort(), `rename ${k}`).toEqual(['fresh', 'pool']);
      if (!failed && renames < k) break; // past the export's last rename
    }
    expect(failures).toBeGreaterThan(0);
  });
});
