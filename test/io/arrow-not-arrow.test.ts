import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

describe('an .arrow input with no Arrow message at all is bad input in plain words', () => {
  it('an empty file, or text: exit 2 naming the file (was "internal error: Cannot read properties of undefined (reading \'fields\')")', async () => {
    const dir = tempDir();
    for (const [name, bytes] of [['empty.arrow', ''], ['text.arrow', 'hello, this is not Arrow\n']] as const) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      for (const cmd of ['ingest', 'inspect']) {
        const r = await runCli(cmd, file, ...(cmd === 'ingest' ? ['--out', join(dir, 'x.parquet')] : []));
        expect(r.code, `${cmd} ${name}`).toBe(2);
        expect(r.stderr, `${cmd} ${name}`).toMatch(new RegExp(`^servegen: ${file}: not a readable Arrow IPC file or stream \\([^\\n]+\\)\\n$`));
      }
    }
  });
});
