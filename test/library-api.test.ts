/**
 * The library as a serving team's program uses it (found by using the installed package from
 * a TypeScript program): a mapping written inline, a plan's batches read twice, fit options
 * the CLI's flags cannot give, generated requests as objects and as a trace validated in
 * memory, and `fit --anonymize` through the API.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { fit, generate, ingest, profile, summary, validate } from '../src/index.js';
import { fixture, tempDir, useSourceDateEpoch } from './helpers.js';
import { expectEqualSummaries } from './summary/equal-summaries.js';
import { runCli } from './cli/run-cli.js';

const azure = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
const burstgpt = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');

describe('library API', () => {
  useSourceDateEpoch();

  it('ingests with a mapping written inline (no separator, optional or unit), validated as a file is', async () => {
    const dir = tempDir();
    const log = join(dir, 'log.jsonl');
    writeFileSync(log, ['{"ts": 10.5, "req": {"tenant": "a"}, "usage": {"prompt_tokens": 5, "completion_tokens": 7}}', '{"ts": 11, "req": {"tenant": "b"}, "usage": {"prompt_tokens": 6, "completion_tokens": -1}}', '{"ts": 12, "req": {"tenant": "a"}, "usage": {"prompt_tokens": 8}}', ''].join('\n'));
    const mapping: ingest.MappingInput = { columns: { timestamp: 'ts', client_id: 'req.tenant', input_tokens: 'usage.prompt_tokens', output_tokens: 'usage.completion_tokens' }, optional: ['output_tokens'] };
    const mappingNoOptional: ingest.MappingInput = { columns: { timestamp: 'ts', client_id: 'req.tenant', input_tokens: 'usage.prompt_tokens' } };
    const r = await ingest.ingestFiles({ inputs: [log], mapping });
    expect(r.summary).toMatchObject({ rows_read: 3, rows_accepted: 2, rows_rejected: 1, rejects_by_reason: { negative_tokens: 1 }, clients: 1 });
    expect((await ingest.ingestFiles({ inputs: [log], mapping: mappingNoOptional })).summary.rows_accepted).toBe(3);
    expect(ingest.parseMapping(mappingNoOptional)).toMatchObject({ separator: '/', optional: [] });
    // Bad inline mappings are refused as a bad file is, named "mapping".
    await expect(ingest.ingestFiles({ inputs: [log], mapping: { columns: { client_id: 'req.tenant' } } })).rejects.toThrow(ingest.IngestError);
    await expect(ingest.ingestFiles({ inputs: [log], mapping: { columns: { client_id: 'req.tenant' } } })).rejects.toThrow(/^mapping: columns.timestamp: the timestamp field is required$/);
  });

  it("reading a plan's batches twice gives the same requests (and the naive baseline's)", () => {
    const p = profile.importServegenPool(fixture('servegen', 'language', 'm-small-sample')).profile;
    const options = generate.defaultGenerateOptions({ duration: 120, rate: generate.parseRateSpec('constant:30'), seed: 5 });
    for (const plan of [generate.planGeneration(p, options), generate.planNaiveGeneration(p, options)]) {
      const pass = () => [...plan.batches].flatMap((b) => [...b.timestamp]);
      const first = pass();
      expect(first.length).toBeGreaterThan(1000);
      expect(pass()).toEqual(first);
    }
  });

  it('fit refuses windows and counts the CLI flags cannot give', async () => {
    const source = await ingest.ingestFiles({ inputs: [azure], mapping: ingest.loadPreset('azure-llm-2023') });
    for (const arrivalSeconds of [0, -600, Number.NaN, Infinity]) await expect(fit.fitIngested(source, { arrivalSeconds })).rejects.toThrow(RangeError);
    expect(() => fit.fitTrace(source.trace, fit.defaultFitOptions({ lengthSeconds: 0 }))).toThrow(/lengthSeconds/);
    expect(() => fit.fitTrace(source.trace, fit.defaultFitOptions({ minClientRequests: -1 }))).toThrow(/minClientRequests/);
    expect(() => fit.fitTrace(source.trace, fit.defaultFitOptions({ resolution: 600 }))).toThrow(/resolution/);
  });

  it('generated requests as objects are the rows generateToFile writes; generateTrace is the trace read back, and validates as it does', async () => {
    const dir = tempDir();
    const source = await ingest.ingestFiles({ inputs: [burstgpt], mapping: ingest.loadPreset('burstgpt') });
    const { profile: fitted } = await fit.fitIngested(source);
    const sha = profile.profileSha256(fitted);
    const options = generate.defaultGenerateOptions({ duration: 7200, start: 600, seed: 3 });
    const file = join(dir, 'g.jsonl');
    await generate.generateToFile(fitted, sha, options, { path: file });
    const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as Record<string, unknown>);
    const objects = [...generate.planRequests(generate.planGeneration(fitted, options))];
    expect(objects.some((r) => r.session_id !== undefined)).toBe(true);
    expect(objects.map((r) => ({ ...r, timestamp: Number(r.timestamp.toFixed(6)) }))).toEqual(rows);
    expect(generate.LENGTH_COLUMNS.slice(0, 2)).toEqual(['input_tokens', 'output_tokens']);

    const read = await ingest.ingestFiles({ inputs: [file], mapping: ingest.loadPreset('servegen') });
    const inMemory = generate.generateTrace(fitted, sha, options);
    const byId = (t: ingest.Trace) => ({ n: t.n, timestamp: [...t.timestamp], client: Array.from(t.client, (c) => t.clientIds[c]), ints: t.ints, origin: t.origin, sessions: t.texts.session_id && Array.from(t.texts.session_id.index, (k) => t.texts.session_id!.values[k]) });
    expect(byId(inMemory.trace)).toEqual(byId(read.trace));
    expect(inMemory.meta).toEqual(read.meta);

    const naiveFile = join(dir, 'n.jsonl');
    await generate.generateToFile(fitted, sha, options, { path: naiveFile, naive: true });
    const sixth = join(dir, 'n6.jsonl');
    await generate.generateToFile(fitted, sha, options, { path: sixth }, undefined, true);
    expect(readFileSync(naiveFile, 'utf8')).toBe(readFileSync(sixth, 'utf8'));
    const baseline = await ingest.ingestFiles({ inputs: [naiveFile], mapping: ingest.loadPreset('servegen') });
    const fromFiles = validate.validateTraces(source, read, undefined, { baseline });
    const fromMemory = validate.validateTraces(source, inMemory, undefined, { baseline: generate.generateTrace(fitted, sha, options, true) });
    expect(fromMemory.report.metrics).toEqual(fromFiles.report.metrics);
    expect(fromMemory.charts).toEqual(fromFiles.charts);
  });

  it('fit --anonymize through the library: rebaseToFirstSecond, the anonymized pool size, anonymizeProfile (as README says)', async () => {
    const dir = tempDir();
    const source = await ingest.ingestFiles({ inputs: [burstgpt], mapping: ingest.loadPreset('burstgpt') });
    // anonymizeProfile alone (what the README named as `fit --anonymize`) of the log's own times,
    // whose windows are on the log's clock, the span starting 110 s into the first: it published
    // that offset (its span ended 110 s off the CLI's); refused since h-98, naming the rebase.
    const own = (await fit.fitIngested(source, { minClientRequests: fit.FIT_DEFAULTS.anonymizedMinClientRequests })).profile;
    expect(() => profile.anonymizeProfile(own)).toThrow(profile.ProfileError);
    expect(() => profile.anonymizeProfile(own)).toThrow(/span\.start 19440110 is 110 s into its first arrival window .*rebaseToFirstSecond/);
    // (rebaseToFirstSecond shifts the trace's times in place.)
    const { profile: fitted } = await fit.fitIngested({ ...source, trace: ingest.rebaseToFirstSecond(source.trace) }, { minClientRequests: fit.FIT_DEFAULTS.anonymizedMinClientRequests });
    profile.writeProfile(join(dir, 'lib.json'), profile.anonymizeProfile(fitted));
    expect(await runCli('fit', burstgpt, '--preset', 'burstgpt', '--anonymize', '--out', join(dir, 'cli.json'), '--quiet')).toMatchObject({ code: 0 });
    expect(readFileSync(join(dir, 'lib.json'), 'utf8')).toBe(readFileSync(join(dir, 'cli.json'), 'utf8'));
  });

  it("time partitions by sliceTrace, summarized apart and merged, are the whole trace's summaries", async () => {
    const source = await ingest.ingestFiles({ inputs: [azure], mapping: ingest.loadPreset('azure-llm-2023') });
    const options = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 1e-6 };
    const parts = [ingest.sliceTrace(source.trace, -Infinity, 1800), ingest.sliceTrace(source.trace, 1800, 2400), ingest.sliceTrace(source.trace, 2400, Infinity)];
    expect(parts.map((p) => p.n).reduce((a, b) => a + b)).toBe(source.trace.n);
    expect(parts.every((p) => p.n > 100)).toBe(true);
    expectEqualSummaries(summary.buildSummaries(source.trace, options), summary.mergeAll(parts.map((p) => summary.buildSummaries(p, options))));
  });

  // Found by using the installed package from a program (h-81): what a caller is handed when
  // the input or an option is wrong, and what the declarations promise.
  it('an output that cannot be written is an error whose message names it (it said only "cannot write (it is a directory)")', async () => {
    const dir = tempDir();
    const p = profile.importServegenPool(fixture('servegen', 'multimodal', 'mm-image')).profile;
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'notes.txt'), 'x\n');
    expect(() => profile.writeProfile(join(dir, 'taken'), p)).toThrow(new RegExp(`^${join(dir, 'taken')}: cannot write \\(it is a directory\\)$`));
    const out = join(dir, 'notes.txt', 'r.jsonl');
    const options = generate.defaultGenerateOptions({ duration: 10 });
    await expect(generate.generateToFile(p, profile.profileSha256(p), options, { path: out })).rejects.toThrow(new RegExp(`^${out}: cannot write \\(a file is in the way of its directory\\)$`));
  });

  it('no inputs, or an input the DuckDB engine cannot open, is the IngestError documented', async () => {
    const mapping = ingest.loadPreset('azure-llm-2023');
    // It was a NoAcceptedRowsError reading ": no data rows (empty file or header only)".
    await expect(ingest.ingestFiles({ inputs: [], mapping })).rejects.toThrow(ingest.IngestError);
    await expect(ingest.ingestFiles({ inputs: [], mapping })).rejects.toThrow(/^no inputs: give at least one file/);
    await expect(ingest.collectRejects({ inputs: [], mapping })).rejects.toThrow(/^no inputs/);
    if (!summary.duckdbAvailable()) return;
    // It was io's InputError, which the library does not export.
    const missing = join(tempDir(), 'missing.csv');
    const scan = summary.summarizeWithDuckDB([missing], mapping, { arrivalSeconds: 600, lengthSeconds: 21600 });
    await expect(scan).rejects.toThrow(ingest.IngestError);
    await expect(scan).rejects.toMatchObject({ file: missing, message: `${missing}: no such file` });
    await expect(summary.inputsMeta([], mapping)).rejects.toThrow(ingest.IngestError);
  });

  it('anonymizeProfile refuses a dpEpsilon that is no noise scale (0 and NaN added none and recorded dp_epsilon 0 or null; −1 recorded −1)', () => {
    const p = profile.importServegenPool(fixture('servegen', 'multimodal', 'mm-image')).profile;
    for (const dpEpsilon of [0, -1, Number.NaN, Infinity, 1e-320]) expect(() => profile.anonymizeProfile(p, { dpEpsilon, seed: 1 })).toThrow(/^dpEpsilon: a finite number > 0/);
    expect(profile.anonymizeProfile(p, { dpEpsilon: 1, seed: 1 }).provenance.options).toMatchObject({ anonymized: { dp_epsilon: 1 } });
  });

  it('outputs named for a compression they are not written with are refused (plain text went under a .gz or .zst name)', async () => {
    const dir = tempDir();
    const p = profile.importServegenPool(fixture('servegen', 'multimodal', 'mm-image')).profile;
    const generated = generate.generateTrace(p, profile.profileSha256(p), generate.defaultGenerateOptions({ duration: 10 }));
    for (const name of ['t.jsonl.gz', 't.csv.GZ', 't.jsonl.zst']) {
      const path = join(dir, name);
      await expect(ingest.writeTrace(generated.trace, path, 'jsonl')).rejects.toThrow(ingest.IngestError);
      await expect(ingest.writeTrace(generated.trace, path, 'jsonl')).rejects.toThrow(`${path}: would be written uncompressed`);
      await expect(generate.generateToFile(p, profile.profileSha256(p), generate.defaultGenerateOptions({ duration: 10 }), { path, format: 'jsonl' })).rejects.toThrow(generate.GenerateError);
      // Without a format it said "cannot tell the format from the name; give out.format", which then refused it all the same.
      await expect(generate.generateToFile(p, profile.profileSha256(p), generate.defaultGenerateOptions({ duration: 10 }), { path })).rejects.toThrow(`${path}: would be written uncompressed`);
    }
    expect(() => profile.writeProfile(join(dir, 'p.json.zst'), p)).toThrow(profile.ProfileError);
    profile.writeProfile(join(dir, 'p.json.gz'), p);
    expect(readFileSync(join(dir, 'p.json.gz')).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(readdirSync(dir)).toEqual(['p.json.gz']);
  });

  it('capacity refuses speeds and queues that are none (it answered 1 slot whatever the load)', () => {
    const t = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
    const lengths = t.map(() => 100);
    expect(validate.traceCapacity(t, lengths, lengths, { prefillTokensPerSecond: 1000, decodeTokensPerSecond: 50 }, [0.1]).slots).toEqual([6]);
    for (const bad of [0, -1000, Number.NaN, Infinity]) {
      expect(() => validate.traceCapacity(t, lengths, lengths, { prefillTokensPerSecond: bad, decodeTokensPerSecond: 50 }, [0.1])).toThrow(/^prefillTokensPerSecond: tokens per second, a finite number > 0/);
      expect(() => validate.serviceSeconds(1, 1, { prefillTokensPerSecond: 1000, decodeTokensPerSecond: bad })).toThrow(/^decodeTokensPerSecond: /);
    }
    expect(() => validate.slotsNeeded([0, 1, 2], [1, 1], 0.5)).toThrow(/^service has 2 entries for 3 arrivals$/);
    expect(() => validate.slotsNeeded([0, 1, 2], [1, Number.NaN, 1], 0.5)).toThrow(/^service\[1\]: seconds, a finite number ≥ 0, got NaN$/);
    expect(() => validate.slotsNeeded([0, 0.1, 0.2], [-5, 1, 1], 0)).toThrow(/^service\[0\]/);
    expect(() => validate.slotsNeeded([0, Number.NaN, 2], [1, 1, 1], 0)).toThrow(/^arrivals\[1\]: a finite time/);
  });

  it("generators' declarations say what they return when done (Generator<T> left it `any`)", () => {
    const p = profile.importServegenPool(fixture('servegen', 'multimodal', 'mm-image')).profile;
    const plan = generate.planGeneration(p, generate.defaultGenerateOptions({ duration: 10 }));
    // Type-checked by `npm run typecheck` (tsc over test/).
    expectTypeOf(generate.planRequests(plan)).toEqualTypeOf<Generator<generate.GeneratedRequest, void, undefined>>();
    expectTypeOf(generate.batchRequests).returns.toEqualTypeOf<Generator<generate.GeneratedRequest, void, undefined>>();
    expectTypeOf(profile.profileChunks).returns.toEqualTypeOf<Generator<string, void, undefined>>();
    expectTypeOf(summary.summariesJsonChunks).returns.toEqualTypeOf<Generator<string, void, undefined>>();
    expectTypeOf(ingest.traceBatches).returns.toEqualTypeOf<Generator<ReturnType<typeof ingest.traceBatches> extends Generator<infer B> ? B : never, void, undefined>>();
    expect([...generate.planRequests(plan)].length).toBeGreaterThan(0);
  });
});
