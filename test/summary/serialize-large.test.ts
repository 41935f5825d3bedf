import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { buildSummaries } from '../../src/summary/build.js';
import { parseSummariesText, summariesFromJson, summariesJsonChunks, summariesToJson } from '../../src/summary/serialize.js';
import type { TraceSummaries } from '../../src/summary/types.js';
import { fixture } from '../helpers.js';

// `summarize --out part.json` of a month of 2 000 clients (1.5 M windows) built one JSON string
// longer than V8 allows and stopped with "internal error: Invalid string length" (exit 3). The
// text is now written a window a line and, above one string's length, read a window at a time;
// the limit is lowered here to take that path on a small file.

const summaries = async (): Promise<TraceSummaries> => {
  const r = await ingestFiles({ inputs: [fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv')], mapping: loadPreset('azure-llm-2023') });
  return buildSummaries(r.trace, { arrivalSeconds: 600, lengthSeconds: 21600 });
};

const text = (s: TraceSummaries) => [...summariesJsonChunks(s)].join('');

describe('summaries JSON a window a line', () => {
  it('is the same JSON document as summariesToJson, and reads back the same whole or window by window', async () => {
    const s = await summaries();
    expect(s.arrivals.length).toBeGreaterThan(5);
    const t = text(s);
    expect(JSON.parse(t)).toEqual(JSON.parse(JSON.stringify(summariesToJson(s))));
    expect(t.split('\n').length).toBe(s.arrivals.length + s.lengths.length + 6); // head, "arrivals": [, windows, ], "lengths": [, windows, ]}, the final newline
    const whole = parseSummariesText(Buffer.from(t));
    const byLine = parseSummariesText(Buffer.from(t), { wholeTextLimit: 0 });
    expect(summariesToJson(byLine)).toEqual(summariesToJson(whole));
    expect(summariesToJson(whole)).toEqual(JSON.parse(JSON.stringify(summariesToJson(s))));
  });

  it('no windows, or no length windows, read the same both ways', async () => {
    const s = await summaries();
    for (const part of [{ ...s, arrivals: [], lengths: [] }, { ...s, lengths: [] }, { ...s, arrivals: s.arrivals.slice(0, 1), lengths: s.lengths.slice(0, 1) }]) {
      const b = Buffer.from(text(part));
      expect(summariesToJson(parseSummariesText(b, { wholeTextLimit: 0 }))).toEqual(summariesToJson(summariesFromJson(JSON.parse(b.toString()))));
    }
  });

  it('a large file in another layout is refused with what it must be; bad content names the window', async () => {
    const s = await summaries();
    const compact = Buffer.from(JSON.stringify(summariesToJson(s)));
    expect(() => parseSummariesText(compact)).not.toThrow();
    expect(() => parseSummariesText(compact, { wholeTextLimit: 0 })).toThrow(/not in the layout servegen summarize writes/);
    const bad = text(s).replace('"disp":{"1"', '"disp":{"2"');
    expect(() => parseSummariesText(Buffer.from(bad), { wholeTextLimit: 0 })).toThrow(/disp must hold "1", "10" and "60"/);
    const other = text(s).replace('"version":1', '"version":2');
    expect(() => parseSummariesText(Buffer.from(other), { wholeTextLimit: 0 })).toThrow(/not servegen summaries v1/);
  });
});
