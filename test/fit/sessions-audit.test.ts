/**
 * Audit of session fitting (h-89): a profile is a function of the log's requests, not of how its
 * file orders the rows that share a timestamp. A session's turns at one time (a 1 s clock, turns
 * sent together) were taken in file order, so the input growth per turn, the turns' input ranks
 * and their pairs changed with the file's order (the same rows shuffled: a growth median of 151
 * tokens instead of 168; reversed, every growth changed sign).
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { sessionStats } from '../../src/fit/sessions.js';
import { tempDir } from '../helpers.js';

/** A log of one client: 60 sessions of 3 turns at one instant (inputs 100, 300, 500 + 7·s), plus 60 more of 2 turns 30 s apart (inputs 1 000 + s, then 1 050 + s). */
function rows(reverse: boolean): string[] {
  const out: string[] = [];
  for (let s = 0; s < 60; s++) {
    const turns = [100, 300, 500].map((x) => JSON.stringify({ timestamp: 100 * s, client_id: 'chat', session_id: `t${s}`, input_tokens: x + 7 * s, output_tokens: 20 }));
    out.push(...(reverse ? turns.reverse() : turns));
    out.push(JSON.stringify({ timestamp: 100 * s + 10, client_id: 'chat', session_id: `u${s}`, input_tokens: 1000 + s, output_tokens: 20 }));
    out.push(JSON.stringify({ timestamp: 100 * s + 40, client_id: 'chat', session_id: `u${s}`, input_tokens: 1050 + s, output_tokens: 20 }));
  }
  return out;
}

async function fitSessions(lines: string[]): Promise<Record<string, unknown>> {
  const dir = tempDir();
  writeFileSync(`${dir}/log.jsonl`, lines.join('\n') + '\n');
  const trace = (await ingestFiles({ inputs: [`${dir}/log.jsonl`], mapping: loadPreset('servegen') })).trace;
  return sessionStats(trace, 21_600).get('chat')!;
}

describe('fit: a session\'s turns at one timestamp, whatever the file\'s order', () => {
  it('gives the same session statistics for the rows in either order, turns at one time taken shortest first', async () => {
    const forward = await fitSessions(rows(false));
    const backward = await fitSessions(rows(true));
    // Growths: 200 twice in each of the 60 sessions at one instant, 50 in each of the other 60.
    expect(forward.input_growth_per_turn_median).toBe(200);
    expect(backward.input_growth_per_turn_median).toBe(200); // was −200: the turns taken 500, 300, 100
    expect(backward).toEqual(forward);
    expect(forward.sessions).toBe(120);
    expect(forward.inter_turn_gap_median_s).toBe(0);
  });
});
