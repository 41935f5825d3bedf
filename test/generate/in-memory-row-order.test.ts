/**
 * generateTrace holds the trace ingestFiles reads back from generateToFile's file (README: Using
 * the library), rows of one time included: ingest puts those in a content order (README: Row
 * order), and a batch client sends several requests at one instant. In generation order, 2 166 of
 * 5 872 rows of an hour of a client sending 1, 5 or 20 requests at once were in another place
 * than read back, and the file ingest.writeTrace wrote of the trace held other bytes (found by
 * review, h-98).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { defaultFitOptions } from '../../src/fit/defaults.js';
import type { GenerateOptions } from '../../src/generate/compose.js';
import { generateTrace } from '../../src/generate/in-memory.js';
import { generateToFile } from '../../src/generate/write-trace.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import type { Trace } from '../../src/ingest/trace.js';
import { writeTrace } from '../../src/ingest/write-trace.js';
import type { Profile } from '../../src/profile/schema.js';
import { createRng } from '../../src/stats/rng.js';
import { validateTraces } from '../../src/validate/validate.js';
import { batchSizeAt, traceOf } from '../fit/helpers.js';
import { fixture, tempDir } from '../helpers.js';

const options = (duration: number, seed = 3): GenerateOptions => ({ start: 0, duration, rate: { kind: 'scale', factor: 1 }, seed });

/** A batch client (0: 1, 5 or 20 requests at an instant, 0.05 instants/s) beside a Poisson one at 1 req/s (1), each request with its own lengths. */
function batchProfile(): Profile {
  const rng = createRng(7);
  const times: number[] = [];
  const clients: number[] = [];
  const input: number[] = [];
  const output: number[] = [];
  const push = (t: number, c: number) => {
    times.push(Math.round(t * 1000) / 1000);
    clients.push(c);
    input.push(1 + Math.floor(rng.next() * 3000));
    output.push(1 + Math.floor(rng.next() * 500));
  };
  let t = 0;
  for (let i = 0; i < 1000; i++) {
    t += -Math.log(1 - rng.next()) / 0.05;
    const size = batchSizeAt(rng.next());
    for (let k = 0; k < size; k++) push(t, 0);
  }
  for (let c = -Math.log(1 - rng.next()); c < t; c += -Math.log(1 - rng.next())) push(c, 1);
  const trace = traceOf(times, clients, ['batch', 'chat'], { input_tokens: Int32Array.from(input), output_tokens: Int32Array.from(output) });
  return fitTrace(trace, { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' }).profile;
}

/** A trace's rows by client name (the two traces number clients in their own orders). */
const rowsOf = (t: Trace) => ({
  n: t.n,
  timestamp: [...t.timestamp],
  client: Array.from(t.client, (c) => t.clientIds[c]),
  ints: Object.fromEntries(Object.entries(t.ints).map(([f, col]) => [f, [...col!]])),
  sessions: t.texts.session_id && Array.from(t.texts.session_id.index, (k) => (k < 0 ? null : t.texts.session_id!.values[k])),
  hashIds: t.hashIds && { offsets: [...t.hashIds.offsets], ids: [...t.hashIds.ids] },
});

/** The file generateToFile writes, read back; and the trace in memory. */
async function bothWays(profile: Profile, o: GenerateOptions) {
  const dir = tempDir();
  const file = join(dir, 'g.jsonl');
  await generateToFile(profile, 'x', o, { path: file });
  const read = await ingestFiles({ inputs: [file], mapping: loadPreset('servegen') });
  const memory = generateTrace(profile, 'x', o);
  return { dir, read, memory };
}

/** Rows sharing their time with the row before. */
const tied = (t: Trace) => t.timestamp.reduce((k, x, i) => k + (i > 0 && x === t.timestamp[i - 1] ? 1 : 0), 0);

describe('generateTrace of a batch client: the rows the file read back holds', () => {
  const profile = batchProfile();

  it('in the order ingest reads them, and written by ingest.writeTrace to the same bytes', async () => {
    expect(profile.clients.find((c) => c.id === 'batch')!.batches?.sizes).toBeDefined();
    const { dir, read, memory } = await bothWays(profile, options(3600));
    // Many rows share an instant, and their lengths tell them apart.
    expect(tied(read.trace)).toBeGreaterThan(1000);
    expect(rowsOf(memory.trace)).toEqual(rowsOf(read.trace));
    // The trace written again, from memory and from the file: one file.
    await writeTrace(memory.trace, join(dir, 'm.jsonl'), 'jsonl');
    await writeTrace(read.trace, join(dir, 'r.jsonl'), 'jsonl');
    expect(readFileSync(join(dir, 'm.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'r.jsonl'), 'utf8'));
    // Validate's metrics took either order already (they read rows alike at one time alike).
    expect(validateTraces(read, memory).report.metrics).toEqual(validateTraces(read, read).report.metrics);
  });
});

describe('generateTrace of a batch client with block ids', () => {
  // Mooncake's synthetic trace fitted (a prefix section), its client made to send 4 requests at
  // each instant: the ids are numbered by first use in the rows' order, which ingest sets.
  let profile: Profile;
  beforeAll(async () => {
    const s = (await ingestFiles({ inputs: [fixture('traces', 'mooncake', 'synthetic_trace.jsonl.gz')], mapping: loadPreset('mooncake') })).trace;
    const fitted = fitTrace(s, defaultFitOptions()).profile;
    profile = { ...fitted, clients: fitted.clients.map((c) => ({ ...c, batches: { sizes: { values: [4], counts: [1] } } })) };
  });

  it('numbers them as the file read back does', async () => {
    expect(profile.clients[0].prefix).toBeDefined();
    const { read, memory } = await bothWays(profile, options(600, 5));
    expect(tied(read.trace)).toBeGreaterThan(100);
    expect(read.trace.hashIds!.ids.length).toBeGreaterThan(1000);
    expect(rowsOf(memory.trace)).toEqual(rowsOf(read.trace));
  });
});
