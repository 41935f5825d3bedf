import { expect } from 'vitest';
import { validateProfile } from '../../src/profile/read.js';
import { ProfileError } from '../../src/profile/errors.js';

/** The ProfileError reading `value` as `shared.json` throws (tests of hand-edited profiles); fails the test when it is read. */
export function refusal(value: unknown): ProfileError {
  try {
    validateProfile(value, 'shared.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ProfileError);
    return e as ProfileError;
  }
  throw new Error('accepted');
}
