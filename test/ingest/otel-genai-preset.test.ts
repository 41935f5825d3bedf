/**
 * OpenTelemetry GenAI spans in OTLP JSON (the Collector's file exporter) and the otel-genai
 * preset. fixtures/otel/genai-traces.json is synthetic (its README): 12 spans and lines in the
 * shapes the GenAI semantic conventions v1.37 and older instrumentations write.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ingestFiles, resolveFormat } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { loadPreset, presetsFitting } from '../../src/ingest/presets.js';
import { headColumns } from '../../src/io/head-columns.js';
import { inputFormatOf } from '../../src/io/input.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { DuckDbReadError } from '../../src/summary/duckdb-errors.js';
import { duckdbUnlessUnreadable } from '../../src/cli/summarize.js';
import { Reporter } from '../../src/cli/progress.js';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

const SPANS = fixture('otel', 'genai-traces.json');
const preset = () => loadPreset('otel-genai');

describe('OTLP JSON input and the otel-genai preset', () => {
  it('reads each model-call span as a request; agent, tool, embeddings and HTTP spans are excluded and counted; bad spans rejected naming line and span', async () => {
    const r = await ingestFiles({ inputs: [SPANS], mapping: preset() });
    // 12 = 5 accepted + 4 excluded (invoke_agent, execute_tool, embeddings, an HTTP server span) + 3 rejected.
    expect(r.summary.rows_read).toBe(12);
    expect(r.summary.rows_accepted).toBe(5);
    expect(r.summary.rejects_by_reason).toEqual({ unparseable_line: 1, excluded: 4, missing_timestamp: 1, bad_number: 1 });
    expect(r.summary.detected.formats[SPANS]).toBe('otlp-json');
    expect(r.trace.origin).toBe('2025-12-07T00:00:00.000Z');
    expect(Array.from(r.trace.timestamp)).toEqual([0.25, 2, 4, 5, 10]);
    const text = (f: 'model' | 'session_id' | 'request_id') => Array.from(r.trace.texts[f]!.index, (k) => (k < 0 ? null : r.trace.texts[f]!.values[k]));
    expect(Array.from(r.trace.client, (c) => r.trace.clientIds[c])).toEqual(['support-bot', 'search-indexer', 'support-bot', 'legacy-app', 'support-bot']);
    // The response model where there is one (what served the call), else the requested one.
    expect(text('model')).toEqual(['gpt-4o-2024-08-06', 'gpt-3.5-turbo-instruct', 'gpt-4o-2024-08-06', 'gpt-3.5-turbo-0125', 'gemini-2.0-flash']);
    expect(text('session_id')).toEqual(['conv-7f3a', null, 'conv-7f3a', null, 'conv-91b2']);
    expect(text('request_id')).toEqual(['eee19b7ec3c1b174', 'b7ad6b7169203332', 'eee19b7ec3c1b176', 'c7ad6b7169203331', 'd7ad6b7169203333']);
    // The agent span's usage (300/80: its two chats' sum) is not counted again; the legacy
    // span's gen_ai.usage.prompt_tokens/completion_tokens are read; an intValue written as a JSON number too.
    expect(Array.from(r.trace.ints.input_tokens!)).toEqual([120, 64, 180, 42, 2048]);
    expect(Array.from(r.trace.ints.output_tokens!)).toEqual([30, 16, 50, 7, 256]);
    // gen_ai.usage.reasoning.output_tokens, part of the output as in our traces (-1: absent).
    expect(Array.from(r.trace.ints.reasoning_tokens!)).toEqual([-1, -1, 20, -1, -1]);
    expect(r.rejects.map((j) => [j.line, j.span, j.reason, j.field])).toEqual([
      [3, undefined, 'unparseable_line', undefined],
      [4, 1, 'missing_timestamp', 'timestamp'],
      [4, 2, 'bad_number', 'input_tokens'],
    ]);
    expect(r.rejects[2].message).toBe('input_tokens: not a number: "12x" (span 2 of the line: resourceSpans[0].scopeSpans[0].spans[1])');
    expect(JSON.parse(r.rejects[2].text)).toMatchObject({ spanId: 'd7ad6b7169203332' });
  });

  it('is detected by content under any name (and gzipped), and by --format; a JSON-lines log stays JSON lines', () => {
    const dir = tempDir();
    const odd = join(dir, 'traces.out');
    writeFileSync(odd, readFileSync(SPANS));
    const gz = join(dir, 'traces.jsonl.gz');
    writeFileSync(gz, gzipSync(readFileSync(SPANS)));
    const plain = join(dir, 'log.jsonl');
    writeFileSync(plain, '{"t": 1, "resourceSpans": 2}\n');
    expect(inputFormatOf(SPANS, undefined, undefined)).toBe('otlp-json');
    expect(inputFormatOf(odd, undefined, undefined)).toBe('otlp-json');
    expect(inputFormatOf(gz, undefined, undefined)).toBe('otlp-json');
    expect(inputFormatOf(plain, undefined, undefined)).toBe('jsonl');
    expect(inputFormatOf(plain, 'otlp-json', undefined)).toBe('otlp-json');
    expect(inputFormatOf(SPANS, 'jsonl', undefined)).toBe('jsonl');
    // A .jsonl read with the preset is read as OTLP JSON: its lines are then rejected as no export.
    expect(resolveFormat(plain, undefined, preset())).toBe('otlp-json');
  });

  it('reads a JSON-lines file given to the preset as lines that are no export, each one reject', async () => {
    const plain = join(tempDir(), 'log.jsonl');
    writeFileSync(plain, '{"t": 1}\n{"t": 2}\n');
    const r = await ingestFiles({ inputs: [plain], mapping: preset() });
    expect(r.summary.rejects_by_reason).toEqual({ unparseable_line: 2 });
    expect(r.rejects[0].message).toMatch(/^not an OTLP JSON trace export/);
  });

  it('addresses span fields, resource and scope attributes, and attributes nested in a kvlist; "0" times are unset', async () => {
    const file = join(tempDir(), 'spans.json');
    const kv = (key: string, value: unknown) => ({ key, value });
    const span = (start: string, extra: object[] = []) => ({ traceId: 'aa', spanId: start, name: 'chat m', kind: 3, startTimeUnixNano: start, attributes: [kv('gen_ai.usage.input_tokens', { intValue: '7' }), kv('app', { kvlistValue: { values: [kv('tenant', { stringValue: 'acme' })] } }), ...extra], status: { code: 2, message: 'boom' } });
    const line = { resourceSpans: [{ resource: { attributes: [kv('service.name', { stringValue: 'svc' })] }, scopeSpans: [{ scope: { name: 'lib', version: '1.0', attributes: [kv('team', { stringValue: 'infra' })] }, spans: [span('1765065600000000000'), span('0'), 'not a span'] }] }, 5] };
    writeFileSync(file, JSON.stringify(line) + '\n{"resourceSpans": "x"}\n');
    const mapping = parseMapping({ columns: { timestamp: 'startTimeUnixNano', client_id: 'attributes.app.tenant', model: ['resource.attributes.service.name', 'scope.name', 'scope.version', 'scope.attributes.team', 'status.message', 'kind'], input_tokens: 'attributes.gen_ai.usage.input_tokens' }, separator: '/', timestamp: { unit: 'ns' } });
    const r = await ingestFiles({ inputs: [file], mapping });
    expect(r.trace.n).toBe(1);
    expect(r.trace.clientIds).toEqual(['acme']);
    expect(r.trace.texts.model!.values).toEqual(['svc/lib/1.0/infra/boom/3']);
    expect(r.rejects.map((j) => [j.line, j.span, j.reason, j.message])).toEqual([
      [1, 2, 'missing_timestamp', 'timestamp is empty or missing (span 2 of the line: resourceSpans[0].scopeSpans[0].spans[1])'],
      [1, 3, 'unparseable_line', 'a span that is not a JSON object (span 3 of the line: resourceSpans[0].scopeSpans[0].spans[2])'],
      [1, 4, 'unparseable_line', 'resourceSpans[1]: not a ResourceSpans object with a "scopeSpans" array (span 4 of the line: resourceSpans[1])'],
      [2, undefined, 'unparseable_line', 'not an OTLP JSON trace export (a line must be an object with a "resourceSpans" array, as the Collector\'s file exporter writes)'],
    ]);
    expect(r.summary.rows_read).toBe(r.summary.rows_accepted + r.summary.rows_rejected);
  });

  it('an export pretty-printed over several lines is refused once, with the conversion (not a reject per line)', async () => {
    const file = join(tempDir(), 'payload.json');
    writeFileSync(file, JSON.stringify(JSON.parse(readFileSync(SPANS, 'utf8').split('\n')[0]), null, 2) + '\n');
    expect(inputFormatOf(file, undefined, undefined)).toBe('otlp-json');
    await expect(ingestFiles({ inputs: [file], mapping: preset() })).rejects.toThrow(`${file}:1: OTLP JSON pretty-printed over several lines; the reader takes one export per line, as the Collector's file exporter writes: jq -c . ${file} > lines.json`);
  });

  it('warns when a kept model-call span is inside another (a framework\'s chat span around its client library\'s): the usage counts twice', async () => {
    const file = join(tempDir(), 'nested.json');
    const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const chat = (id: string, parent: string | undefined, start: number, scope: string) => ({
      scope: { name: scope },
      spans: [{ traceId: 'ab'.repeat(16), spanId: id, ...(parent ? { parentSpanId: parent } : {}), name: 'chat gpt-4o', kind: 3, startTimeUnixNano: String(1765065600000000000n + BigInt(start) * 1000000000n), attributes: [kv('gen_ai.operation.name', 'chat'), { key: 'gen_ai.usage.input_tokens', value: { intValue: '10' } }, { key: 'gen_ai.usage.output_tokens', value: { intValue: '2' } }] }],
    });
    const line = (...scopeSpans: object[]) => JSON.stringify({ resourceSpans: [{ resource: { attributes: [kv('service.name', 'app')] }, scopeSpans }] });
    // Line 1: the client library's span (ends first, exported first), then the framework's around it.
    // Line 2: another pair, the framework's first. Line 3: two chats under one excluded agent span: no warning.
    const agent = { scope: { name: 'agents' }, spans: [{ traceId: 'cd'.repeat(16), spanId: 'a0', name: 'invoke_agent', kind: 1, startTimeUnixNano: '1765065700000000000', attributes: [kv('gen_ai.operation.name', 'invoke_agent')] }] };
    writeFileSync(file, [line(chat('c1', 'f1', 1, 'openai'), chat('f1', undefined, 0, 'langchain')), line(chat('f2', undefined, 5, 'langchain')), line(chat('c2', 'f2', 6, 'openai')), line(chat('c3', 'a0', 7, 'openai'), chat('c4', 'a0', 8, 'openai'), agent)].join('\n') + '\n');
    const r = await ingestFiles({ inputs: [file], mapping: preset() });
    expect(r.trace.n).toBe(6);
    expect(r.summary.warnings).toEqual([`${file}: 2 accepted spans are the parent or child of another accepted span (the first: line 1, span 2 (resourceSpans[0].scopeSpans[1].spans[0], span id f1)): both carry the call's usage, so its tokens count twice; keep one of the two with the mapping's filter (by scope.name, say: README, Presets)`]);
    // Kept apart by scope, as the warning says: no warning.
    const one = parseMapping({ ...JSON.parse(readFileSync(fixture('..', 'presets', 'otel-genai.json'), 'utf8')), columns: { ...preset().columns, filter: 'scope.name' }, keep: ['openai'] });
    const k = await ingestFiles({ inputs: [file], mapping: one });
    expect(k.trace.n).toBe(4);
    expect(k.summary.warnings).toBeUndefined();
  });

  it('a misspelt span field stops ingest naming the first span\'s names', async () => {
    const mapping = parseMapping({ columns: { timestamp: 'startTimeUnixNanos', input_tokens: 'attributes.gen_ai.usage.input_tokens' }, timestamp: { unit: 'ns' } });
    await expect(ingestFiles({ inputs: [SPANS], mapping })).rejects.toThrow(/mapping names column "startTimeUnixNanos" not in any span \(names of the first span: "traceId", .*did you mean "startTimeUnixNano"/);
  });

  it('names the preset for such a file given without one, and lists it', async () => {
    expect(presetsFitting(headColumns(SPANS)!)).toEqual(['otel-genai']);
    const r = await runCli('inspect', SPANS);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fit the preset otel-genai/);
    expect((await runCli('ingest', '--list-presets')).stdout).toMatch(/^otel-genai +OpenTelemetry traces in OTLP JSON/m);
  });

  it('round trip: ingest, fit, inspect and validate take it as any log', async () => {
    const dir = tempDir();
    const trace = join(dir, 'trace.jsonl');
    const profile = join(dir, 'profile.json');
    const ing = await runCli('ingest', SPANS, '--preset', 'otel-genai', '--max-reject-ratio', '0.5', '--out', trace, '--rejects', join(dir, 'rejects.jsonl'));
    expect(ing.code, ing.stderr).toBe(0);
    expect(ing.stderr).toContain('read 12 rows from 1 file(s): 5 accepted, 4 excluded by the mapping\'s filter, 3 rejected (unparseable_line 1, missing_timestamp 1, bad_number 1)');
    expect(readFileSync(join(dir, 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { span?: number }).span)).toEqual([undefined, 1, 2]);
    const fit = await runCli('fit', SPANS, '--preset', 'otel-genai', '--max-reject-ratio', '0.5', '--out', profile);
    expect(fit.code, fit.stderr).toBe(0);
    expect((JSON.parse(readFileSync(profile, 'utf8')) as { clients: { id: string; requests: number }[] }).clients.map((c) => [c.id, c.requests])).toEqual([
      ['support-bot', 3],
      ['legacy-app', 1],
      ['search-indexer', 1],
    ]);
    const ins = await runCli('inspect', SPANS, '--preset', 'otel-genai', '--max-reject-ratio', '0.5');
    expect(ins.code, ins.stderr).toBe(0);
    expect(ins.stdout).toMatch(/requests +5 \(mean/);
    expect(ins.stdout).toMatch(/top clients +support-bot 60\.0 %/);
    const val = await runCli('validate', SPANS, trace, '--source-preset', 'otel-genai', '--source-max-reject-ratio', '0.5');
    expect(val.code, val.stderr).toBe(0);
    // Above the ratio (3 of the 8 spans kept by the filter rejected) the first reject is named.
    const strict = await runCli('ingest', SPANS, '--preset', 'otel-genai', '--out', join(dir, 'x.jsonl'));
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(`37.50 % of rows rejected, above --max-reject-ratio 0.01; no trace written (use --rejects to see them); the first: ${SPANS}:3: invalid JSON`);
  });

  it('engine duckdb refuses it by name (exit 2); --engine auto reads it with the TypeScript engine', async () => {
    await expect(summarizeWithDuckDB([SPANS], preset(), { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 })).rejects.toThrow(new DuckDbReadError(`${SPANS}: OpenTelemetry traces (OTLP JSON), which engine duckdb does not read (each line holds many nested spans); --engine ts reads it, each span a row`, SPANS));
    const lines: string[] = [];
    const rep = new Reporter(true);
    rep.info = (t: string) => void lines.push(t);
    expect(await duckdbUnlessUnreadable('auto', rep, () => summarizeWithDuckDB([SPANS], preset(), { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 }).then(() => undefined))).toBe(false);
    expect(lines).toEqual([`${SPANS}: OpenTelemetry traces (OTLP JSON), which engine duckdb does not read (each line holds many nested spans): scanning with the TypeScript engine instead (--engine auto)`]);
    const cli = await runCli('summarize', SPANS, '--preset', 'otel-genai', '--max-reject-ratio', '0.5', '--engine', 'duckdb', '--out', join(tempDir(), 's.json'));
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('OpenTelemetry traces (OTLP JSON), which engine duckdb does not read');
  });
});
