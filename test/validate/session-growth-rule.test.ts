/**
 * Audit (h-94): validate measures a session's input growth as fit does. Fit takes a session's
 * turns at one time shortest input first and counts a growth a turn; validate took the growth
 * between consecutive times, from the largest input of each, so on a log with turns at one time
 * the source's median growth in validate (20 tokens here) was not its profile's (10).
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { sessionStats } from '../../src/fit/sessions.js';
import { traceSessions } from '../../src/validate/side.js';
import { validateWithDuckDB } from '../../src/summary/duckdb-validate.js';
import { loadThresholds } from '../../src/validate/thresholds.js';
import { validateTraces } from '../../src/validate/validate.js';
import { tempDir } from '../helpers.js';

const MAPPING = parseMapping({ columns: { timestamp: 't', client_id: 'c', session_id: 's', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm');

describe('session input growth: one rule in fit and validate', () => {
  it('turns at one time: validate (both engines) measures the median growth the profile holds', async () => {
    const dir = tempDir();
    // 30 sessions: inputs 100 at t, then 110, 120, 200 (file order 200, 120, 110) together at t + 10.
    const rows = ['t,c,s,i'];
    for (let s = 0; s < 30; s++) rows.push(`${100 * s},a,x${s},100`, ...[200, 120, 110].map((x) => `${100 * s + 10},a,x${s},${x}`));
    writeFileSync(`${dir}/s.csv`, rows.join('\n') + '\n');
    const trace = (await ingestFiles({ inputs: [`${dir}/s.csv`], mapping: MAPPING })).trace;
    const fitted = sessionStats(trace, 21600).get('a')!;
    // Growths 10, 10, 80 a session: median 10 (between times, from the largest: 100 a session).
    expect(fitted.input_growth_per_turn_median).toBe(10);
    expect(traceSessions(trace)).toMatchObject({ growths: 90, growthP50: 10 });
    // The same sessions with their turns a second apart (as a generator draws them): the same
    // growths, so no error in either engine (between times, from the largest: 100 against 10).
    const apart = ['t,c,s,i'];
    for (let s = 0; s < 30; s++) apart.push(`${100 * s},a,x${s},100`, ...[110, 120, 200].map((x, k) => `${100 * s + 10 + k},a,x${s},${x}`));
    writeFileSync(`${dir}/g.csv`, apart.join('\n') + '\n');
    const t = loadThresholds(undefined);
    const ts = validateTraces(await ingestFiles({ inputs: [`${dir}/s.csv`], mapping: MAPPING }), await ingestFiles({ inputs: [`${dir}/g.csv`], mapping: MAPPING }), t).report;
    expect(ts.metrics.session_input_growth_p50_err.value).toBe(0);
    const duck = (await validateWithDuckDB({ inputs: [`${dir}/s.csv`], mapping: MAPPING }, { inputs: [`${dir}/g.csv`], mapping: MAPPING }, t, {})).report;
    expect(duck.metrics.session_input_growth_p50_err.value).toBe(0);
  }, 30_000);
});
