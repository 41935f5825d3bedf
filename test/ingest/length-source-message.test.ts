import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { tempDir } from '../helpers.js';

describe('a {"length": col} source that holds no array', () => {
  it('is a bad_number whose message quotes the column\'s text, not "NaN" (found by review)', async () => {
    const dir = tempDir();
    const file = join(dir, 'log.csv');
    writeFileSync(file, 'ts,in,h\n1,5,"[1,2,3]"\n2,5,x\n3,5,[]\n');
    const mapping = parseMapping({ columns: { timestamp: 'ts', input_tokens: 'in', block_count: { length: 'h' } }, timestamp: { unit: 's' } }, 'map.json');
    const { rejects, trace } = await ingestFiles({ inputs: [file], mapping });
    expect(trace.n).toBe(2);
    expect(rejects).toHaveLength(1);
    expect(rejects[0].reason).toBe('bad_number');
    expect(rejects[0].message).toContain('"x"');
    expect(rejects[0].message).not.toContain('NaN');
  });
});
