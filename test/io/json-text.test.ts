import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonErrorOffset, parseJsonText } from '../../src/io/json-text.js';
import { fixture } from '../helpers.js';

const message = (text: string): string => {
  try {
    parseJsonText(text, 'f.json');
  } catch (err) {
    return (err as Error).message;
  }
  return 'parsed';
};

describe('parseJsonText', () => {
  it('names the line and column of an unexpected token, on one line (V8 gives no position there; found by review)', () => {
    expect(message('{"aggregate": {"iat_ks": tru}}\n')).toBe("f.json:1:29: invalid JSON (Unexpected token '}')");
    expect(message('{\n  "a": 1,\n  "rate": x0.5\n}')).toBe("f.json:3:11: invalid JSON (Unexpected token 'x')");
    expect(message('garbage\n')).toBe("f.json:1:1: invalid JSON (Unexpected token 'g')");
    expect(message('[nul]')).toBe("f.json:1:5: invalid JSON (Unexpected token ']')");
    expect(message('{')).toBe('f.json:1:2: invalid JSON (Expected property name or \'}\')');
    // An empty file is named as such, not as JSON cut short (found by a new user's walkthrough).
    expect(message('')).toBe('f.json: empty file (no JSON text)');
    expect(message(' \n\t')).toBe('f.json: empty file (no JSON text)');
    // V8's own positions are kept.
    expect(message('{"a": 1,}')).toBe('f.json:1:9: invalid JSON (Expected double-quoted property name)');
  });

  it('the scan agrees with JSON.parse on which texts are valid', () => {
    const valid = [`[${readFileSync(fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), 'utf8').split('\n').map((l) => JSON.stringify(l)).join(',')}]`, readFileSync(fixture('profiles', 'essentials.json'), 'utf8'), '{"a": [1, -2.5e-3, 0, true, false, null, "\\u00e9\\n\\"x\\""], "b": {}}', ' [ ] ', '"x"', '0'];
    for (const t of valid) expect(jsonErrorOffset(t), t.slice(0, 40)).toBe(-1);
    for (const t of ['[1,]', '{"a" 1}', '[01]', '"\\x"', '"a\nb"', '[1] 2', '{"a":1', 'nulll', '-', '[.5]', '{,}']) {
      expect(() => JSON.parse(t), t).toThrow();
      expect(jsonErrorOffset(t), t).toBeGreaterThanOrEqual(0);
      expect(message(t).split('\n'), t).toHaveLength(1);
    }
  });
});
