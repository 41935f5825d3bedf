import { describe, expect, it } from 'vitest';
import { plainDecimal } from '../../src/ingest/normalize.js';
import { createRng } from '../../src/stats/rng.js';

// The fast check must agree with the decimal regex it replaces on every string Number() reads as finite.
const NUMERIC_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const agree = (s: string) => {
  const x = +s;
  if (s === '' || !Number.isFinite(x)) return;
  expect(plainDecimal(s), JSON.stringify(s)).toBe(NUMERIC_RE.test(s));
};

describe('plainDecimal', () => {
  it('agrees with the decimal regex on hand-picked and 200 000 random strings', () => {
    for (const s of ['1', '1.', '.5', '+5', '-5', '1e5', '1E-3', '0x1f', '0X1F', '0b1', '0B1', '0o7', '0', '00', '007', '0.5', '.', '+.5', '-.5e3', '\u00a05', '5\n', '\n5', '12e+3', '0e0', '0x0', ' 5']) agree(s);
    expect(plainDecimal('0x1f')).toBe(false);
    expect(plainDecimal('1700000000.125')).toBe(true);
    const rng = createRng(7);
    const alphabet = '0123456789+-.eExXbBoO \u00a0\n_a';
    let checked = 0;
    for (let i = 0; i < 200_000; i++) {
      const len = 1 + Math.floor(rng.next() * 6);
      let s = '';
      for (let k = 0; k < len; k++) s += alphabet[Math.floor(rng.next() * alphabet.length)];
      if (s !== '' && Number.isFinite(+s)) checked++;
      agree(s);
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});
