/**
 * Audit (h-94): `input_rank_by_turn` and its copula are functions of the log's requests, not of
 * how its file orders the rows that share a timestamp. Rows of equal input in a client's length
 * window take their places of the tie in a pseudo-random order; that order was a hash of the row's
 * index in the trace, which moves when the file orders the rows of one time otherwise (another
 * client's row at that time before or after it), so the ranks by turn changed with the file's order.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { sessionStats } from '../../src/fit/sessions.js';
import { createRng } from '../../src/stats/rng.js';
import { tempDir } from '../helpers.js';

/**
 * Two clients on a 1 s clock, both sending at each second (seed 5): 300 sessions of 1–5 turns
 * each, inputs from 8 values (ties everywhere), some turns at the time of the one before. Each
 * second's rows in the order given (`reverse`: reversed).
 */
function rows(reverse: boolean): string[] {
  const rng = createRng(5);
  const bySecond = new Map<number, string[]>();
  const add = (t: number, line: string) => {
    let l = bySecond.get(t);
    if (!l) bySecond.set(t, (l = []));
    l.push(line);
  };
  for (const client of ['a', 'b']) {
    for (let s = 0; s < 300; s++) {
      let t = 2 * s;
      const turns = 1 + Math.floor(5 * rng.next());
      for (let k = 0; k < turns; k++) {
        add(t, JSON.stringify({ timestamp: t, client_id: client, session_id: `${client}${s}`, input_tokens: 100 * (1 + Math.floor(8 * rng.next())), output_tokens: 10 }));
        if (rng.next() < 0.7) t += 1 + Math.floor(3 * rng.next());
      }
    }
  }
  const out: string[] = [];
  for (const t of [...bySecond.keys()].sort((x, y) => x - y)) out.push(...(reverse ? bySecond.get(t)!.reverse() : bySecond.get(t)!));
  return out;
}

async function fitSessions(lines: string[]): Promise<Record<string, unknown>> {
  const dir = tempDir();
  writeFileSync(`${dir}/log.jsonl`, lines.join('\n') + '\n');
  const trace = (await ingestFiles({ inputs: [`${dir}/log.jsonl`], mapping: loadPreset('servegen') })).trace;
  return Object.fromEntries(sessionStats(trace, 21600));
}

describe('input ranks by turn: ties follow the rows, not the file order', () => {
  it('each second’s rows reversed: the same session statistics, ranks by turn and copula included', async () => {
    const a = await fitSessions(rows(false));
    const b = await fitSessions(rows(true));
    for (const c of ['a', 'b']) {
      const s = a[c] as Record<string, unknown>;
      expect(s.input_rank_by_turn).toBeDefined();
      expect(typeof s.input_rank_turn_copula).toBe('number');
      expect(b[c]).toEqual(s);
    }
  });
});
