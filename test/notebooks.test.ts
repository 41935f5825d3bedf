import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const DENO = join(root, 'node_modules', '.bin', 'deno');
const BOOKS = ['01-characterize', '02-fidelity'];

interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: { output_type: string; data?: Record<string, unknown> }[];
}
const cells = (name: string): Cell[] => (JSON.parse(readFileSync(join(root, 'notebooks', `${name}.ipynb`), 'utf8')) as { cells: Cell[] }).cells;
const text = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);

describe('notebooks', () => {
  it('are committed executed, with charts and no errors', () => {
    for (const name of BOOKS) {
      const outs = cells(name).flatMap((c) => c.outputs ?? []);
      expect(outs.some((o) => o.output_type === 'error'), name).toBe(false);
      expect(outs.filter((o) => o.data && 'image/svg+xml' in o.data).length, name).toBeGreaterThanOrEqual(3);
    }
  });

  it.skipIf(!existsSync(DENO))('type-check: every code cell compiles with deno check (as the Deno kernel runs it)', () => {
    // Both notebooks in one `deno check`: each is a module (its own scope), and the sources
    // they import are checked once, not once per notebook (~half the time: 10 s, not 18 s).
    const dir = mkdtempSync(join(root, 'notebooks', '.check-'));
    const files = BOOKS.map((name) => {
      const file = join(dir, `${name}.ts`);
      // Cells import '../src/…' relative to notebooks/; keep that depth.
      const code = cells(name)
        .filter((c) => c.cell_type === 'code')
        .map((c) => text(c.source).replaceAll("'../src/", "'../../src/"))
        .join('\n;\n');
      writeFileSync(file, code);
      return file;
    });
    try {
      execFileSync(DENO, ['check', '--quiet', ...files], { cwd: root, stdio: 'pipe' });
    } catch (err) {
      // deno's diagnostics name the file, <notebook>.ts, of each error.
      throw new Error(`${BOOKS.join(', ')}: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`);
    } finally {
      execFileSync('rm', ['-rf', dir]);
    }
  }, 120_000);
});
