import { describe, expect, it } from 'vitest';
import { Xxh64 } from '../../src/io/xxh64.js';

describe('Xxh64', () => {
  it('matches the reference: the empty input, and the same digest whatever the pieces', () => {
    expect(new Xxh64().digest().toString(16)).toBe('ef46db3751d8e999');
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 131 + 7) & 0xff);
    for (const len of [1, 3, 4, 7, 8, 31, 32, 33, 63, 64, 100, 1000]) {
      const whole = new Xxh64();
      whole.update(bytes.subarray(0, len));
      const pieces = new Xxh64();
      for (let at = 0; at < len; at += 5) pieces.update(bytes.subarray(at, Math.min(len, at + 5)));
      expect(pieces.digest(), `length ${len}`).toBe(whole.digest());
    }
  });
});
