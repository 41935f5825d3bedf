import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProfileSchema } from '../../src/profile/read.js';
import { ProfileSchema } from '../../src/profile/schema.js';
import { serializeProfile } from '../../src/profile/write.js';
import { importServegenPool } from '../../src/profile/upstream.js';
import { fixture } from '../helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const base = (): any => JSON.parse(serializeProfile(importServegenPool(fixture('servegen', 'multimodal', 'mm-image'), () => 'x').profile));
const essentials = (): any => JSON.parse(readFileSync(fixture('profiles', 'essentials.json'), 'utf8'));

// Each mutation targets the parts the hand-written check covers; zod is the reference.
const mutations: [string, () => any][] = [
  ['valid pool', () => base()],
  ['valid essentials (bins, fit, gof, joint)', () => essentials()],
  ['negative rate', () => ((d) => ((d.clients[1].arrivals[3].rate = -0.1), d))(base())],
  ['string rate', () => ((d) => ((d.clients[1].arrivals[3].rate = '1'), d))(base())],
  ['NaN-like null rate', () => ((d) => ((d.clients[1].arrivals[3].rate = null), d))(base())],
  ['cv null is fine', () => ((d) => ((d.clients[1].arrivals[3].cv = null), d))(base())],
  ['negative cv', () => ((d) => ((d.clients[1].arrivals[3].cv = -1), d))(base())],
  ['missing model', () => ((d) => (delete d.clients[0].arrivals[0].model, d))(base())],
  ['model null is fine', () => ((d) => ((d.clients[0].arrivals[0].model = null), d))(base())],
  ['unknown family', () => ((d) => ((d.clients[0].arrivals[0].model = { family: 'pareto', scale: 1 }), d))(base())],
  ['gamma without shape', () => ((d) => ((d.clients[0].arrivals[0].model = { family: 'gamma', scale: 1 }), d))(base())],
  ['exponential with shape', () => ((d) => ((d.clients[0].arrivals[0].model = { family: 'exponential', shape: 1, scale: 1 }), d))(base())],
  ['zero scale', () => ((d) => ((d.clients[0].arrivals[0].model.scale = 0), d))(base())],
  ['extra window key', () => ((d) => ((d.clients[0].arrivals[0].extra = 1), d))(base())],
  ['gof ks > 1', () => ((d) => ((d.clients[0].arrivals[0].gof = { ks: 1.5, n: 3 }), d))(base())],
  ['gof fractional n', () => ((d) => ((d.clients[0].arrivals[0].gof = { ks: 0.1, n: 3.5 }), d))(base())],
  ['gof fine', () => ((d) => ((d.clients[0].arrivals[0].gof = { ks: 0.1, n: 3, loglik: -12.5 }), d))(base())],
  ['unknown length field', () => ((d) => ((d.clients[0].lengths[0].fields.foo_tokens = d.clients[0].lengths[0].fields.input_tokens), d))(base())],
  ['fractional count', () => ((d) => ((d.clients[0].lengths[0].fields.output_tokens.pmf.counts[0] = 0.5), d))(base())],
  ['negative count', () => ((d) => ((d.clients[0].lengths[0].fields.output_tokens.pmf.counts[0] = -1), d))(base())],
  ['string value', () => ((d) => ((d.clients[0].lengths[0].fields.output_tokens.pmf.values[0] = '1'), d))(base())],
  ['extra pmf key', () => ((d) => ((d.clients[0].lengths[0].fields.output_tokens.pmf.cdf = []), d))(base())],
  ['non-integer bin edge', () => ((d) => ((d.clients[0].lengths[0].fields.input_tokens.pmf.bins.lo[0] = 64.5), d))(essentials())],
  ['bins with probs fine', () => essentials()],
  ['fit ks > 1', () => ((d) => ((d.clients[0].lengths[0].fields.input_tokens.fit.ks = 2), d))(essentials())],
  ['fit param not a number', () => ((d) => ((d.clients[0].lengths[0].fields.input_tokens.fit.params.mu = 'x'), d))(essentials())],
  ['joint out of range', () => ((d) => ((d.clients[0].lengths[0].joint.spearman = 1.2), d))(essentials())],
  ['joint extra key', () => ((d) => ((d.clients[0].lengths[0].joint.kendall = 0.1), d))(essentials())],
  ['length window without fields', () => ((d) => (delete d.clients[0].lengths[0].fields, d))(base())],
  ['arrivals not an array', () => ((d) => ((d.clients[0].arrivals = {}), d))(base())],
  ['client without id', () => ((d) => (delete d.clients[0].id, d))(base())],
  ['top-level extra key', () => ((d) => ((d.extra = 1), d))(base())],
];

describe('fast bulk check agrees with the zod schema', () => {
  for (const [name, make] of mutations) {
    it(name, () => {
      const doc = make();
      const reference = ProfileSchema.safeParse(structuredClone(doc)).success;
      expect(parseProfileSchema(doc).success).toBe(reference);
    });
  }
  it('the corpus has both valid and invalid cases', () => {
    const results = mutations.map(([, make]) => ProfileSchema.safeParse(make()).success);
    expect(results.filter(Boolean).length).toBeGreaterThan(3);
    expect(results.filter((r) => !r).length).toBeGreaterThan(20);
  });
});
