/**
 * GenerateOptions.seed as a library caller gives it: a seed that is no whole number, or none at
 * all, is a GenerateError naming `seed`, as the other options' mistakes are (it was a RangeError,
 * "seed must be a safe integer", and a left-out seed drew from the hash of "undefined" without a
 * word; found by using the installed package as a library, h-102). 7, '7' and 7n stay one seed.
 */
import { describe, expect, it } from 'vitest';
import { readProfile } from '../../src/profile/read.js';
import { defaultGenerateOptions } from '../../src/generate/defaults.js';
import { planGeneration, type GenerateOptions } from '../../src/generate/compose.js';
import { planNaiveGeneration } from '../../src/generate/naive.js';
import { planRequests } from '../../src/generate/in-memory.js';
import { GenerateError } from '../../src/generate/errors.js';
import { fixture } from '../helpers.js';

const { profile } = readProfile(fixture('profiles', 'essentials.json'));

describe('GenerateOptions.seed', () => {
  it.each([
    ['1.5', 1.5, '1.5'],
    ['NaN', NaN, 'NaN'],
    ['left out', undefined, 'undefined'],
    ['null', null, 'null'],
    ['an object', { seed: 1 }, '{"seed":1}'],
  ])('refuses a seed that is %s, naming it', (_, seed, shown) => {
    const options = { ...defaultGenerateOptions({ duration: 60 }), seed } as unknown as GenerateOptions;
    for (const plan of [planGeneration, planNaiveGeneration]) {
      expect(() => plan(profile, options)).toThrow(GenerateError);
      expect(() => plan(profile, options)).toThrow(`seed: expected a whole number (a safe integer), a bigint or a string, got ${shown}`);
    }
  });

  it('takes a number, its text and a bigint as one seed', () => {
    const rows = (seed: GenerateOptions['seed']) => [...planRequests(planGeneration(profile, defaultGenerateOptions({ duration: 600, seed })))].map((r) => r.timestamp);
    const seven = rows(7);
    expect(seven.length).toBeGreaterThan(100);
    expect(rows('7')).toEqual(seven);
    expect(rows(7n)).toEqual(seven);
    expect(rows(8)).not.toEqual(seven);
  });
});
