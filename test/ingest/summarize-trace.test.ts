import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { summarizeTrace } from '../../src/ingest/summarize-trace.js';
import { inspectWithDuckDB } from '../../src/summary/duckdb-inspect.js';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { fixture } from '../helpers.js';

// BurstGPT's slice: 135 session ids over 394 rows, 9 of them used with both ChatGPT and GPT-4
// (two clients). A session is a client's rows with one session id (DESIGN): 144 sessions.
const BURST = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');

describe('summarizeTrace sessions (review: inspect said 135 sessions, the profile fitted from the same log 144)', () => {
  it('counts a session id used by two clients as two sessions, as fit does, in both engines', async () => {
    const mapping = loadPreset('burstgpt');
    const { trace } = await ingestFiles({ inputs: [BURST], mapping });
    const { profile } = fitTrace(trace, { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: 'x' });
    const fitted = profile.clients.reduce((a, c) => a + ((c.sessions as { sessions?: number } | undefined)?.sessions ?? 0), 0);
    expect(fitted).toBe(144);
    expect(summarizeTrace(trace).sessions).toEqual({ sessions: 144, requestsWithSession: 394 });
    const duck = await inspectWithDuckDB([BURST], mapping);
    expect(duck.summary.sessions).toEqual({ sessions: 144, requestsWithSession: 394 });
  });
});
