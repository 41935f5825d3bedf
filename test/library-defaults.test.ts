/**
 * The library's defaults are the CLI's: a fit, generation and validation through the public
 * API with defaultFitOptions / fitIngested / defaultGenerateOptions give the files `servegen
 * fit` and `servegen generate` write, byte for byte (before them, a library user had to find
 * the CLI's values in src/cli, and the source hash's recipe in src/io).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fit, generate, ingest, io, profile, validate } from '../src/index.js';
import { fixture, tempDir, useSourceDateEpoch } from './helpers.js';
import { runCli } from './cli/run-cli.js';

const log = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');

describe('library defaults = CLI defaults', () => {
  useSourceDateEpoch();

  it('fitIngested writes the profile servegen fit writes; defaultGenerateOptions the trace servegen generate writes', async () => {
    const dir = tempDir();
    const source = await ingest.ingestFiles({ inputs: [log], mapping: ingest.loadPreset('azure-llm-2023') });
    const { profile: fitted } = await fit.fitIngested(source);
    profile.writeProfile(join(dir, 'lib.json'), fitted);
    expect(await runCli('fit', log, '--preset', 'azure-llm-2023', '--out', join(dir, 'cli.json'), '--quiet')).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(dir, 'lib.json'), 'utf8')).toBe(readFileSync(join(dir, 'cli.json'), 'utf8'));
    // The hash generated traces record: profileSha256 of the profile in memory is readProfile's of its file.
    expect(profile.profileSha256(fitted)).toBe(profile.readProfile(join(dir, 'cli.json')).sha256);

    const summary = await generate.generateToFile(fitted, profile.profileSha256(fitted), generate.defaultGenerateOptions({ duration: 1800 }), { path: join(dir, 'lib.jsonl') });
    expect(summary.requests).toBeGreaterThan(100);
    expect(await runCli('generate', join(dir, 'cli.json'), '--duration', '1800', '--out', join(dir, 'cli.jsonl'), '--quiet')).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(dir, 'lib.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'cli.jsonl'), 'utf8'));

    // Thresholds default to docs/thresholds.json's.
    const generated = await ingest.ingestFiles({ inputs: [join(dir, 'lib.jsonl')], mapping: ingest.loadPreset('servegen') });
    expect(validate.validateTraces(source, generated).report).toEqual(validate.validateTraces(source, generated, validate.loadThresholds()).report);
  });

  it('the options a fit records are the defaults --help shows', async () => {
    const help = (await runCli('fit', '--help')).stdout.replace(/\s+/g, ' ');
    for (const [flag, value] of [['--window', fit.FIT_DEFAULTS.arrivalSeconds], ['--length-window', fit.FIT_DEFAULTS.lengthSeconds], ['--min-arrivals', fit.FIT_DEFAULTS.minArrivals]] as const) {
      expect(help).toMatch(new RegExp(`${flag} <[a-z]+> .*?\\(default: "${value}"\\)`));
    }
    const options = fit.defaultFitOptions({ created: 'x' });
    expect(options).toMatchObject({ arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, momentMatch: false, sourceSha256: null, created: 'x' });
    const gen = (await runCli('generate', '--help')).stdout.replace(/\s+/g, ' ');
    expect(gen).toContain('(default: "scale:1")');
    expect(generate.defaultGenerateOptions({ duration: 60 })).toEqual({ start: 0, duration: 60, rate: { kind: 'scale', factor: 1 }, seed: 0, shapeSource: 'cv', sessions: true, gapMemory: true, maxRequests: 1e9 });
  });

  it('generateToFile takes the format from the name, and says so when it cannot', async () => {
    const dir = tempDir();
    const p = profile.readProfile(fixture('profiles', 'essentials.json')).profile;
    expect(io.formatFromPath('x.parquet')).toBe('parquet');
    await expect(generate.generateToFile(p, 'x', generate.defaultGenerateOptions({ duration: 60 }), { path: join(dir, 'out.txt') })).rejects.toThrow(/out\.txt: cannot tell the format from the name; give out\.format \(jsonl, csv/);
  });
});

describe('defaults with an explicit undefined', () => {
  it('keep the default (found by review: { seed: undefined } wiped it, and generateToFile failed reading rate.kind)', () => {
    const { defaultGenerateOptions, GENERATE_DEFAULTS } = generate;
    const { defaultFitOptions, FIT_DEFAULTS } = fit;
    const g = defaultGenerateOptions({ duration: 10, seed: undefined, rate: undefined, start: undefined });
    expect(g).toMatchObject({ duration: 10, seed: GENERATE_DEFAULTS.seed, start: GENERATE_DEFAULTS.start, rate: { kind: 'scale' } });
    const f = defaultFitOptions({ created: undefined, arrivalSeconds: undefined });
    expect(typeof f.created).toBe('string');
    expect(f.arrivalSeconds).toBe(FIT_DEFAULTS.arrivalSeconds);
  });
});
