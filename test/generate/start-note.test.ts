/**
 * The note `servegen generate` prints for a start before a profile's span that does not start at
 * 0 (BurstGPT's relative times, 19 440 110 … 19 481 563 s) is the library's too, naming its
 * option: a library run from the default start 0 drew 6 000 s into the profile's repetition with
 * nothing to tell it so (found by using the installed package as a library, h-102: an hour
 * from start 0 at seed 7 drew 1 request, where an hour of the span averages ~35). The CLI's text is unchanged
 * (test/cli/new-user-friction.test.ts pins it).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { defaultFitOptions } from '../../src/fit/defaults.js';
import { fitTrace } from '../../src/fit/fit-trace.js';
import type { Profile } from '../../src/profile/schema.js';
import { GENERATE_FLAGS } from '../../src/generate/errors.js';
import { startNote } from '../../src/generate/start-note.js';
import * as generate from '../../src/generate/index.js';
import { fixture } from '../helpers.js';

let profile: Profile;
beforeAll(async () => {
  const source = await ingestFiles({ inputs: [fixture('traces', 'burstgpt', 'burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
  profile = fitTrace(source.trace, defaultFitOptions({ created: '2026-01-01T00:00:00.000Z' })).profile;
});

describe('generate.startNote', () => {
  it("names the library's option, and the CLI's flag with GENERATE_FLAGS", () => {
    expect(generate.startNote).toBe(startNote);
    const why = "(19440110 … 19481563 s: its log's times were relative, and did not start at 0)";
    expect(startNote(profile, 0)).toBe(`note: start 0 is before the profile's span ${why}, which repeats every 42000 s from 19440000 s (its first window's start), so the run starts 6000 s into it; start 19440110 starts at its beginning`);
    expect(startNote(profile, 0, GENERATE_FLAGS)).toBe(`note: --start 0 is before the profile's span ${why}, which repeats every 42000 s from 19440000 s (its first window's start), so the run starts 6000 s into it; --start 19440110 starts at its beginning`);
    expect(startNote(profile, 19440000)).toMatch(/^note: start 19440000 is 110 s before the profile's span .*; start 19440110 starts where the log's first request was$/);
  });

  it('says nothing for a start inside the span, or a span from 0', () => {
    expect(startNote(profile, profile.span.start)).toBeUndefined();
    expect(startNote(profile, 19460000)).toBeUndefined();
    expect(startNote({ ...profile, span: { ...profile.span, start: 0 } }, 0)).toBeUndefined();
  });
});
