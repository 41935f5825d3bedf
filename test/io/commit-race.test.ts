import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitTemporary, discardTemporary, trackTemporary } from '../../src/io/atomic.js';
import { describeError } from '../../src/cli/errors.js';
import { tempDir } from '../helpers.js';

describe('a directory output that another run made while this one wrote', () => {
  it('is named, not its temporary sibling and an errno (it said "DIR.tmp-<pid>: ENOTEMPTY: directory not empty"; found by a batch-job audit)', () => {
    const dir = tempDir();
    const out = join(dir, 'summaries');
    const tmp = trackTemporary(`${out}.tmp-${process.pid}`);
    mkdirSync(tmp);
    writeFileSync(join(tmp, 'scan.parquet'), 'mine');
    // The other run's directory appears first.
    mkdirSync(out);
    writeFileSync(join(out, 'scan.parquet'), 'theirs');
    let error: unknown;
    try {
      commitTemporary(tmp, out);
    } catch (err) {
      error = err;
      discardTemporary(tmp);
    }
    expect(describeError(error)).toEqual({ message: `${out}: made by another run while this one was writing (two runs into one --out at once?); nothing written: give each its own --out`, code: 2 });
    expect(readdirSync(dir)).toEqual(['summaries']);
    expect(existsSync(tmp)).toBe(false);
  });
});
