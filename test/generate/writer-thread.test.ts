import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Counts the writer threads started (still starting them).
const started = vi.hoisted(() => ({ names: [] as string[] }));
vi.mock('../../src/util/worker.js', async (original) => {
  const real = await original<typeof import('../../src/util/worker.js')>();
  return {
    ...real,
    startWorker: (url: string, name: string) => {
      started.names.push(name);
      return real.startWorker(url, name);
    },
  };
});

const { fitTrace } = await import('../../src/fit/fit-trace.js');
const { generateToFile, WRITER_THREAD_ABOVE } = await import('../../src/generate/write-trace.js');
const { setThreads } = await import('../../src/util/worker.js');
import type { GenerateOptions } from '../../src/generate/compose.js';
const { ingestFiles } = await import('../../src/ingest/ingest.js');
const { loadPreset } = await import('../../src/ingest/presets.js');
const { TRACE_FORMATS } = await import('../../src/io/trace-writer.js');
import { fixture, tempDir } from '../helpers.js';

/**
 * Large runs write on a writer thread (threadedTraceWriter); the file must be the one the
 * in-thread writer makes, byte for byte, in every format — with sessions (their ids travel as
 * numbers and are rebuilt on the thread) and gap memory — and errors must read the same.
 */
describe('generate: writer thread', () => {
  afterEach(() => setThreads(undefined));

  it('writes the same bytes as the in-thread writer in every format, sessions included', async () => {
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'burstgpt', 'burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
    const { profile } = fitTrace(trace, { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });
    expect(profile.clients.filter((c) => c.sessions).length).toBe(2);
    const dir = tempDir();
    // scale:40 over the span: ~16 000 requests in ~170 batches, several Parquet row groups of text columns.
    const opts: GenerateOptions = { start: 0, duration: profile.span.end - profile.span.start, rate: { kind: 'scale', factor: 40 }, seed: 5 };
    for (const format of TRACE_FORMATS) {
      const a = join(dir, `a.${format}`);
      const b = join(dir, `b.${format}`);
      started.names.length = 0;
      const on = await generateToFile(profile, 'x', opts, { path: a, format }, undefined, false, undefined, true);
      const off = await generateToFile(profile, 'x', opts, { path: b, format }, undefined, false, undefined, false);
      expect(started.names, format).toEqual(['trace-writer-worker']);
      expect(on.requests, format).toBe(off.requests);
      expect(on.requests, format).toBeGreaterThan(10_000);
      expect(readFileSync(a).equals(readFileSync(b)), format).toBe(true);
    }
    // The naive baseline too (one client, no sessions).
    const a = join(dir, 'naive-a.jsonl');
    const b = join(dir, 'naive-b.jsonl');
    await generateToFile(profile, 'x', opts, { path: a, format: 'jsonl' }, undefined, true, undefined, true);
    await generateToFile(profile, 'x', opts, { path: b, format: 'jsonl' }, undefined, true, undefined, false);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    // No temporary file left behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it('is used by default for runs expected above WRITER_THREAD_ABOVE requests, when two threads may be used', async () => {
    const profile = JSON.parse(readFileSync(fixture('profiles', 'essentials.json'), 'utf8'));
    const dir = tempDir();
    const run = async (rate: number) => {
      started.names.length = 0;
      const opts: GenerateOptions = { start: 0, duration: 600, rate: { kind: 'constant', rate }, seed: 1 };
      await generateToFile(profile, 'x', opts, { path: join(dir, `r${rate}.jsonl`), format: 'jsonl' });
      return started.names.length;
    };
    const large = Math.ceil((1.1 * WRITER_THREAD_ABOVE) / 600);
    setThreads(2);
    expect(await run(10)).toBe(0);
    expect(await run(large)).toBe(1);
    setThreads(1); // --threads 1
    expect(await run(large)).toBe(0);
  }, 60_000);

  it('an output that cannot be written fails as in-thread, leaving nothing behind', async () => {
    const profile = JSON.parse(readFileSync(fixture('profiles', 'essentials.json'), 'utf8'));
    const dir = tempDir();
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const opts: GenerateOptions = { start: 0, duration: 600, rate: { kind: 'constant', rate: 5 }, seed: 1 };
    const errors: string[] = [];
    for (const thread of [true, false]) {
      try {
        await generateToFile(profile, 'x', opts, { path: join(file, 'out.parquet'), format: 'parquet' }, undefined, false, undefined, thread);
        errors.push('no error');
      } catch (err) {
        errors.push(`${(err as NodeJS.ErrnoException).code}: ${(err as Error).message}`);
      }
    }
    expect(errors[0]).toMatch(/^E/);
    expect(errors[0]).toBe(errors[1]);
    expect(existsSync(join(file, 'out.parquet'))).toBe(false);
  });

  it('bad input the writer finds (an id past a 32-bit hash_ids column) is bad input on the thread too, not an internal error', async () => {
    // (found by review: InputError came back from the thread as a plain Error: exit 3)
    const { threadedTraceWriter } = await import('../../src/io/threaded-writer.js');
    const { openTraceWriter } = await import('../../src/io/open-writer.js');
    const { InputError } = await import('../../src/io/input.js');
    const { describeError } = await import('../../src/cli/errors.js');
    const dir = tempDir();
    const layout = { clientIds: ['a'], columns: ['input_tokens'] as const, hashIds: true, meta: { format: 'servegen-trace' as const, version: 1 as const, origin: null, tool: 'test' } };
    const batch = { n: 1, timestamp: Float64Array.of(0), client: Int32Array.of(0), lengths: [Float64Array.of(600)], hashIds: { offsets: Int32Array.of(0, 2), ids: Float64Array.of(1, 3e9) as unknown as Int32Array } };
    for (const format of ['parquet', 'arrow'] as const) {
      const messages: string[] = [];
      for (const open of [threadedTraceWriter, openTraceWriter]) {
        const path = join(dir, `t-${messages.length}.${format}`);
        const w = await open(format, path, { ...layout, columns: [...layout.columns] });
        try {
          await w.write(batch as never);
          await w.close();
          messages.push('no error');
        } catch (err) {
          w.abort();
          expect(err, format).toBeInstanceOf(InputError);
          expect(describeError(err).code).toBe(2);
          messages.push((err as Error).message.replace(path, 'PATH'));
        }
      }
      expect(messages[0], format).toMatch(/hash_ids: id 3000000000 is past the 32-bit integers/);
      expect(messages[0]).toBe(messages[1]);
    }
    // (atomic: nothing left behind, neither the outputs nor their temporaries)
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(dir)).toEqual([]);
  });
});

