import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import stdExp from '@stdlib/math-base-special-exp';
import stdLn from '@stdlib/math-base-special-ln';
import stdExpm1 from '@stdlib/math-base-special-expm1';
import * as dm from '../../src/stats/det-math.js';
import { createRng } from '../../src/stats/rng.js';

const bitsOf = (x: number): bigint => {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0);
};
const hex = (x: number) => bitsOf(x).toString(16).padStart(16, '0');

type Fn = 'exp' | 'log' | 'log10' | 'expm1' | 'log1p' | 'pow' | 'sin' | 'cos' | 'asin' | 'hypot';
/**
 * Inputs where Math.<fn> under Node 20 (V8 11.3: fdlibm) and under Deno 2.9 (V8 15.0: LLVM libc,
 * and the C library's pow) returned different doubles, and det-math's result there, the same on
 * both (`bits`). `exact`: the correctly rounded value (mpmath, 300 bits), which det-math is
 * within an ulp of. (asin and hypot: inputs of ours; asin is our own routine.)
 */
const PINS: [Fn, number[], string, string][] = [
  ['exp', [7.987309442236581], '40a6febbe7130416', '40a6febbe7130415'],
  ['exp', [6.2248349422379565], '407f923c0a65e96a', '407f923c0a65e969'],
  ['log', [3], '3ff193ea7aad030a', '3ff193ea7aad030b'],
  ['log', [48], '400ef8383c50bb74', '400ef8383c50bb75'],
  ['log', [0.37], 'bfefd0ea24bf89b8', 'bfefd0ea24bf89b7'],
  ['log10', [1.0625], '3f9af5f92b00e60f', '3f9af5f92b00e610'],
  ['log10', [1.4375], '3fc42c7e7fe3fc01', '3fc42c7e7fe3fc02'],
  ['expm1', [-0.42701692346393016], 'bfd63e37d36ef3ee', 'bfd63e37d36ef3ef'],
  ['expm1', [-1.5822537535209102], 'bfe96c735933c2be', 'bfe96c735933c2bf'],
  ['log1p', [1.7], '3fefc8b7f138bdea', '3fefc8b7f138bde9'],
  ['pow', [0.3831604352221436, 1.8474117039520725], '3fc5c1114b6d3ba0', '3fc5c1114b6d3ba0'],
  ['pow', [0.47941801889228197, 1.3378609967552142], '3fd7ef2c398c7349', '3fd7ef2c398c7349'],
  ['sin', [2828.7205685541594], '3feeb8ba78e3bc37', '3feeb8ba78e3bc37'],
  ['cos', [2828.1533365472615], '3fe80f125b1e82d3', '3fe80f125b1e82d3'],
  ['cos', [1414.4475507396796], '3fe7d3c967201937', '3fe7d3c967201937'],
  ['asin', [-0.9223301708435057], 'bff2c8fbaff15754', 'bff2c8fbaff15755'],
  ['asin', [0.45], '3fdddf7bba8753cd', '3fdddf7bba8753cd'],
  ['hypot', [1.1, 2.2], '4003ad69f7f3f386', '4003ad69f7f3f386'],
  ['hypot', [1e-3, 5], '4014000006b5fca6', '4014000006b5fca6'],
];

describe('det-math: the same bits on every engine', () => {
  it('pinned results where Node 20 and Deno disagreed, within an ulp of the exact value', () => {
    for (const [fn, args, bits, exact] of PINS) {
      const got = (dm[fn] as (...a: number[]) => number)(...args);
      expect(hex(got), `${fn}(${args.join(', ')})`).toBe(bits);
      const ulps = bitsOf(got) - BigInt(`0x${exact}`);
      expect(ulps >= -1n && ulps <= 1n, `${fn}(${args.join(', ')}) within an ulp`).toBe(true);
    }
  });

  it('exp, log and expm1 give the bits of @stdlib’s independent fdlibm ports (V8 ≤ 14’s Math too)', () => {
    const rng = createRng(42n);
    const ranges: [string, (u: number) => number][] = [
      ['exp', (u) => (u - 0.5) * 1400],
      ['exp', (u) => (u - 0.5) * 4],
      ['log', (u) => Math.exp((u - 0.5) * 1400)],
      ['log', (u) => 1 + (u - 0.5) * 1e-5],
      ['log', (u) => u * 100],
      ['expm1', (u) => (u - 0.5) * 100],
      ['expm1', (u) => (u - 0.5) * 2],
      ['expm1', (u) => (u - 0.5) * 1e-6],
    ];
    const ref: Record<string, (x: number) => number> = { exp: stdExp, log: stdLn, expm1: stdExpm1 };
    for (const [fn, draw] of ranges) {
      let bad = 0;
      for (let i = 0; i < 30_000; i++) {
        const x = draw(rng.next());
        if (fn === 'exp' && (x === 1 || x < -708)) continue; // Math.E; @stdlib flushes some subnormal results to 0
        if (!Object.is((dm[fn as 'exp'] as (x: number) => number)(x), ref[fn](x))) bad++;
      }
      expect(bad, fn).toBe(0);
    }
    // Edges and specials.
    for (const x of [0, -0, 1e-300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, Infinity, -Infinity, NaN, -1]) {
      expect(Object.is(dm.log(x), stdLn(x)), `log(${x})`).toBe(true);
      expect(Object.is(dm.expm1(x), stdExpm1(x)), `expm1(${x})`).toBe(true);
    }
    expect(dm.exp(1)).toBe(Math.E);
    expect([dm.exp(-Infinity), dm.exp(Infinity), dm.exp(710), dm.exp(-746), dm.exp(-745)]).toEqual([0, Infinity, Infinity, 0, 5e-324]);
    expect(Number.isNaN(dm.exp(NaN))).toBe(true);
  });

  it('log10 is exact at powers of ten; pow keeps the spec’s special cases', () => {
    for (let k = 0; k <= 22; k++) expect(dm.log10(Number(`1e${k}`))).toBe(k);
    expect(dm.log10(1e-6)).toBe(-6);
    expect([dm.log10(0), dm.log10(Infinity)]).toEqual([-Infinity, Infinity]);
    expect(Number.isNaN(dm.log10(-1))).toBe(true);
    expect(dm.pow(NaN, 0)).toBe(1);
    expect(Number.isNaN(dm.pow(1, Infinity))).toBe(true);
    expect(Number.isNaN(dm.pow(-1, -Infinity))).toBe(true);
    expect(dm.pow(10, 2)).toBe(100);
    expect(dm.hypot(3, 4)).toBe(5);
    expect(dm.hypot(-0, 0)).toBe(0);
    expect(dm.hypot(Infinity, NaN)).toBe(Infinity);
    expect(dm.asin(1)).toBe(Math.PI / 2);
    expect(dm.asin(-0.5)).toBeCloseTo(-Math.PI / 6, 15);
  });

  it('src/ calls no engine-approximated Math function (exp, log, pow, sin, … : det-math instead)', () => {
    const banned = /Math\.(exp|expm1|log|log1p|log2|log10|pow|sin|cos|tan|asin|acos|atan|atan2|sinh|cosh|tanh|asinh|acosh|atanh|cbrt|hypot)\b/;
    // `**` with a non-literal exponent is Math.pow too: only x ** 2 and 2 ** n / 10 ** n (exact) pass.
    const power = /\*\*(?!\s*2\b)/g;
    const hits: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') && name !== 'det-math.ts') {
          readFileSync(path, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              const code = line.replace(/\/\/.*$/, '');
              if (/^\s*(\*|\/\*)/.test(code)) return;
              if (banned.test(code)) hits.push(`${path}:${i + 1}: ${line.trim()}`);
              for (const m of code.matchAll(power)) if (!/\b(2|10)\s*$/.test(code.slice(0, m.index))) hits.push(`${path}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    walk(join(import.meta.dirname, '..', '..', 'src'));
    expect(hits).toEqual([]);
  });
});
