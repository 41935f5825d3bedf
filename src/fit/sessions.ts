import type { Trace } from '../ingest/trace.js';

/**
 * Session statistics per client (when the trace has `session_id`): turns per session, the
 * gap between consecutive turns, and input growth per turn (context accumulates).
 */
export function sessionStats(trace: Trace): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const sess = trace.texts.session_id;
  if (!sess) return out;
  const input = trace.ints.input_tokens;
  // session → [first index, last time, turns, client]
  const bySession = new Map<number, { client: number; turns: number; last: number; gaps: number[]; inputs: number[] }>();
  // Rows per client, and those with a session id: a client's rows need not all be in sessions
  // (BurstGPT's API rows have none, and fit --anonymize pools them with chat rows into `tail`).
  const rows = new Float64Array(trace.clientIds.length);
  const inSessions = new Float64Array(trace.clientIds.length);
  for (let i = 0; i < trace.n; i++) {
    rows[trace.client[i]]++;
    const s = sess.index[i];
    if (s < 0) continue;
    inSessions[trace.client[i]]++;
    let e = bySession.get(s);
    if (!e) bySession.set(s, (e = { client: trace.client[i], turns: 0, last: NaN, gaps: [], inputs: [] }));
    if (e.turns > 0) e.gaps.push(trace.timestamp[i] - e.last);
    e.turns++;
    e.last = trace.timestamp[i];
    if (input && input[i] >= 0) e.inputs.push(input[i]);
  }
  const perClient = new Map<number, { turns: number[]; gaps: number[]; growth: number[] }>();
  for (const e of bySession.values()) {
    let c = perClient.get(e.client);
    if (!c) perClient.set(e.client, (c = { turns: [], gaps: [], growth: [] }));
    c.turns.push(e.turns);
    // A loop, not push(...gaps): one session of ~10^5 turns (a constant session id) overflowed
    // the call stack — fit's 'internal error: Maximum call stack size exceeded' (found by review).
    for (const g of e.gaps) c.gaps.push(g);
    for (let k = 1; k < e.inputs.length; k++) c.growth.push(e.inputs[k] - e.inputs[k - 1]);
  }
  const median = (xs: number[]) => {
    if (xs.length === 0) return null;
    const s = [...xs].sort((a, b) => a - b);
    return s[s.length >> 1];
  };
  for (const [client, c] of perClient) {
    const hist: Record<string, number> = {};
    for (const t of c.turns) {
      const k = t >= 10 ? '10+' : String(t);
      hist[k] = (hist[k] ?? 0) + 1;
    }
    out.set(trace.clientIds[client], {
      sessions: c.turns.length,
      mean_turns: c.turns.reduce((a, b) => a + b, 0) / c.turns.length,
      multi_turn_share: c.turns.filter((t) => t > 1).length / c.turns.length,
      turns_histogram: hist,
      inter_turn_gap_median_s: median(c.gaps),
      inter_turn_gap_p90_s: c.gaps.length ? [...c.gaps].sort((a, b) => a - b)[Math.floor(0.9 * (c.gaps.length - 1))] : null,
      input_growth_per_turn_median: median(c.growth),
      session_request_share: inSessions[client] / rows[client],
    });
  }
  return out;
}
