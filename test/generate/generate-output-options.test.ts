/**
 * generateToFile's callbacks and writer-thread switch as fields of its `out` object
 * (GenerateOutput): a library caller reached `writerThread` only as the eighth positional
 * argument, `generateToFile(p, sha, o, { path }, undefined, false, undefined, true)` (found by
 * using the installed package as a library, h-102). The positional arguments still work, and win.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProfile } from '../../src/profile/read.js';
import { defaultGenerateOptions } from '../../src/generate/defaults.js';
import type { GenerationPlan } from '../../src/generate/compose.js';
import { generateToFile } from '../../src/generate/write-trace.js';
import { fixture, tempDir } from '../helpers.js';

const { profile } = readProfile(fixture('profiles', 'essentials.json'));
const options = defaultGenerateOptions({ duration: 1200, seed: 3 });

describe('generateToFile(…, { path, onProgress, onPlan, writerThread, naive })', () => {
  it('calls the callbacks and writes the file the positional arguments write, on the writer thread or not', async () => {
    const dir = tempDir();
    const plans: GenerationPlan[] = [];
    const progress: number[] = [];
    const threaded = await generateToFile(profile, 'x', options, { path: join(dir, 'a.jsonl'), writerThread: true, onPlan: (p) => plans.push(p), onProgress: (rows) => progress.push(rows) });
    expect(plans.length).toBe(1);
    expect(plans[0].clientIds).toEqual(['tenant-0001']);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(threaded.requests);
    const positional: number[] = [];
    await generateToFile(profile, 'x', options, { path: join(dir, 'b.jsonl') }, (rows) => positional.push(rows), false, undefined, false);
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'b.jsonl'), 'utf8'));
    expect(positional).toEqual(progress);
    // A positional callback wins over the field.
    const field: number[] = [];
    await generateToFile(profile, 'x', options, { path: join(dir, 'c.jsonl'), onProgress: (rows) => field.push(rows) }, () => undefined);
    expect(field).toEqual([]);
  });

  it('writes the naive baseline with out.naive, as with the sixth argument', async () => {
    const dir = tempDir();
    await generateToFile(profile, 'x', options, { path: join(dir, 'n1.jsonl'), naive: true });
    await generateToFile(profile, 'x', options, { path: join(dir, 'n2.jsonl') }, undefined, true);
    expect(readFileSync(join(dir, 'n1.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'n2.jsonl'), 'utf8'));
    expect(readFileSync(join(dir, 'n1.jsonl'), 'utf8')).toMatch(/"client_id":"naive"/);
  });
});
