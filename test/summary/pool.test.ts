import { describe, expect, it } from 'vitest';
import { poolClients } from '../../src/summary/pool.js';

describe('poolClients', () => {
  it('pools clients under the minimum into one client "tail" at the first one\'s place', () => {
    const pool = poolClients(['a', 'b', 'c'], [100, 3, 5], 10)!;
    expect(pool.ids).toEqual(['a', 'tail']);
    expect([...pool.code]).toEqual([0, 1, 1]);
    expect(pool.pooled).toBe(2);
  });

  it('renames a kept client "tail" to a name no other client has (review: "tail" and "tail-client" both kept made fit exit 3)', () => {
    const pool = poolClients(['tail', 'tail-client', 'tail-client-2', 'a'], [500, 400, 300, 5], 10)!;
    expect(pool.ids).toEqual(['tail-client-3', 'tail-client', 'tail-client-2', 'tail']);
    expect(new Set(pool.ids).size).toBe(pool.ids.length);
    expect(poolClients(['tail', 'a'], [500, 5], 10)!.ids).toEqual(['tail-client', 'tail']);
  });
});
