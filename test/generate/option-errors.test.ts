/**
 * Errors of the generation library name GenerateOptions' fields, and `servegen generate` names
 * its flags for the same mistakes (found by the generation audit, h-85: library callers were
 * told of `--duration` and `--max-requests`). Options no flag can give (NaN, Infinity, a
 * fractional top:K, batchTarget 0) are refused by name instead of misnamed, ignored or hung.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importServegenPool } from '../../src/profile/upstream.js';
import { defaultGenerateOptions } from '../../src/generate/defaults.js';
import { planGeneration, type GenerateOptions } from '../../src/generate/compose.js';
import { planNaiveGeneration } from '../../src/generate/naive.js';
import { parseRateSpec } from '../../src/generate/rate-function.js';
import { GenerateError } from '../../src/generate/errors.js';
import { fixture } from '../helpers.js';
import { convProfile, runCli } from '../cli/run-cli.js';

const now = () => '2026-01-01T00:00:00.000Z';
const mmImage = importServegenPool(fixture('servegen', 'multimodal/mm-image'), now).profile;

/** The error planGeneration throws for these options (and the naive plan the same). */
function errorOf(options: Partial<GenerateOptions> & Pick<GenerateOptions, 'duration'>): GenerateError {
  const full = defaultGenerateOptions(options);
  let thrown: unknown;
  try {
    for (const b of planGeneration(mmImage, full).batches) void b;
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(GenerateError);
  let naive: unknown;
  try {
    for (const b of planNaiveGeneration(mmImage, full).batches) void b;
  } catch (e) {
    naive = e;
  }
  expect((naive as Error).message).toBe((thrown as Error).message);
  return thrown as GenerateError;
}

describe('library errors name the options, not the CLI flags', () => {
  it.each([
    ['maxRequests', { duration: 3600, maxRequests: 10 }, 'rate scale:1 over 3600 s is expected to give about 2.02e+4 requests, above the limit of 10 (maxRequests); lower the rate or duration, or raise maxRequests'],
    ['clients ids', { duration: 60, clients: { ids: ['nope'] } }, 'clients: no client "nope" in the profile'],
    ['clients top', { duration: 60, clients: { top: 0 } }, 'clients top:K needs a whole number K ≥ 1, got 0'],
    ['duration', { duration: -1 }, 'duration: expected a finite number of seconds > 0, got -1'],
    ['slots', { duration: 1e9, maxRequests: 1e12 }, 'duration 1000000000 s needs 1666668 arrival windows of 600 s, above the 1000000 one run can plan; generate a shorter span (several runs with start)'],
    ['start resolution', { duration: 1, start: 1e17 }, 'start 100000000000000000 with duration 1: the span is below the resolution of times that large; give a smaller start'],
  ] as const)('%s', (_, options, text) => {
    const e = errorOf(options as Partial<GenerateOptions> & Pick<GenerateOptions, 'duration'>);
    expect(e.message).toContain(text);
    expect(e.message).not.toMatch(/--[a-z]/);
    // The CLI's text is the same with the flags in place of the options.
    expect(e.cliMessage).toMatch(/--(max-requests|clients|duration|start)/);
  });

  it('a rate spec names `rate`; the CLI `--rate`', () => {
    let e: GenerateError | undefined;
    try {
      parseRateSpec('constant:abc');
    } catch (err) {
      e = err as GenerateError;
    }
    expect(e?.message).toBe('rate constant: expected a number ≥ 0, got "abc"');
    expect(e?.cliMessage).toBe('--rate constant: expected a number ≥ 0, got "abc"');
  });

  it('bad session statistics point library callers to `sessions: false`', () => {
    const doc = structuredClone(mmImage);
    doc.clients[0].sessions = { session_request_share: 0.5 };
    let thrown: GenerateError | undefined;
    try {
      planGeneration(doc, defaultGenerateOptions({ duration: 60 }));
    } catch (err) {
      thrown = err as GenerateError;
    }
    expect(thrown?.message).toMatch(/or generate with sessions: false\)$/);
    expect(thrown?.cliMessage).toMatch(/or generate with --no-sessions\)$/);
  });
});

describe('options no flag can give are refused by name', () => {
  it.each([
    ['start NaN (was "below the resolution of times that large")', { duration: 60, start: NaN }, "start: expected a finite number of seconds from the profile's origin, got NaN"],
    ['duration Infinity (was "a rate … is out of range")', { duration: Infinity }, 'duration: expected a finite number of seconds > 0, got Infinity'],
    ['top:1.5 (was taken as top:1)', { duration: 60, clients: { top: 1.5 } }, 'clients top:K needs a whole number K ≥ 1, got 1.5'],
    ['maxRequests NaN (was no limit)', { duration: 60, maxRequests: NaN }, 'maxRequests: expected a number ≥ 0, got NaN'],
    ['batchTarget 0 (the run never ended)', { duration: 60, batchTarget: 0 }, 'batchTarget: expected a finite number ≥ 1 of requests, got 0'],
    ['shapeSource "CV" (was taken as params)', { duration: 60, shapeSource: 'CV' }, `shapeSource: expected 'cv' or 'params', got "CV"`],
    ['a rate of −5 (was an empty trace)', { duration: 60, rate: { kind: 'constant', rate: -5 } }, 'rate: constant rate: expected a finite number ≥ 0, got -5'],
    ['a scale of NaN (was an empty trace)', { duration: 60, rate: { kind: 'scale', factor: NaN } }, 'rate: scale factor: expected a finite number ≥ 0, got NaN'],
    ['points of unequal lengths (was an empty trace)', { duration: 60, rate: { kind: 'points', times: [0, 1], rates: [1], file: 'x' } }, 'rate: points: expected times and rates of one length ≥ 1'],
    ['points out of order (were taken as they came)', { duration: 60, rate: { kind: 'points', times: [1, 0], rates: [1, 1], file: 'x' } }, 'rate: points: times[1] is 0: times must be finite and strictly increase'],
    ['a spec as text (was "unknown rate spec")', { duration: 60, rate: 'constant:100' }, `rate: expected a RateSpec ({ kind: 'constant' | 'scale' | 'peak' | 'points', … }, as parseRateSpec('constant:100') gives), got "constant:100"`],
  ] as const)('%s', (_, options, text) => {
    expect(errorOf(options as unknown as Partial<GenerateOptions> & Pick<GenerateOptions, 'duration'>).message).toBe(text);
  });
});

describe('servegen generate names its flags', () => {
  let dir: string;
  let profile: string;
  beforeAll(async () => {
    ({ dir, profile } = await convProfile());
  });

  it('--max-requests, --clients and --rate in its messages', async () => {
    const out = join(dir, 'g.jsonl');
    const max = await runCli('generate', profile, '--duration', '3600', '--max-requests', '10', '--out', out);
    expect(max.code).toBe(2);
    expect(max.stderr).toMatch(/^servegen: --rate scale:1 over 3600 s is expected to give about [0-9.e+]+ requests, above the limit of 10 \(--max-requests\); lower the rate or duration, or raise --max-requests\n$/);
    const ids = await runCli('generate', profile, '--duration', '60', '--clients', 'nope', '--out', out);
    expect(ids.code).toBe(2);
    expect(ids.stderr).toMatch(/^servegen: --clients: no client "nope" in the profile/);
    const rate = await runCli('generate', profile, '--duration', '60', '--rate', 'constant:abc', '--out', out);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toBe('servegen: --rate constant: expected a number ≥ 0, got "abc"\n');
  });

  it('a rate file at 0 over the run is said to be the cause (it was told to "pick another --start")', async () => {
    const file = join(dir, 'zero.csv');
    writeFileSync(file, 'time,rate\n0,0\n100,0\n');
    const r = await runCli('generate', profile, '--duration', '600', '--rate', file, '--out', join(dir, 'z.jsonl'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: --rate ${file}: its rate is 0 over the whole run (0 … 600 s from --start): the output will have no requests\n`);
    expect(r.stderr).not.toContain('pick another --start');
  });

  it('an --out named .gz or "-" is told why, not "cannot tell the format"; /dev/stdout is told to give --format', async () => {
    const gz = join(dir, 'g.jsonl.gz');
    const a = await runCli('generate', profile, '--duration', '60', '--out', gz);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe(`servegen: --out ${JSON.stringify(gz)}: generate does not compress its output; name it without .gz (and gzip it afterwards), or write --format parquet (compressed)\n`);
    const dash = await runCli('generate', profile, '--duration', '60', '--out', '-');
    expect(dash.code).toBe(2);
    expect(dash.stderr).toBe('servegen: --out -: would write a file named "-"; give /dev/stdout for standard output (or ./- for such a file)\n');
    const stdout = await runCli('generate', profile, '--duration', '60', '--out', '/dev/stdout');
    expect(stdout.code).toBe(2);
    expect(stdout.stderr).toBe('servegen: --out "/dev/stdout": cannot tell the format from its name; give --format (jsonl, csv, parquet, arrow, mooncake, vidur, azure, splitwise)\n');
  });
});
