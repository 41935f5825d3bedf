import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeDigests } from './cross-runtime-run.js';

const root = join(import.meta.dirname, '..', '..');
const DENO = join(root, 'node_modules', '.bin', 'deno');

describe('the same fit and generation under Node and Deno', () => {
  // Deno's V8 rounds Math.exp/log/pow/sin/… differently from Node 20's and sorted an inconsistent
  // comparator differently: fitted numbers differed in their last digits and a window changed
  // family (src/stats/det-math.ts, rankFits in src/fit/arrival-fit.ts).
  it.skipIf(!existsSync(DENO))('BurstGPT slice and Azure conv profiles, a trace generated from one and its validation report: byte-identical', async () => {
    const node = await runtimeDigests();
    const deno = JSON.parse(execFileSync(DENO, ['run', '-A', '--quiet', join(import.meta.dirname, 'cross-runtime-run.ts')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Record<string, string>;
    expect(Object.keys(node)).toHaveLength(4);
    expect(deno).toEqual(node);
  }, 120_000);
});
