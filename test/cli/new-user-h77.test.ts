import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { writeTrace } from '../../src/ingest/write-trace.js';
import { CONV, runCli } from './run-cli.js';

// Defects found by a new user's walkthrough of the README on the real traces (session h-77).

const CODE = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');

let dir: string;

beforeAll(() => {
  dir = tempDir();
});

describe('generate: the note for a --start before a profile span that does not start at 0', () => {
  it('a profile with an absolute origin (summaries made with an --origin at midnight) is not said to have relative times', async () => {
    const s = join(dir, 'midnight.json');
    expect((await runCli('summarize', CONV, '--preset', 'azure-llm-2023', '--origin', '2023-11-16T00:00:00Z', '--out', s, '--quiet')).code).toBe(0);
    const p = join(dir, 'midnight-profile.json');
    expect((await runCli('fit', '--summaries', s, '--out', p, '--quiet')).code).toBe(0);
    const prof = JSON.parse(readFileSync(p, 'utf8'));
    expect(prof.span.origin).toBe('2023-11-16T00:00:00.000Z');
    // The first request's whole second (18:15:46), inside the window from 18:10 (65 400 s).
    expect(prof.span.start).toBe(65746);
    const r = await runCli('generate', p, '--duration', '60', '--out', join(dir, 'midnight.jsonl'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("note: --start 0 is before the profile's span (65746 … ");
    expect(r.stderr).toContain('it starts 65746 s after its origin, 2023-11-16T00:00:00.000Z');
    expect(r.stderr).not.toContain('relative');
  });

  it('windows shorter than a second: the span start is printed without float noise (0.6, not 0.6000000000000001)', async () => {
    const p = join(dir, 'short-windows.json');
    expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--window', '0.1', '--out', p, '--quiet')).code).toBe(0);
    const r = await runCli('generate', p, '--duration', '10', '--out', join(dir, 'short.jsonl'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("note: --start 0 is before the profile's span (0.6 … ");
    expect(r.stderr).toContain('--start 0.6 starts at its beginning');
    expect(r.stderr).not.toMatch(/0\.60000000/);
    expect(r.stderr).not.toContain('relative');
  });
});

describe('README: the short-window warning', () => {
  it('does not promise a warning for Azure conv at --window 0.1, which fit draws at rate levels (test/cli/short-windows.test.ts)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(readme).not.toContain('with `--window 0.1`: 87 %');
    expect(readme).toContain('Azure conv at 5.5 req/s with `--window 0.1`: a `levels:` note, no warning');
  });
});

describe("inspect: --json is a switch, where validate's and capacity's take a file", () => {
  it('the word after --json read as a second input said "no such file", "a pipe" or "one profile at a time"; it now says how to write the JSON', async () => {
    const p = join(dir, 'conv-profile.json');
    expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', p, '--quiet')).code).toBe(0);
    const missing = await runCli('inspect', p, '--json', join(dir, 'out.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--json ${join(dir, 'out.json')}: inspect's --json takes no file: it prints the JSON on standard output (servegen inspect ${p} --json > ${join(dir, 'out.json')})`);
    expect(missing.stderr).not.toContain('one profile at a time');
    const raw = await runCli('inspect', CONV, '--preset', 'azure-llm-2023', '--json', join(dir, 'trace.json'));
    expect(raw.code).toBe(2);
    expect(raw.stderr).toContain("inspect's --json takes no file");
    expect(raw.stderr).not.toContain('no such file');
    for (const stream of ['/dev/stdout', '-']) {
      const r = await runCli('inspect', p, '--json', stream);
      expect(r.code, stream).toBe(2);
      expect(r.stderr, stream).toContain(`--json ${stream}: inspect's --json takes no file: it prints the JSON on standard output (servegen inspect ${p} --json)`);
    }
    // The switch before the file, and after it, still print the JSON.
    for (const args of [['--json', p], [p, '--json']]) {
      const r = await runCli('inspect', ...args);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).clients).toBe(1);
    }
    // Two traces with --json between them are two inputs, as before.
    const t = join(dir, 'conv.jsonl');
    expect((await runCli('ingest', CONV, '--preset', 'azure-llm-2023', '--out', t, '--quiet')).code).toBe(0);
    const two = await runCli('inspect', t, '--json', t, '--quiet');
    expect(two.code, two.stderr).toBe(0);
    expect(JSON.parse(two.stdout).trace.requests).toBe(19366);
    // A missing input after the switch, not named as JSON, is the missing input it is.
    const typo = await runCli('inspect', '--json', join(dir, 'cnov.jsonl'));
    expect(typo.stderr).toBe(`servegen: ${join(dir, 'cnov.jsonl')}: no such file\n`);
    // A pattern after the switch is an input, matched as before.
    const pattern = await runCli('inspect', '--json', join(dir, 'conv.j*l'), '--quiet');
    expect(pattern.code, pattern.stderr).toBe(0);
    expect(JSON.parse(pattern.stdout).trace.requests).toBe(19366);
  }, 60_000);
});

describe('a servegen trace from a newer version is refused, as a profile from one is', () => {
  it('every format, either engine (a header with "version": 2 was fitted and validated as version 1 without a word)', async () => {
    const src = await ingestFiles({ inputs: [CONV], mapping: loadPreset('azure-llm-2023') });
    const files: string[] = [];
    for (const f of ['jsonl', 'csv', 'parquet'] as const) {
      const file = join(dir, `v2.${f}`);
      await writeTrace(src.trace, file, f, { version: 2 });
      files.push(file);
    }
    for (const file of files) {
      for (const engine of ['ts', 'duckdb']) {
        const r = await runCli('fit', file, '--engine', engine, '--out', join(dir, 'v2-profile.json'), '--quiet');
        expect(r.code, `${file} ${engine}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toBe(`servegen: ${file}: servegen trace version 2 is newer than this tool supports (1); upgrade servegen-ts\n`);
      }
    }
    const v = await runCli('validate', CONV, files[0], '--source-preset', 'azure-llm-2023', '--quiet');
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('servegen trace version 2 is newer than this tool supports (1)');
    // Version 1, as written today, is read.
    const ok = join(dir, 'v1.jsonl');
    await writeTrace(src.trace, ok, 'jsonl');
    expect(JSON.parse(readFileSync(ok, 'utf8').split('\n', 1)[0]).servegen.version).toBe(1);
    expect((await runCli('inspect', ok, '--quiet')).code).toBe(0);
  }, 120_000);
});

describe('fit: a log with millisecond timestamps keeps its windows\' gap histograms', () => {
  it('the Azure code log cut to the millisecond (16 % of gaps within a tick, mean gaps 0.3–1 s) roundtrips as the full-precision log does (it failed 8 of 41 metrics)', async () => {
    const lines = readFileSync(CODE, 'utf8').trim().split(/\r?\n/);
    // `2023-11-16 18:17:03.9799600` → `2023-11-16 18:17:03.979`: a gateway's millisecond clock.
    const ms = [lines[0], ...lines.slice(1).map((l) => l.replace(/^([^,]*\.\d{3})\d*/, '$1'))].join('\n') + '\n';
    expect(ms.split('\n')[1]).toBe('2023-11-16 18:17:03.979,4808,10');
    const log = join(dir, 'code-ms.csv');
    writeFileSync(log, ms);
    const out = join(dir, 'code-ms');
    const r = await runCli('roundtrip', log, '--preset', 'azure-llm-2023', '--out', out, '--quiet');
    const profile = JSON.parse(readFileSync(join(out, 'profile.json'), 'utf8'));
    expect(profile.provenance.options.clock_resolution_seconds).toBe(0.001);
    const windows = profile.clients[0].arrivals as { empirical?: unknown }[];
    expect(windows.filter((w) => w.empirical).length).toBe(windows.length);
    const report = JSON.parse(readFileSync(join(out, 'fidelity.json'), 'utf8'));
    expect(report.failed).toEqual([]);
    expect(r.code).toBe(0);
  }, 60_000);
});

describe('capacity: the one-side reading flags', () => {
  it('--preset (as fit and inspect take it) was "unknown option"; it names the per-side flags, as validate does', async () => {
    const r = await runCli('capacity', CONV, '--preset', 'azure-llm-2023');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('servegen: --preset: capacity takes it per side: --source-preset for the source (raw logs), --generated-preset for the generated traces\n');
    const v = await runCli('validate', CONV, CONV, '--map', 'm.json');
    expect(v.stderr).toBe('servegen: --map: validate takes it per side: --source-map for the source (raw logs), --generated-map for the generated trace\n');
    const ok = await runCli('capacity', CONV, '--source-preset', 'azure-llm-2023', '--quiet');
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('generate: a run longer than a profile of less than a day says it repeats the profile', () => {
  it('a day from the hour-long Azure conv profile was 24 copies of its hour without a word', async () => {
    const p = join(dir, 'conv-hour.json');
    expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', p, '--quiet')).code).toBe(0);
    const day = await runCli('generate', p, '--duration', '86400', '--rate', 'scale:0.01', '--out', join(dir, 'day.jsonl'));
    expect(day.code, day.stderr).toBe(0);
    expect(day.stderr).toContain('note: the profile spans 0.973 h, repeated every 1 h: the 24 h run draws it 24 times over, with no rise and fall of load the profile did not see');
    // Within one repeat (the README's `--duration 3600` of this profile): no note.
    const hour = await runCli('generate', p, '--duration', '3600', '--out', join(dir, 'hour.jsonl'));
    expect(hour.code).toBe(0);
    expect(hour.stderr).not.toContain('note:');
  }, 60_000);
});

describe('ingest --summary: the note that several files without a client column are one client', () => {
  it('is in the JSON\'s notes as on stderr (every other note was; this one only on stderr), either engine', async () => {
    for (const engine of ['ts', 'duckdb']) {
      const summary = join(dir, `two-files-${engine}.json`);
      const r = await runCli('ingest', CONV, CODE, '--preset', 'azure-llm-2023', '--engine', engine, '--out', join(dir, `two-${engine}.parquet`), '--summary', summary);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('note: the 2 input files have no client column');
      const notes = JSON.parse(readFileSync(summary, 'utf8')).notes as string[];
      expect(notes.filter((n) => n.startsWith('the 2 input files have no client column (the mapping maps no client_id)'))).toHaveLength(1);
    }
    const one = join(dir, 'one-file.json');
    expect((await runCli('ingest', CONV, '--preset', 'azure-llm-2023', '--out', join(dir, 'one.parquet'), '--summary', one, '--quiet')).code).toBe(0);
    expect(JSON.parse(readFileSync(one, 'utf8')).notes).toBeUndefined();
  }, 60_000);
});
