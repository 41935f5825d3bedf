import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { profileJsonSchema } from '../../src/profile/schema.js';
import { readProfile, validateProfile } from '../../src/profile/read.js';
import { serializeProfile, writeProfile } from '../../src/profile/write.js';
import { importServegenPool } from '../../src/profile/upstream.js';
import { ProfileError } from '../../src/profile/errors.js';
import { fixture, tempDir } from '../helpers.js';

const committed = JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/profile.schema.json'), 'utf8'));
const pool = () => importServegenPool(fixture('servegen', 'reason/deepseek-r1-sample'), () => '2026-01-01T00:00:00.000Z').profile;

describe('profile JSON Schema', () => {
  it('docs/profile.schema.json is generated from the types (run `npm run schema` when this fails)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(profileJsonSchema())));
  });

  it('validates imported profiles and the DESIGN.md essentials example with ajv (draft 2020-12)', () => {
    const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false });
    const validate = ajv.compile(committed);
    expect(validate(JSON.parse(serializeProfile(pool())))).toBe(true);
    const essentials = JSON.parse(readFileSync(fixture('profiles', 'essentials.json'), 'utf8'));
    expect(validate(essentials), JSON.stringify(validate.errors)).toBe(true);
    expect(() => validateProfile(essentials)).not.toThrow();
    const bad = structuredClone(essentials);
    bad.clients[0].arrivals[0].rate = -1;
    expect(validate(bad)).toBe(false);
  });
});

describe('readProfile', () => {
  it('round-trips through the atomic writer', () => {
    const p = pool();
    const file = join(tempDir(), 'p.json');
    writeProfile(file, p);
    expect(readProfile(file).profile).toEqual(p);
  });

  function errorOf(edit: (doc: any) => void): ProfileError {
    const doc = JSON.parse(serializeProfile(pool()));
    edit(doc);
    const file = join(tempDir(), 'bad.json');
    writeFileSync(file, JSON.stringify(doc));
    try {
      readProfile(file);
    } catch (err) {
      expect(err).toBeInstanceOf(ProfileError);
      return err as ProfileError;
    }
    throw new Error('expected a ProfileError');
  }

  it('names the JSON path of a bad value', () => {
    const e = errorOf((d) => (d.clients[2].arrivals[7].model = { family: 'gamma', shape: -1, scale: 1 }));
    expect(e.where).toBe('clients[2].arrivals[7].model.shape');
    expect(e.message).toMatch(/bad\.json: clients\[2\]\.arrivals\[7\]\.model\.shape/);
  });

  it('names the path of an unknown family, a PMF mismatch and out-of-order windows', () => {
    expect(errorOf((d) => (d.clients[0].arrivals[3].model = { family: 'pareto', scale: 1 })).where).toMatch(/^clients\[0\]\.arrivals\[3\]\.model/);
    expect(errorOf((d) => (d.clients[0].lengths[0].fields.output_tokens.pmf.counts ?? d.clients[0].lengths[0].fields.output_tokens.pmf.probs).pop()).where).toBe('clients[0].lengths[0].fields.output_tokens.pmf');
    expect(errorOf((d) => (d.clients[0].arrivals[5].start = 0)).where).toBe('clients[0].arrivals[5].start');
  });

  it('refuses other formats and newer versions with a clear message', () => {
    expect(errorOf((d) => (d.format = 'something')).message).toMatch(/not a servegen profile/);
    expect(errorOf((d) => (d.version = 2)).message).toMatch(/newer than this tool supports/);
    for (const v of [0, '1', null]) expect(errorOf((d) => ((d as { version: unknown }).version = v)).message).toMatch(/is not one this tool reads \(it reads version 1\)/);
  });

  it('reports JSON syntax errors with line and column', () => {
    const file = join(tempDir(), 'broken.json');
    writeFileSync(file, '{\n "format": "servegen-profile",\n "version": 1,,\n}');
    expect(() => readProfile(file)).toThrow(/broken\.json:3:\d+: invalid JSON/);
  });
});

describe('length-field support values (review4)', () => {
  const essentials = () => JSON.parse(readFileSync(fixture('profiles', 'essentials.json'), 'utf8'));
  const withValues = (values: number[], field = 'input_tokens') => {
    const p = essentials();
    p.clients[0].lengths[0].fields[field] = { pmf: { values, counts: values.map(() => 5) } };
    return p;
  };
  it('refuses negative, fractional or unsorted token values and a reason_ratio outside [0, 1], naming the path', () => {
    expect(() => validateProfile(withValues([-7, 3]))).toThrow(/clients\[0\]\.lengths\[0\]\.fields\.input_tokens\.pmf\.values\[0\]: input_tokens must be a non-negative integer, got -7/);
    expect(() => validateProfile(withValues([1.5]))).toThrow(/values\[0\]: input_tokens must be a non-negative integer, got 1.5/);
    expect(() => validateProfile(withValues([40, 12]))).toThrow(/values\[1\]: values must ascend \(40 then 12\)/);
    expect(() => validateProfile(withValues([0.5, 2], 'reason_ratio'))).toThrow(/values\[1\]: reason_ratio must be in \[0, 1\], got 2/);
    expect(() => validateProfile(withValues([0, 0.25, 1], 'reason_ratio'))).not.toThrow();
    expect(() => validateProfile(withValues([0, 12, 4095]))).not.toThrow();
  });
  it('import-servegen refuses a negative token value by file and line', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'chunk-0-trace.csv'), '0,1,1,Gamma,1,1\n600,1,1,Gamma,1,1\n');
    writeFileSync(join(dir, 'chunk-0-dataset.json'), '{\n  "0": {\n    "input_tokens": "{-136: 1.0}",\n    "output_tokens": "{5: 1.0}"\n  }\n}\n');
    expect(() => importServegenPool(dir, () => '2026-01-01T00:00:00.000Z')).toThrow(/chunk-0-dataset\.json:3: window 0, field input_tokens: input_tokens must be a non-negative integer, got -136/);
  });
});

describe('profile JSON Schema descriptions', () => {
  it('span.origin is null for relative logs and imported pools too, not only anonymized profiles (found by review)', () => {
    const span = (profileJsonSchema() as { properties: { span: { properties: { origin: { description: string } } } } }).properties.span.properties;
    expect(span.origin.description).toMatch(/unknown/);
    expect(pool().span.origin).toBeNull();
  });
});
