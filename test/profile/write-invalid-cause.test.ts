/**
 * writeProfile of a profile that fails its schema (one edited in memory by a library caller)
 * throws a plain Error, as before — the CLI's exit 3, since only a bug in fit makes one there —
 * now with the ProfileError as its `cause`, whose `where` names the value: the path was in the
 * message only (found by using the installed package as a library, h-102). Nothing is written.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProfile } from '../../src/profile/read.js';
import { writeProfile } from '../../src/profile/write.js';
import { ProfileError } from '../../src/profile/errors.js';
import { fixture, tempDir } from '../helpers.js';

describe('writeProfile of an invalid profile', () => {
  it('throws an Error whose cause is the ProfileError naming where, and writes nothing', () => {
    const { profile } = readProfile(fixture('profiles', 'essentials.json'));
    const edited = { ...profile, clients: [{ ...profile.clients[0], arrivals: [{ ...profile.clients[0].arrivals[0], cv: -2 }, profile.clients[0].arrivals[1]] }] };
    const file = join(tempDir(), 'p.json');
    let thrown: Error | undefined;
    try {
      writeProfile(file, edited);
    } catch (e) {
      thrown = e as Error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(ProfileError);
    expect(thrown!.message).toMatch(/^.*p\.json: clients\[0\]\.arrivals\[0\]\.cv: .* — in the profile about to be written \(not written\)$/);
    expect(thrown!.cause).toBeInstanceOf(ProfileError);
    expect((thrown!.cause as ProfileError).where).toBe('clients[0].arrivals[0].cv');
    expect(existsSync(file)).toBe(false);
  });
});
