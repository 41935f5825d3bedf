/**
 * A hand-edited profile's `version` key (found by a receiver's review, h-104): a missing key
 * said "profile version undefined is not one this tool reads … refit or re-import the profile",
 * and a quoted "1" told its editor to refit, not to drop the quotes.
 */
import { describe, expect, it } from 'vitest';
import { validateProfile } from '../../src/profile/read.js';
import { refusal } from './refusal.js';

const base = { format: 'servegen-profile', version: 1, provenance: { tool: 'servegen-ts@0.1.0', source_sha256: null, created: '2026-01-01T00:00:00.000Z', options: {} }, windows: { arrival_seconds: 600, length_seconds: 21600 }, span: { origin: null, start: 0, end: 600 }, clients: [{ id: 'a', requests: 60, arrivals: [{ start: 0, rate: 0.1, cv: 1, model: { family: 'exponential', scale: 10 } }], lengths: [] }] };

function errorOf(version: unknown) {
  const p: Record<string, unknown> = structuredClone(base);
  if (version === undefined) delete p.version;
  else p.version = version;
  return refusal(p);
}


describe('a profile\'s version key, edited by hand', () => {
  it('the profile itself is read', () => {
    expect(validateProfile(structuredClone(base), 'shared.json').clients).toHaveLength(1);
  });

  it('missing: says it is missing and what to write', () => {
    const e = errorOf(undefined);
    expect(e.message).toBe('shared.json: version: missing; a profile of this tool has "version": 1 beside "format"');
    expect(e.message).not.toContain('undefined');
  });

  it('"1" in quotes: says to write the number', () => {
    expect(errorOf('1').message).toContain('it is text; write the number 1, without quotes');
    expect(errorOf(0).message).toContain('refit or re-import the profile');
  });
});
