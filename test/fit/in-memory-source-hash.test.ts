/**
 * fitIngested of a trace that came from no file (generateTrace's, or one built in memory)
 * records no source hash: it recorded the SHA-256 of zero bytes (e3b0c442…), which reads as a
 * real file's (found by using the installed package as a library, h-102). A trace from files
 * keeps theirs.
 */
import { describe, expect, it } from 'vitest';
import { fitIngested, inputsSha256 } from '../../src/fit/defaults.js';
import { readProfile } from '../../src/profile/read.js';
import { defaultGenerateOptions } from '../../src/generate/defaults.js';
import { generateTrace } from '../../src/generate/in-memory.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { fixture } from '../helpers.js';

describe("fitIngested's provenance.source_sha256", () => {
  it('is null for a trace generated in memory, and the files\' hash for a log', async () => {
    const { profile, sha256 } = readProfile(fixture('profiles', 'essentials.json'));
    const generated = generateTrace(profile, sha256, defaultGenerateOptions({ duration: 1200, seed: 1 }));
    expect(generated.summary.files).toEqual([]);
    const fromMemory = (await fitIngested(generated, { created: '2026-01-01T00:00:00.000Z' })).profile;
    expect(fromMemory.provenance.source_sha256).toBeNull();
    const log = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    const fromLog = (await fitIngested(await ingestFiles({ inputs: [log], mapping: loadPreset('burstgpt') }), { created: '2026-01-01T00:00:00.000Z' })).profile;
    expect(fromLog.provenance.source_sha256).toBe(inputsSha256([log]));
    expect(fromLog.provenance.source_sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
