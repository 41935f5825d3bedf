import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { validateTraces } from '../../src/validate/validate.js';
import { loadThresholds } from '../../src/validate/thresholds.js';
import { sessionSideOf } from '../../src/validate/side.js';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

const SESSION_METRICS = ['session_turns_mean_rel_err', 'session_multi_turn_share_abs_err', 'session_gap_p50_rel_err', 'session_input_growth_p50_err'];

describe('validate: session statistics (BurstGPT slice: 135 chat sessions)', () => {
  it('pooled statistics: mean and SD of turns, multi-turn share, gap quantiles as fit reports them', () => {
    const s = sessionSideOf([1, 2, 3, 1, 3], Float64Array.from([5, 1, 4, 2, 3, 6]), Float64Array.from([30, -10, 20, 0, 50]), Float64Array.from([100, 300, 200]))!;
    expect(s).toMatchObject({ sessions: 5, meanTurns: 2, multiShare: 0.6, gaps: 6, gapP50: 4, gapP90: 5, growths: 5, growthP50: 20, growthSpread: 20, inputP50: 200 });
    expect(s.sdTurns).toBeCloseTo(Math.sqrt(0.8), 12);
    expect(sessionSideOf([], new Float64Array(), new Float64Array(), new Float64Array())).toBeUndefined();
  });

  it('a generated trace with the source\'s sessions passes them; sessions broken into single turns fail; none at all are not judged', async () => {
    const dir = tempDir();
    const src = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    expect((await runCli('fit', src, '--preset', 'burstgpt', '--out', `${dir}/p.json`, '--quiet')).code).toBe(0);
    expect((await runCli('generate', `${dir}/p.json`, '--duration', '41453', '--seed', '5', '--out', `${dir}/g.csv`, '--quiet')).code).toBe(0);
    expect((await runCli('generate', `${dir}/p.json`, '--duration', '41453', '--seed', '5', '--no-sessions', '--out', `${dir}/none.csv`, '--quiet')).code).toBe(0);
    const text = readFileSync(`${dir}/g.csv`, 'utf8');
    expect(text.split('\n')[1]).toBe('timestamp,client_id,session_id,turn,input_tokens,output_tokens');
    // Every row its own session: the arrivals and lengths unchanged, the sessions destroyed.
    let row = 0;
    const broken = text.replace(/^([^#\n][^,\n]*,"?[^,\n]*"?,)"([^"\n]*)#\d+",\d+,/gm, (_m, head: string, client: string) => `${head}"${client}#x${row++}",1,`);
    expect(row).toBeGreaterThan(350);
    writeFileSync(`${dir}/broken.csv`, broken);
    const source = await ingestFiles({ inputs: [src], mapping: loadPreset('burstgpt') });
    const t = loadThresholds();
    const judge = async (file: string) => validateTraces(source, await ingestFiles({ inputs: [file], mapping: loadPreset('servegen') }), t).report;
    const good = await judge(`${dir}/g.csv`);
    expect(good.failed).toEqual([]);
    for (const m of SESSION_METRICS) {
      expect(good.metrics[m].value, m).not.toBeNull();
      expect(good.metrics[m].pass, `${m} = ${good.metrics[m].value} > ${good.metrics[m].threshold}`).toBe(true);
    }
    const bad = await judge(`${dir}/broken.csv`);
    expect(bad.failed).toContain('session_turns_mean_rel_err');
    expect(bad.failed).toContain('session_multi_turn_share_abs_err');
    expect(bad.metrics.session_gap_p50_rel_err.note).toMatch(/no inter-turn gap/);
    expect(bad.metrics.session_input_growth_p50_err.note).toMatch(/no input growth/);
    // Only the session metrics tell them apart.
    expect(bad.failed.every((m) => m.startsWith('session_'))).toBe(true);
    // The same profile without its input-rank model: sessions as before, inputs without growth
    // (the log's median growth, 116 tokens, against about 0) — only the growth metric fails.
    const profile = JSON.parse(readFileSync(`${dir}/p.json`, 'utf8')) as { clients: { sessions?: Record<string, unknown> }[] };
    for (const c of profile.clients) delete c.sessions?.input_rank_by_turn;
    writeFileSync(`${dir}/flat.json`, JSON.stringify(profile));
    expect((await runCli('generate', `${dir}/flat.json`, '--duration', '41453', '--seed', '5', '--out', `${dir}/flat.csv`, '--quiet')).code).toBe(0);
    expect((await judge(`${dir}/flat.csv`)).failed).toEqual(['session_input_growth_p50_err']);
    const none = await judge(`${dir}/none.csv`);
    for (const m of SESSION_METRICS) {
      expect(none.metrics[m].value).toBeNull();
      expect(none.metrics[m].note).toMatch(/--no-sessions/);
    }
  }, 60_000);
});

describe('inspect PROFILE: session lines say whether generate reproduces the input growth', () => {
  it('with the input-rank model, and for a profile without it', async () => {
    const dir = tempDir();
    expect((await runCli('fit', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), '--preset', 'burstgpt', '--out', `${dir}/p.json`, '--quiet')).code).toBe(0);
    const lines = (r: { stdout: string }) => r.stdout.split('\n').filter((l) => l.includes('ChatGPT/Conversation log:'));
    const on = lines(await runCli('inspect', `${dir}/p.json`));
    expect(on).toHaveLength(1);
    expect(on[0]).toMatch(/median input growth 116 tokens per turn \(generated by turn ranks, copula 0\.\d+\)/);
    const profile = JSON.parse(readFileSync(`${dir}/p.json`, 'utf8')) as { clients: { sessions?: Record<string, unknown> }[] };
    for (const c of profile.clients) delete c.sessions?.input_rank_by_turn;
    writeFileSync(`${dir}/flat.json`, JSON.stringify(profile));
    expect(lines(await runCli('inspect', `${dir}/flat.json`))[0]).toMatch(/growth 116 tokens per turn \(not generated: no input_rank_by_turn\)/);
  });
});
