/**
 * A log whose client is one very long session (h-93 audit: one session of 50 000 turns was
 * generated as 4 interleaved sessions sharing the client's arrivals, and validate failed
 * session_gap_p50 at 3.21). Here 5 000 turns, which fail the same way without the fix (seed 1:
 * gap median 48 s against the log's 30 s; through the CLI, 0.26–4.4 off over seeds 1–3 with up
 * to 4 sessions of ~1 280 turns each).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/stats/rng.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { defaultFitOptions } from '../../src/fit/defaults.js';
import { generateTrace } from '../../src/generate/in-memory.js';
import { traceSessions } from '../../src/validate/side.js';
import type { Profile } from '../../src/profile/schema.js';
import type { Trace } from '../../src/ingest/trace.js';
import { fixture, tempDir } from '../helpers.js';

/** Sessions of a trace: id → [first time, last time, rows]. */
function sessionSpans(t: Trace): Map<string, [number, number, number]> {
  const s = t.texts!.session_id!;
  const out = new Map<string, [number, number, number]>();
  for (let i = 0; i < t.n; i++) {
    if (s.index[i] < 0) continue;
    const id = s.values[s.index[i]];
    const e = out.get(id);
    if (e) {
      e[1] = t.timestamp[i];
      e[2]++;
    } else out.set(id, [t.timestamp[i], t.timestamp[i], 1]);
  }
  return out;
}

describe('one session of 5 000 turns', () => {
  let source: Trace;
  let profile: Profile;
  beforeAll(async () => {
    // Gaps log-normal, median 30 s, σ 1 (seeded): one client, one session_id.
    const rng = createRng(12345);
    const lines: string[] = [];
    let t = 0;
    for (let k = 1; k <= 5000; k++) {
      if (k > 1) t += 30 * Math.exp(rng.normal());
      lines.push(JSON.stringify({ timestamp: Math.round(t * 1000) / 1000, client_id: 'c0', session_id: 's1', turn: k, input_tokens: 100 + Math.floor(900 * rng.next()), output_tokens: 100 }));
    }
    const file = `${tempDir()}/long.jsonl`;
    writeFileSync(file, lines.join('\n') + '\n');
    source = (await ingestFiles({ inputs: [file], mapping: loadPreset('servegen') })).trace;
    profile = fitTrace(source, defaultFitOptions()).profile;
  }, 60_000);

  it('is generated as sessions one after another, at the log\'s inter-turn gaps (seeds 1–3)', () => {
    const src = traceSessions(source)!;
    expect(src.sessions).toBe(1);
    const span = profile.span.end - profile.span.start;
    for (const seed of [1, 2, 3]) {
      const gen = generateTrace(profile, 'x', { start: 0, duration: span, rate: { kind: 'scale', factor: 1 }, seed: BigInt(seed) }).trace;
      const s = traceSessions(gen)!;
      // validate's threshold for session_gap_p50_rel_err is 0.2 (through the CLI: 0.006–0.018, 0.26–4.4 before).
      expect(Math.abs(s.gapP50! / src.gapP50! - 1), `seed ${seed}: gap median ${s.gapP50} vs ${src.gapP50}`).toBeLessThan(0.1);
      // No two sessions open at once: each starts after the one before ended (they end after
      // their drawn turns: the profile's 10+ bucket is geometric with the log's mean).
      const spans = [...sessionSpans(gen).values()].sort((a, b) => a[0] - b[0]);
      for (let k = 1; k < spans.length; k++) expect(spans[k][0], `seed ${seed}: session ${k + 1} of ${spans.length}`).toBeGreaterThanOrEqual(spans[k - 1][1]);
    }
  });
});

describe('many long sessions at once (850 sessions of ~19 turns in a day, ~18 open)', () => {
  it('keep the log\'s gap median and mean turns (seeds 1–2): refusing new sessions there, early turns must not steer the gap tracker', async () => {
    // Sessions start as a Poisson process (0.01/s), 1 + geometric turns (mean 20), gaps
    // log-normal (median 60 s, σ 1). The arrivals can serve ~19 sessions at these gaps, about as
    // many as are open, so new sessions are refused now and then. Letting those early turns feed
    // the tracker (they are short) ran the drawn gaps away: gap median 3.9 s against the log's
    // 60 s (0.02–0.04 off with the tracker left alone; 0.01–0.02 without the refusal).
    // (A 64-bit LCG, as the script the measurement used: another draw of this log did not show
    // the tracker's drift.)
    let state = 777n;
    const u = () => {
      state = (state * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      return (Number(state >> 11n) + 0.5) / 2 ** 53;
    };
    const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    const rows: { timestamp: number; client_id: string; session_id: string; turn: number; input_tokens: number; output_tokens: number }[] = [];
    let t = 0;
    for (let id = 1; ; id++) {
      t += -Math.log(u()) / 0.01;
      if (t > 86_400) break;
      const turns = 1 + Math.floor(Math.log(u()) / Math.log(1 - 1 / 20));
      let tt = t;
      for (let k = 1; k <= turns && tt < 86_400; k++) {
        rows.push({ timestamp: +tt.toFixed(3), client_id: 'c0', session_id: `s${id}`, turn: k, input_tokens: 100 * k + Math.floor(500 * u()), output_tokens: 50 + Math.floor(200 * u()) });
        tt += 60 * Math.exp(normal());
      }
    }
    rows.sort((a, b) => a.timestamp - b.timestamp);
    const file = `${tempDir()}/many.jsonl`;
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const source = (await ingestFiles({ inputs: [file], mapping: loadPreset('servegen') })).trace;
    const profile = fitTrace(source, defaultFitOptions()).profile;
    const src = traceSessions(source)!;
    expect(src.meanTurns).toBeGreaterThan(10);
    for (const seed of [1, 2]) {
      const gen = traceSessions(generateTrace(profile, 'x', { start: 0, duration: profile.span.end - profile.span.start, rate: { kind: 'scale', factor: 1 }, seed: BigInt(seed) }).trace)!;
      expect(Math.abs(gen.gapP50! / src.gapP50! - 1), `seed ${seed}: gap median ${gen.gapP50} vs ${src.gapP50}`).toBeLessThan(0.1);
      expect(Math.abs(gen.meanTurns / src.meanTurns - 1), `seed ${seed}: mean turns ${gen.meanTurns} vs ${src.meanTurns}`).toBeLessThan(0.1);
    }
  }, 60_000);
});

describe('clients of short sessions are labelled as before', () => {
  it('BurstGPT slice at scale:10: the session labels are the ones generated before the change (digest)', async () => {
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'burstgpt', 'burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
    const { profile } = fitTrace(trace, { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });
    const gen = generateTrace(profile, 'x', { start: 0, duration: profile.span.end - profile.span.start, rate: { kind: 'scale', factor: 10 }, seed: 7n }).trace;
    const s = gen.texts!.session_id!;
    const turn = gen.ints.turn!;
    const labels = Array.from({ length: gen.n }, (_, i) => `${s.index[i] < 0 ? '' : s.values[s.index[i]]}:${turn[i]}`).join('\n');
    expect(gen.n).toBeGreaterThan(3000);
    expect(createHash('sha256').update(labels).digest('hex')).toBe(PINNED_BURSTGPT_LABELS);
  });
});

/**
 * sha256 of the labels above, computed before the change (at 11bb000: bd88dd5e…; recomputed
 * after session 37's merges changed the BurstGPT profile — its span start, the level client's
 * span ends, session ranks' ties — with session-sampler.ts as before the change and after it:
 * the same digest).
 */
const PINNED_BURSTGPT_LABELS = '2a5c2ad5751a6d65d95517095350780c5ca30df6b6e302d54c694cf98930b690';
