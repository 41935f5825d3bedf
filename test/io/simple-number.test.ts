import { describe, expect, it } from 'vitest';
import { simpleNumber } from '../../src/io/from-csv.js';
import { createRng } from '../../src/stats/rng.js';

// The CSV fast path reads -?digits[.digits] itself; it must equal Number(text) bit for bit, and
// give NaN (so the text is passed on) for every other form.
describe('simpleNumber (CSV numeric fast path)', () => {
  const read = (s: string) => simpleNumber(`,${s},`, 1, 1 + s.length);

  it('equals Number() on 300 000 random decimals, timestamps and token counts', () => {
    const rng = createRng(11);
    let fast = 0;
    for (let i = 0; i < 100_000; i++) {
      const ts = (1.6e9 + rng.next() * 2e8).toFixed(Math.floor(rng.next() * 7));
      const tok = String(Math.floor(rng.next() * 10 ** Math.floor(rng.next() * 10)));
      let digits = '';
      const len = 1 + Math.floor(rng.next() * 15);
      for (let k = 0; k < len; k++) digits += String(Math.floor(rng.next() * 10));
      const cut = Math.floor(rng.next() * (len + 1));
      const dec = (rng.next() < 0.3 ? '-' : '') + digits.slice(0, cut) + '.' + digits.slice(cut);
      for (const s of [ts, tok, dec]) {
        const x = read(s);
        const digits = s.replace(/[^0-9]/g, '').length;
        if (digits === 0 || digits > 15) expect(x, s).toBeNaN(); // passed on as text
        else {
          expect(Object.is(x, Number(s)), s).toBe(true);
          fast++;
        }
      }
    }
    expect(fast).toBeGreaterThan(250_000);
  });

  it('passes on everything else', () => {
    for (const s of ['', '-', '.', '1e5', '0x1f', '+5', ' 5', '5 ', '1.2.3', '1,5', 'NaN', 'Infinity', '1234567890123456', '12a']) expect(read(s), s).toBeNaN();
    expect(Object.is(read('-0'), -0)).toBe(true);
    expect(read('007')).toBe(7);
    expect(read('1.')).toBe(1);
    expect(read('.5')).toBe(0.5);
  });
});
