import { describe, expect, it } from 'vitest';
import { parsePyNumberDict, pyFloatRepr, PyDictError } from '../../src/profile/pydict.js';
import { readJsonFixture } from '../helpers.js';

describe('parsePyNumberDict', () => {
  it('parses int and float keys, exponents, whitespace', () => {
    expect(parsePyNumberDict('{224: 0.0003, 225: 1e-05}')).toEqual({ keys: [224, 225], values: [0.0003, 1e-5], intKeys: true });
    expect(parsePyNumberDict('{0.0: 0.5,\n 0.5: 0.5,}')).toEqual({ keys: [0, 0.5], values: [0.5, 0.5], intKeys: false });
    expect(parsePyNumberDict(' {} ')).toEqual({ keys: [], values: [], intKeys: true });
  });
  it('never evaluates: code is a parse error at its offset', () => {
    expect(() => parsePyNumberDict('{1: __import__("os")}')).toThrow(PyDictError);
    try {
      parsePyNumberDict('{1: 0.5, 2 0.5}');
    } catch (err) {
      expect((err as PyDictError).offset).toBe(11);
    }
    expect(() => parsePyNumberDict('{1: 0.5')).toThrow(/end of text/);
    expect(() => parsePyNumberDict('{1: 0.5} x')).toThrow(/after the dict/);
  });
});

describe('pyFloatRepr', () => {
  // Reference strings: Python's repr() (fixtures/reference/scripts/rank_stats.py).
  const ref = readJsonFixture<{ pyrepr: { x: number; repr: string }[] }>('reference', 'scipy-rank-stats.json');
  it('matches Python repr(float)', () => {
    for (const { x, repr } of ref.pyrepr) expect(pyFloatRepr(x)).toBe(repr);
  });
});
