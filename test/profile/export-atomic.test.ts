import { existsSync, readdirSync, renameSync, writeFileSync as realWriteFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// node:fs's writeFileSync, failing as a full disk does on the fifth pool file written.
let writes = 0;
let failAt = Infinity;
// Run before the first pool file is written (another export finishing meanwhile).
let beforeFirst: (() => void) | undefined;
vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  return {
    ...real,
    writeFileSync: (...args: Parameters<typeof real.writeFileSync>) => {
      if (String(args[0]).includes('chunk-') && beforeFirst) {
        const f = beforeFirst;
        beforeFirst = undefined;
        f();
      }
      if (String(args[0]).includes('chunk-') && ++writes === failAt) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      return real.writeFileSync(...args);
    },
  };
});

const { exportServegenPool, importServegenPool } = await import('../../src/profile/upstream.js');
const { fixture, tempDir } = await import('../helpers.js');

describe('export-servegen that fails part-way (found by review: the chunks written before a full disk stayed, a partial pool)', () => {
  const { profile } = importServegenPool(fixture('servegen', 'multimodal', 'mm-image'));

  it('leaves no pool, no directory and no temporary behind; an existing directory keeps only what it held', () => {
    const dir = tempDir();
    for (const [out, before] of [[join(dir, 'new-pool'), undefined], [join(dir, 'has-readme'), 'README.md']] as const) {
      if (before) {
        exportServegenPool({ ...profile, clients: [] }, out); // creates it, empty
        realWriteFileSync(join(out, before), 'notes\n');
      }
      writes = 0;
      failAt = 5;
      let error: (Error & { code?: string; path?: string }) | undefined;
      try {
        exportServegenPool(profile, out);
      } catch (err) {
        error = err as Error;
      }
      expect(error?.message, out).toBe(`${error?.path}: cannot write (no space left on the device)`);
      expect(error?.path, out).toMatch(new RegExp(`^${out}/chunk-\\d+-(trace\\.csv|dataset\\.json)$`));
      if (before) expect(readdirSync(out)).toEqual([before]);
      else expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      // Without the failure the same export writes every file (into the existing directory too).
      failAt = Infinity;
      const n = exportServegenPool(profile, out);
      expect(readdirSync(out).filter((f) => f.startsWith('chunk-'))).toHaveLength(n);
      expect(n).toBeGreaterThan(5);
    }
  });
});

describe('two exports into one new directory at once (found by a batch-job audit)', () => {
  const { profile } = importServegenPool(fixture('servegen', 'multimodal', 'mm-image'));

  it('the one that finishes second is refused by name and moves nothing in (it said ".pool.<pid>.tmp: ENOTEMPTY: directory not empty")', () => {
    const dir = tempDir();
    const out = join(dir, 'pool');
    const other = join(dir, 'other');
    const n = exportServegenPool(profile, other);
    // The other export's pool appears at `out` while this one writes its files.
    beforeFirst = () => renameSync(other, out);
    let error: (Error & { path?: string }) | undefined;
    try {
      exportServegenPool({ ...profile, clients: profile.clients.slice(0, 2) }, out);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toBe(`${out}: made by another run while this export was writing (two exports into one directory at once?); nothing written: give each its own --out`);
    expect(readdirSync(out).filter((f) => f.startsWith('chunk-'))).toHaveLength(n);
    expect(readdirSync(dir).sort()).toEqual(['pool']);
  });
});
