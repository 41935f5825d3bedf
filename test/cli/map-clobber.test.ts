import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const BURST = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');

describe('an output that names the --map file (found by review: ingest --summary gw.json replaced the mapping by the summary)', () => {
  it('is refused with exit 2 by ingest, summarize, fit, inspect and validate, and the mapping is left as it was', async () => {
    const dir = tempDir();
    const map = join(dir, 'gw.json');
    copyFileSync(fixture('..', 'presets', 'burstgpt.json'), map);
    const before = readFileSync(map);
    const cases: [string[], string][] = [
      [['ingest', BURST, '--map', map, '--out', join(dir, 't.jsonl'), '--summary', map], '--summary'],
      [['ingest', BURST, '--map', map, '--out', join(dir, 't.jsonl'), '--rejects', map], '--rejects'],
      [['summarize', BURST, '--map', map, '--out', map], '--out'],
      [['fit', BURST, '--map', map, '--out', join(dir, 'p.json'), '--report', map], '--report'],
      [['inspect', BURST, '--map', map, '--rejects', map], '--rejects'],
    ];
    for (const [args, flag] of cases) {
      const r = await runCli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe(`servegen: ${flag} ${map} is the same file as --map ${map}: writing it would replace that; give another name\n`);
      expect(readFileSync(map).equals(before), args.join(' ')).toBe(true);
    }
    const gen = join(dir, 'g.jsonl');
    writeFileSync(gen, '{"timestamp": 1}\n');
    const v = await runCli('validate', BURST, gen, '--source-map', map, '--json', map);
    expect(v.code).toBe(2);
    expect(v.stderr).toBe(`servegen: --json ${map} is the same file as --source-map ${map}: writing it would replace that; give another name\n`);
    expect(readFileSync(map).equals(before)).toBe(true);
  });
});

describe('ingest --out with a gzip name (found by review: "cannot tell the output format")', () => {
  it('says traces are written uncompressed and which name to give, exit 2', async () => {
    const dir = tempDir();
    const out = join(dir, 't.jsonl.gz');
    const r = await runCli('ingest', BURST, '--preset', 'burstgpt', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: --out ${out}: ingest writes traces uncompressed; name it ${join(dir, 't.jsonl')} (and gzip it after), or write .parquet, compressed inside\n`);
  });
});
