import { describe, expect, it } from 'vitest';
import { buildSummaries } from '../../src/summary/build.js';
import { fitArrivalWindow } from '../../src/fit/arrival-fit.js';
import { lengthWindowOf } from '../../src/fit/lengths.js';
import { fitSummaries } from '../../src/fit/fit-trace.js';
import { prefitWindows } from '../../src/fit/parallel-fit.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { fixture } from '../helpers.js';

describe('windows fitted on worker threads', () => {
  it('gives every window the fit the calling thread gives it, and the same profile byte for byte', async () => {
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv')], mapping: loadPreset('azure-llm-2023') });
    // Short windows: many of them (~175 arrival windows with enough gaps, ~60 length windows),
    // in batches of 16 dealt to 3 workers.
    const options = { arrivalSeconds: 20, lengthSeconds: 60, minArrivals: 3, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' };
    const summaries = buildSummaries(trace, options);
    const progress: number[] = [];
    const prefit = await prefitWindows(summaries, { ...options, minWindows: 0, batch: 16, onWindows: (d) => progress.push(d) }, 3);
    const fitted = summaries.arrivals.filter((s) => s.gaps >= options.minArrivals);
    expect(fitted.length).toBeGreaterThan(150);
    expect(summaries.lengths.length).toBeGreaterThan(30);
    expect(prefit!.arrivals.size).toBe(fitted.length);
    expect(prefit!.lengths.size).toBe(summaries.lengths.length);
    expect(progress[progress.length - 1]).toBe(fitted.length + summaries.lengths.length);
    for (const s of fitted) expect(prefit!.arrivals.get(s)).toEqual(fitArrivalWindow(s, summaries.resolution)[0]);
    for (const l of summaries.lengths) expect(JSON.stringify(prefit!.lengths.get(l))).toBe(JSON.stringify(lengthWindowOf(l)));
    expect(JSON.stringify(fitSummaries(summaries, { ...options, prefit }))).toBe(JSON.stringify(fitSummaries(summaries, options)));
  });

  it('leaves small fits to the calling thread', async () => {
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv')], mapping: loadPreset('azure-llm-2023') });
    const summaries = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 3600 });
    expect(await prefitWindows(summaries, { minArrivals: 5 })).toBeUndefined();
    expect(await prefitWindows(summaries, { minArrivals: 5, minWindows: 0 }, 0)).toBeUndefined();
  });
});
