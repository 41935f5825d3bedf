import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFile, readWholeFile } from '../../src/io/whole-file.js';
import { tempDir } from '../helpers.js';

// Files over 2 GiB cannot be made in a unit test; the piecewise paths run here on small files
// with small pieces (the sizes at which they start are parameters). A 4.7 GB JSON-lines trace
// checked by hand: `fit --engine duckdb` of it stopped with "File size … is greater than 2 GiB"
// (exit 3) before its scan, and fits now.

const dir = tempDir();
const file = join(dir, 'bytes.bin');
const bytes = randomBytes(10_000 + 37);
writeFileSync(file, bytes);

describe('whole files over 2 GiB', () => {
  it('hashFile hashes in pieces: the same digest as the whole bytes (pieces of 1 000, 4 096, and one piece)', () => {
    const want = createHash('sha256').update(bytes).digest('hex');
    for (const chunk of [1000, 4096, 1 << 20]) expect(hashFile(createHash('sha256'), file, chunk).digest('hex')).toBe(want);
    // Whatever the hash already holds stays in front.
    expect(hashFile(createHash('sha256').update('x'), file, 999).digest('hex')).toBe(createHash('sha256').update('x').update(bytes).digest('hex'));
  });

  it('readWholeFile reads a file above its limit in pieces: the same bytes', () => {
    expect(readWholeFile(file, { limit: 100, chunk: 333 }).equals(bytes)).toBe(true);
    expect(readWholeFile(file).equals(readFileSync(file))).toBe(true);
    const empty = join(dir, 'empty.bin');
    writeFileSync(empty, '');
    expect(readWholeFile(empty, { limit: -1 }).length).toBe(0);
  });
});
