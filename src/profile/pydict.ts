/**
 * Parser for the PMF strings of upstream ServeGen pools: Python dict literals with
 * numeric keys and values, e.g. `{224: 0.0003, 225: 1e-05}`. Parsed as data with a
 * small hand-written scanner; never evaluated.
 */

export interface PyNumberDict {
  keys: number[];
  values: number[];
  /** True when every key was written as an integer literal (`12`, not `12.0`). */
  intKeys: boolean;
}

/** Error with the character offset in the literal where parsing failed. */
export class PyDictError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'PyDictError';
  }
}

const NUMBER_RE = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|nan)/y;

/**
 * Parses `{k: v, ...}` with int/float keys and float values.
 * @throws PyDictError naming the offset of the first unexpected character.
 * @example parsePyNumberDict('{1: 0.5, 2: 0.5}') // { keys: [1, 2], values: [0.5, 0.5], intKeys: true }
 */
export function parsePyNumberDict(text: string): PyNumberDict {
  const keys: number[] = [];
  const values: number[] = [];
  let intKeys = true;
  let i = 0;
  const n = text.length;
  const skip = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const expect = (ch: string) => {
    skip();
    if (text[i] !== ch) throw new PyDictError(`expected '${ch}' at offset ${i}, found ${i < n ? JSON.stringify(text[i]) : 'end of text'}`, i);
    i++;
  };
  const number = (what: string): { value: number; isInt: boolean } => {
    skip();
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (!m) throw new PyDictError(`expected a number (${what}) at offset ${i}, found ${i < n ? JSON.stringify(text.slice(i, i + 12)) : 'end of text'}`, i);
    i += m[0].length;
    const lit = m[0];
    let value: number;
    if (/inf$/.test(lit)) value = lit.startsWith('-') ? -Infinity : Infinity;
    else if (/nan$/.test(lit)) value = NaN;
    else value = Number(lit);
    return { value, isInt: /^[-+]?\d+$/.test(lit) };
  };
  expect('{');
  skip();
  if (text[i] === '}') {
    i++;
  } else {
    for (;;) {
      const k = number('key');
      expect(':');
      const v = number('value');
      keys.push(k.value);
      values.push(v.value);
      if (!k.isInt) intKeys = false;
      skip();
      if (text[i] === ',') {
        i++;
        skip();
        if (text[i] === '}') {
          i++;
          break;
        }
        continue;
      }
      if (text[i] === '}') {
        i++;
        break;
      }
      throw new PyDictError(`expected ',' or '}' at offset ${i}, found ${i < n ? JSON.stringify(text[i]) : 'end of text'}`, i);
    }
  }
  skip();
  if (i !== n) throw new PyDictError(`unexpected text after the dict at offset ${i}`, i);
  return { keys, values, intKeys };
}

/**
 * Python's `repr(float)`: shortest round-trip digits, fixed notation for exponents
 * in [−4, 16), otherwise `d.ddde±XX`. Keeps exported pools byte-compatible with upstream.
 * @example pyFloatRepr(1e-5) // '1e-05'
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const sign = neg ? '-' : '';
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const intPart = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits.padEnd(exp + 1, '0');
      const frac = digits.length > exp + 1 ? digits.slice(exp + 1) : '0';
      return `${sign}${intPart}.${frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
}
