import { afterEach, describe, expect, it, vi } from 'vitest';
import { availableParallelism } from 'node:os';
import { createHash } from 'node:crypto';

// Counts the worker threads the library starts, still starting them.
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

const { setThreads, threadsSet, defaultWorkers } = await import('../../src/util/worker.js');
const { defaultFitWorkers, prefitWindows } = await import('../../src/fit/parallel-fit.js');
const { buildSummaries } = await import('../../src/summary/build.js');
const { fitSummaries } = await import('../../src/fit/fit-trace.js');
const { ingestFiles } = await import('../../src/ingest/ingest.js');
const { loadPreset } = await import('../../src/ingest/presets.js');
const { openSource } = await import('../../src/summary/duckdb.js');
const { validateTracesParallel } = await import('../../src/validate/validate.js');
const { loadThresholds } = await import('../../src/validate/thresholds.js');
const { fixture } = await import('../helpers.js');
const { runCli } = await import('./run-cli.js');

const CONV = fixture('traces', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv');

afterEach(() => {
  setThreads(undefined);
  started.names.length = 0;
});

describe('--threads', () => {
  it('sets how many workers the library starts by default', () => {
    setThreads(1);
    expect([defaultWorkers(), defaultFitWorkers()]).toEqual([0, 0]);
    setThreads(3);
    expect([defaultWorkers(), defaultFitWorkers()]).toEqual([2, 3]);
    setThreads(undefined);
    expect(defaultWorkers()).toBe(Math.max(0, Math.min(8, availableParallelism() - 1)));
  });

  it('with 1, validate and the window fits start no worker and give what 3 threads give', async () => {
    const { trace } = await ingestFiles({ inputs: [CONV], mapping: loadPreset('azure-llm-2023') });
    const result = await ingestFiles({ inputs: [CONV], mapping: loadPreset('azure-llm-2023') });
    const options = { arrivalSeconds: 20, lengthSeconds: 60, minArrivals: 3, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' };
    const summaries = buildSummaries(trace, options);
    const runs: string[] = [];
    for (const threads of [1, 3]) {
      setThreads(threads);
      started.names.length = 0;
      const report = await validateTracesParallel(result, result, loadThresholds(), { minRows: 0 });
      const prefit = await prefitWindows(summaries, { ...options, minWindows: 0 });
      // One thread: no prefit, the windows are fitted by fitSummaries itself.
      expect(prefit === undefined, `${threads} threads`).toBe(threads === 1);
      const text = JSON.stringify([report, fitSummaries(summaries, { ...options, prefit })]);
      runs.push(createHash('sha256').update(text).digest('hex'));
      expect(text.length).toBeGreaterThan(100_000);
      expect(started.names.filter((n) => n === 'side-worker').length, `${threads} threads`).toBe(threads - 1);
      expect(started.names.filter((n) => n === 'fit-worker').length, `${threads} threads`).toBe(threads === 1 ? 0 : 3);
    }
    expect(runs[0]).toBe(runs[1]);
  }, 60_000);

  it("caps DuckDB's threads", async () => {
    setThreads(1);
    const src = await openSource([CONV], loadPreset('azure-llm-2023'), {});
    try {
      expect(Number((await src.con.runAndReadAll("SELECT current_setting('threads')")).getColumnsJS()[0][0])).toBe(1);
    } finally {
      src.close();
    }
  });

  it('refuses what is not a whole number ≥ 1, naming the flag (exit 2)', async () => {
    for (const bad of ['0', '1.5', 'x', '-2']) {
      const r = await runCli('inspect', CONV, '--preset', 'azure-llm-2023', '--threads', bad);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`--threads: expected a whole number ≥ 1, got "${bad}"`);
    }
    expect((await runCli('inspect', CONV, '--preset', 'azure-llm-2023', '--threads', '2')).code).toBe(0);
    expect(threadsSet()).toBe(2);
    expect((await runCli('inspect', CONV, '--preset', 'azure-llm-2023')).code).toBe(0);
    expect(threadsSet()).toBeUndefined();
  });
});
