/**
 * Audit (h-96): a profile, summaries, `inspect --json` and validate's metrics are functions of
 * the multiset of a log's rows, not of how its files order the rows of one time, how the rows are
 * split into files, or the order the files are given. Logs with coarse clocks (many rows per
 * time), several clients, sessions, block ids and lengths; each time's rows shuffled (seed 96),
 * dealt over three files (CSV and JSON lines for our own format) given last first; compared
 * with the log as one file in its order, with either engine.
 */
import { gunzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { createRng } from '../../src/stats/rng.js';

/** A log: its rows (a header line apart for CSV), each row's time (the key of its tie), and how it is read. */
interface Log {
  name: string;
  header?: string;
  rows: string[];
  time: (row: string) => string;
  ext: 'csv' | 'jsonl';
  args: string[];
}

const jsonTime = (r: string) => String((JSON.parse(r) as { timestamp: number }).timestamp);

/** Mooncake's conversation trace, its first 600 rows (one client, block ids, times in 3 s steps: up to 28 rows at one time). */
const mooncake: Log = {
  name: 'mooncake',
  rows: gunzipSync(readFileSync(fixture('traces', 'mooncake', 'conversation_trace.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean).slice(0, 600),
  time: jsonTime,
  ext: 'jsonl',
  args: ['--preset', 'mooncake'],
};

/** A CSV fixture's rows (`rows` of its data lines, each changed by `edit`), its first column the time. */
function csvLog(name: string, file: string[], preset: string, rows: [number, number], edit: (line: string) => string): Log {
  const lines = readFileSync(fixture('traces', ...file), 'utf8').trim().split('\n');
  return { name, header: lines[0], rows: lines.slice(1 + rows[0], 1 + rows[1]).map(edit), time: (r) => r.split(',')[0], ext: 'csv', args: ['--preset', preset] };
}

/** BurstGPT's slice (1 s clock, clients by model and log type, sessions), its times cut to whole minutes so that many rows share one. */
const burstgpt = csvLog('burstgpt', ['burstgpt', 'burstgpt3_slice.csv'], 'burstgpt', [0, 400], (l) => l.replace(/^(\d+)\.0,/, (_, t: string) => `${60 * Math.floor(Number(t) / 60)}.0,`));

/** Azure's conversation trace, its first 800 rows with times rounded down to the second. */
const azure = csvLog('azure (whole seconds)', ['azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'], 'azure-llm-2023', [0, 800], (l) => l.replace(/\.\d+,/, ','));

/**
 * Our own format (seed 96): 3 clients on a 1 s clock, 700 rows, sessions of 1–4 turns, block ids
 * that share prefixes within and across sessions, inputs and outputs from few values (ties in
 * lengths too).
 */
function own(): Log {
  const rng = createRng(96);
  const pick = (k: number) => Math.floor(k * rng.next());
  const rows: string[] = [];
  for (let s = 0; s < 250 && rows.length < 700; s++) {
    const client = ['a', 'b', 'c'][pick(3)];
    let t = pick(120);
    const base = [pick(6), 10 + pick(4)];
    const turns = 1 + pick(4);
    for (let k = 0; k < turns; k++) {
      const ids = [...base, ...Array.from({ length: k + pick(3) }, () => 100 + pick(40))];
      rows.push(JSON.stringify({ timestamp: t, client_id: client, session_id: `${client}-${s}`, input_tokens: 16 * ids.length + pick(3), output_tokens: [5, 10, 10, 50][pick(4)], hash_ids: ids }));
      if (rng.next() < 0.6) t += 1 + pick(3);
    }
  }
  return { name: 'own format (3 clients, sessions, ids)', rows, time: jsonTime, ext: 'jsonl', args: ['--preset', 'servegen'] };
}

/** Our own JSON lines row as a CSV row (CSV_COLUMNS). */
const CSV_COLUMNS = ['timestamp', 'client_id', 'session_id', 'input_tokens', 'output_tokens', 'hash_ids'];
const toCsv = (row: string) => {
  const r = JSON.parse(row) as Record<string, unknown>;
  return CSV_COLUMNS.map((c) => (c === 'hash_ids' ? `"${JSON.stringify(r[c])}"` : String(r[c]))).join(',');
};

/** The rows with each time's rows shuffled (seed 96), times in their first order. */
function shuffledWithinTimes(log: Log): string[] {
  const rng = createRng(96);
  const by = new Map<string, string[]>();
  for (const r of log.rows) by.set(log.time(r), [...(by.get(log.time(r)) ?? []), r]);
  return [...by.values()].flatMap((g) => {
    for (let i = g.length - 1; i > 0; i--) {
      const j = Math.floor((i + 1) * rng.next());
      [g[i], g[j]] = [g[j], g[i]];
    }
    return g;
  });
}

/** Files of a log in a fresh directory: `whole`, one file in order; `split`, each time's rows shuffled and dealt over 3 files, given last first; `mixed`, those with the own format's second as CSV. */
function files(log: Log): { whole: string[]; split: string[]; mixed: string[] } {
  const dir = tempDir();
  const write = (name: string, rows: string[], ext: string, header = log.header) => {
    const path = `${dir}/${name}.${ext}`;
    writeFileSync(path, (header !== undefined ? [header, ...rows] : rows).join('\n') + '\n');
    return path;
  };
  const whole = [write('whole', log.rows, log.ext)];
  const rows = shuffledWithinTimes(log);
  const parts = [0, 1, 2].map((k) => rows.filter((_, i) => i % 3 === k));
  const split = parts.map((p, k) => write(`part${k}`, p, log.ext));
  // (the DuckDB engine reads files of one format: a CSV among them for the TypeScript engine only)
  const mixed = log.args[1] === 'servegen' ? split.map((f, k) => (k === 1 ? write(`part${k}`, parts[k].map(toCsv), 'csv', CSV_COLUMNS.join(',')) : f)) : split;
  return { whole, split: split.reverse(), mixed: mixed.reverse() };
}

/** The JSON `fit` (a profile) or `summarize` (window summaries) writes, without its provenance (what names the inputs: hashes, options' inputs, created). */
async function written(command: 'fit' | 'summarize', inputs: string[], log: Log, engine: string): Promise<unknown> {
  const out = `${tempDir()}/out.json`;
  const r = await runCli(command, ...inputs, ...log.args, '--engine', engine, '--out', out, '--quiet');
  expect(r.code, r.stderr).toBe(0);
  const j = JSON.parse(readFileSync(out, 'utf8')) as { provenance?: unknown };
  delete j.provenance;
  return j;
}

async function inspect(inputs: string[], log: Log, engine: string): Promise<unknown> {
  const r = await runCli('inspect', ...inputs, ...log.args, '--engine', engine, '--json', '--quiet');
  expect(r.code, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout) as { ingest: Record<string, unknown> };
  // (what names the inputs, and whether they came in time order: the files' own, by design)
  for (const k of ['files', 'detected', 'sorted']) delete j.ingest[k];
  return j;
}

/** The normalized trace `ingest` writes (JSON lines), without its header (which names the inputs). */
async function ingested(inputs: string[], log: Log): Promise<string[]> {
  const out = `${tempDir()}/t.jsonl`;
  const r = await runCli('ingest', ...inputs, ...log.args, '--out', out, '--quiet');
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(out, 'utf8').split('\n').slice(1);
}

describe('row order and file split change no output', () => {
  for (const log of [mooncake, burstgpt, azure, own()]) {
    it(`${log.name}: the trace ingest writes`, async () => {
      const { whole, mixed } = files(log);
      expect(await ingested(mixed, log)).toEqual(await ingested(whole, log));
    });

    it(`${log.name}: fit, summarize and inspect --json (both engines)`, async () => {
      const { whole, split, mixed } = files(log);
      const ties = log.rows.length - new Set(log.rows.map(log.time)).size;
      expect(ties).toBeGreaterThan(log.rows.length / 5);
      for (const engine of ['ts', 'duckdb']) {
        for (const command of ['fit', 'summarize'] as const) expect(await written(command, engine === 'ts' ? mixed : split, log, engine), `${command} --engine ${engine}`).toEqual(await written(command, whole, log, engine));
        expect(await inspect(engine === 'ts' ? mixed : split, log, engine), engine).toEqual(await inspect(whole, log, engine));
      }
    });
  }

  it('the trace ingest writes: rows of one time alike but for their texts (session, model, request id) by those texts', async () => {
    const rows = ['s2', 's1', 's3'].map((sess, k) => JSON.stringify({ timestamp: 5, client_id: 'a', session_id: sess, model: `m${k % 2}`, request_id: `r${k}`, input_tokens: 10, output_tokens: 2 }));
    const log: Log = { name: 'texts', rows, time: jsonTime, ext: 'jsonl', args: ['--preset', 'servegen'] };
    const dir = tempDir();
    writeFileSync(`${dir}/a.jsonl`, rows.join('\n') + '\n');
    writeFileSync(`${dir}/b.jsonl`, [...rows].reverse().join('\n') + '\n');
    const a = await ingested([`${dir}/a.jsonl`], log);
    expect(a.map((l) => l && (JSON.parse(l) as { model: string; session_id: string }).model)).toEqual(['m0', 'm0', 'm1', '']);
    expect(await ingested([`${dir}/b.jsonl`], log)).toEqual(a);
  });

  for (const [log, engine] of [[own(), 'ts'], [mooncake, 'ts'], [mooncake, 'duckdb']] as const) {
    it(`validate --engine ${engine}: the log against its rows shuffled within each time is the log against itself (${log.name})`, async () => {
      const { whole } = files(log);
      const dir = tempDir();
      const shuffled = `${dir}/shuffled.${log.ext}`;
      writeFileSync(shuffled, shuffledWithinTimes(log).join('\n') + '\n');
      const report = async (source: string, generated: string) => {
        const r = await runCli('validate', source, generated, '--source-preset', log.args[1], '--generated-preset', log.args[1], '--engine', engine, '--json', `${dir}/v.json`, '--quiet');
        expect(r.stderr).toBe('');
        const j = JSON.parse(readFileSync(`${dir}/v.json`, 'utf8')) as Record<string, Record<string, unknown>>;
        // (the sides' file names)
        delete j.source.file;
        delete j.generated.file;
        return j;
      };
      const self = await report(whole[0], whole[0]);
      expect(await report(whole[0], shuffled)).toEqual(self);
      expect(await report(shuffled, whole[0])).toEqual(self);
    });
  }
});
