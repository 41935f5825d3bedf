import { describe, expect, it } from 'vitest';
import { buildSummaries } from '../../src/summary/build.js';
import { fitArrivalWindow } from '../../src/fit/arrival-fit.js';
import { fitSummaries } from '../../src/fit/fit-trace.js';
import { prefitArrivalWindows } from '../../src/fit/parallel-fit.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { fixture } from '../helpers.js';

describe('arrival windows fitted on worker threads', () => {
  it('gives every window the fit the calling thread gives it, and the same profile byte for byte', async () => {
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv')], mapping: loadPreset('azure-llm-2023') });
    // Short windows: many of them (~175 with enough gaps, in batches of 16 dealt to 3 workers), censored and not.
    const options = { arrivalSeconds: 20, lengthSeconds: 3600, minArrivals: 3, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' };
    const summaries = buildSummaries(trace, options);
    const onWindows: number[] = [];
    const prefit = await prefitArrivalWindows(summaries, { ...options, minWindows: 0, batch: 16, onWindows: (d) => onWindows.push(d) }, 3);
    const fitted = summaries.arrivals.filter((s) => s.gaps >= options.minArrivals);
    expect(fitted.length).toBeGreaterThan(150);
    expect(prefit!.size).toBe(fitted.length);
    expect(onWindows[onWindows.length - 1]).toBe(fitted.length);
    for (const s of fitted) expect(prefit!.get(s)).toEqual(fitArrivalWindow(s, summaries.resolution)[0]);
    expect(JSON.stringify(fitSummaries(summaries, { ...options, prefit }))).toBe(JSON.stringify(fitSummaries(summaries, options)));
  });

  it('leaves small fits to the calling thread', async () => {
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv')], mapping: loadPreset('azure-llm-2023') });
    const summaries = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 3600 });
    expect(await prefitArrivalWindows(summaries, { minArrivals: 5 })).toBeUndefined();
    expect(await prefitArrivalWindows(summaries, { minArrivals: 5, minWindows: 0 }, 0)).toBeUndefined();
  });
});
