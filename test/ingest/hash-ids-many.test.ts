/**
 * hash_ids past 2^24 distinct ids: a JavaScript Map holds at most 2^24 entries, so a dictionary
 * of ids in one Map threw "Map maximum size exceeded" (exit 3, internal error) on a trace of a
 * few million requests (found by review: 5 h of the Mooncake chat profile at 20× its rate has
 * 18.7 M distinct blocks). IdDictionary has no such limit.
 */
import { describe, expect, it } from 'vitest';
import { TraceBuilder } from '../../src/ingest/normalize.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { IdDictionary } from '../../src/ingest/id-dictionary.js';

describe('hash_ids: more distinct ids than a Map holds', () => {
  it('the trace builder reads 2^24 + 2^20 distinct ids, numbered by first use', () => {
    const b = new TraceBuilder(parseMapping({ columns: { timestamp: 't', hash_ids: 'ids' }, timestamp: { unit: 's' } }));
    b.setFile('many.jsonl');
    const per = 1 << 16;
    const rows = (1 << 8) + (1 << 4); // × 2^16 ids = 2^24 + 2^20
    const ids = new Array<number>(per);
    for (let r = 0; r < rows; r++) {
      // Large, scattered values (hashes), each row's its own.
      for (let k = 0; k < per; k++) ids[k] = (r * per + k) * 7919 + 1e12;
      expect(b.row([r, ids], r + 1, () => '')).toBe(true);
    }
    const { trace } = b.finish();
    const h = trace.hashIds!;
    expect(h.ids.length).toBe(rows * per);
    expect(h.ids[0]).toBe(0);
    expect(h.ids[h.ids.length - 1]).toBe(rows * per - 1);
    expect(h.ids[12345]).toBe(12345);
  });

  it('IdDictionary: numbers of any sign and texts, each its code in order of first lookup', () => {
    const d = new IdDictionary();
    const keys: (number | string)[] = [];
    for (let i = 0; i < 5000; i++) keys.push(i % 3 === 0 ? -i * 4294967296 - 1 : i % 3 === 1 ? i * 1e9 : `h${i}`);
    keys.forEach((k, i) => expect(d.code(k)).toBe(i));
    keys.forEach((k, i) => expect(d.code(k)).toBe(i));
    expect(d.code(0)).toBe(5000);
    expect(d.code('0')).toBe(5001);
    expect(d.size).toBe(5002);
  });
});
