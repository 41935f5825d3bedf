/**
 * exportServegenPool into a path that is a file: the library's error starts with the output's
 * path, as the README says of outputs that cannot be written, and as `export-servegen --out FILE`
 * words it. It was Node's "EEXIST: file already exists, mkdir 'p.json'" (found by using the
 * installed package as a library, h-102); the file is left as it was.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProfile } from '../../src/profile/read.js';
import { exportServegenPool } from '../../src/profile/upstream.js';
import { fixture, tempDir } from '../helpers.js';

describe('exportServegenPool onto a file', () => {
  it('names the path first, keeps code and path, and leaves the file', () => {
    const { profile } = readProfile(fixture('profiles', 'essentials.json'));
    const file = join(tempDir(), 'pool.json');
    writeFileSync(file, 'mine\n');
    let thrown: NodeJS.ErrnoException | undefined;
    try {
      exportServegenPool(profile, file);
    } catch (e) {
      thrown = e as NodeJS.ErrnoException;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown!.message).toBe(`${file}: cannot write (an existing file, not a directory: the pool is a directory of chunk files)`);
    expect(thrown).toMatchObject({ code: 'EEXIST', path: file });
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
  });
});
