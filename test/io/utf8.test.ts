import { describe, expect, it } from 'vitest';
import { decodeEscaped, decodeUtf8Escaped, EscapingDecoder, hasBadBytes } from '../../src/io/utf8.js';

const b = (...xs: (number | string)[]) => Buffer.concat(xs.map((x) => (typeof x === 'string' ? Buffer.from(x) : Buffer.from([x]))));

/** Bytes back from escaped text (Python's surrogateescape). */
function encodeEscaped(s: string): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff)) {
      parts.push(Buffer.from(s.slice(from, i)), Buffer.from([c - 0xdc00]));
      from = i + 1;
    }
  }
  parts.push(Buffer.from(s.slice(from)));
  return Buffer.concat(parts);
}

describe('UTF-8 decoding that keeps bytes which are not UTF-8', () => {
  it('valid text (U+FFFD, astral characters) decodes as TextDecoder does and is well formed', () => {
    const bytes = b('Chat\uFFFDGPT é 😀 ascii');
    expect(decodeUtf8Escaped(bytes)).toBe('Chat\uFFFDGPT é 😀 ascii');
    expect(hasBadBytes(decodeUtf8Escaped(bytes))).toBe(false);
  });

  it('each byte that is not UTF-8 becomes U+DC00 + byte, and encodes back to the same bytes', () => {
    const cases: Buffer[] = [
      b('s', 0xff, '1'),
      b('s', 0xfe, '1'),
      b(0xc3), // truncated 2-byte sequence at the end
      b(0xe2, 0x82, 'x'), // truncated 3-byte sequence
      b(0xed, 0xa0, 0x80), // encoded surrogate
      b(0xc0, 0xaf), // overlong
      b(0xf4, 0x90, 0x80, 0x80), // above U+10FFFF
      b('a', 0x80, 0xbf, 'é', 0xf0, 0x9f, 0x98, 'z'),
    ];
    for (const bytes of cases) {
      const s = decodeUtf8Escaped(bytes);
      expect(hasBadBytes(s), bytes.toString('hex')).toBe(true);
      expect(encodeEscaped(s).toString('hex')).toBe(bytes.toString('hex'));
      expect(decodeEscaped(bytes)).toBe(s);
    }
    expect(decodeUtf8Escaped(b('s', 0xff, '1'))).toBe('s\uDCFF1');
    expect(decodeUtf8Escaped(b('s', 0xff, '1'))).not.toBe(decodeUtf8Escaped(b('s', 0xfe, '1')));
  });

  it('streaming: any split into chunks gives the text of the whole; a leading BOM is dropped', () => {
    const whole = b(0xef, 0xbb, 0xbf, 'a,é,', 0xff, ',😀,\uFFFD,', 0xe2, 0x82, ',', 0xef, 0xbb, 0xbf, '\n');
    const expected = decodeUtf8Escaped(whole.subarray(3));
    expect(expected.startsWith('a,é,\uDCFF,😀')).toBe(true);
    expect(expected).toContain('\uFEFF'); // a BOM inside the text stays
    for (let i = 0; i <= whole.length; i++) {
      for (let j = i; j <= whole.length; j++) {
        const d = new EscapingDecoder();
        const got = d.decode(whole.subarray(0, i)) + d.decode(whole.subarray(i, j)) + d.decode(whole.subarray(j)) + d.decode(new Uint8Array(0), true);
        expect(got, `split at ${i}, ${j}`).toBe(expected);
      }
    }
  });
});
