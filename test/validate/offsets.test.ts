import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { expectClose } from '../summary/equal-summaries.js';

describe('validate: time axes of generated sources', () => {
  it('two draws of one profile made with the same --start ≠ 0 are compared on the profile\'s axis (both engines)', async () => {
    // Found by review: only the generated side was moved by its generator.start, so two draws
    // made with --start 36000 were 36 000 s apart and rate_mape was 1.
    const dir = tempDir();
    expect((await runCli('import-servegen', fixture('servegen', 'multimodal', 'mm-image'), '--out', `${dir}/pool.json`, '--quiet')).code).toBe(0);
    for (const seed of ['1', '2']) {
      expect((await runCli('generate', `${dir}/pool.json`, '--start', '36000', '--duration', '3600', '--rate', 'constant:10', '--seed', seed, '--out', `${dir}/g${seed}.jsonl`, '--quiet')).code).toBe(0);
    }
    const reports = [];
    for (const engine of ['ts', 'duckdb']) {
      await runCli('validate', `${dir}/g1.jsonl`, `${dir}/g2.jsonl`, '--engine', engine, '--json', `${dir}/${engine}.json`, '--quiet');
      const r = JSON.parse(readFileSync(`${dir}/${engine}.json`, 'utf8'));
      expect(r.source.time_offset_seconds, engine).toBe(36000);
      expect(r.generated.time_offset_seconds, engine).toBe(36000);
      expect(r.metrics.rate_mape.pass, `${engine}: rate_mape ${r.metrics.rate_mape.value}`).toBe(true);
      expect(r.metrics.rate_mape.value).toBeLessThan(0.2);
      reports.push({ ...r, source: { ...r.source, file: [] }, generated: { ...r.generated, file: [] } });
    }
    expectClose(reports[0], reports[1]);
    // A source generated from another profile keeps its own axis (a profile fitted from it
    // starts where its times do): fit g1 and validate g1 against a draw of that fit.
    expect((await runCli('fit', `${dir}/g1.jsonl`, '--out', `${dir}/fitted.json`, '--quiet')).code).toBe(0);
    expect((await runCli('generate', `${dir}/fitted.json`, '--duration', '3600', '--seed', '3', '--out', `${dir}/g3.jsonl`, '--quiet')).code).toBe(0);
    await runCli('validate', `${dir}/g1.jsonl`, `${dir}/g3.jsonl`, '--json', `${dir}/round.json`, '--quiet');
    const round = JSON.parse(readFileSync(`${dir}/round.json`, 'utf8'));
    expect(round.source.time_offset_seconds).toBe(0);
    expect(round.metrics.rate_mape.pass, `rate_mape ${round.metrics.rate_mape.value}`).toBe(true);
  }, 60_000);
});

describe('validate: sources on an epoch clock', () => {
  it('a log of epoch seconds with a 1 ms or 100 ms clock validates against itself with every metric 0 (both engines)', async () => {
    // Found in session 21: epoch times re-based to an origin carry ~1e-7 s of float error
    // (1700000000.1 - 1700000000 = 0.0999999 s). The generated side was floored to the clock
    // with a 1e-9 tick tolerance, so times fell a tick early at random, and the source's
    // jittered gaps had a CV of ~1e-6 against the floored side's 0: iat_ks 0.4 and
    // iat_cv_rel_err 7.7e5, FAIL, for a file against itself.
    const dir = tempDir();
    let u = 12345;
    const next = () => ((u = (Math.imul(u, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const [name, step] of [['regular-100ms', 0.1], ['regular-1ms', 0.001], ['random-1ms', 0]] as const) {
      const lines = ['timestamp,client_id,input_tokens,output_tokens'];
      let ms = 1_700_000_000_000;
      for (let i = 0; i < 2000; i++) {
        ms += step > 0 ? step * 1000 : 1 + Math.floor(-Math.log(1 - next()) * 400);
        lines.push(`${(ms / 1000).toFixed(3)},${i % 3 === 0 ? 'b' : 'a'},${100 + (i % 7)},${50 + (i % 5)}`);
      }
      const file = `${dir}/${name}.csv`;
      writeFileSync(file, lines.join('\n') + '\n');
      const reports = [];
      for (const engine of ['ts', 'duckdb']) {
        const out = `${dir}/${name}-${engine}.json`;
        const r = await runCli('validate', file, file, '--source-preset', 'servegen', '--generated-preset', 'servegen', '--engine', engine, '--json', out, '--quiet');
        const report = JSON.parse(readFileSync(out, 'utf8'));
        expect(report.clock_resolution_seconds, `${name} ${engine}`).toBeCloseTo(step === 0.1 ? 0.1 : 0.001, 12);
        expect(report.failed, `${name} ${engine}`).toEqual([]);
        // Regular arrivals stay regular: every time on its own tick, none a tick early.
        if (step > 0) expect(report.source.iat_cv, `${name} ${engine}`).toBeLessThan(1e-6);
        expect(r.code).toBe(0);
        for (const [metric, m] of Object.entries(report.metrics) as [string, { value: number | null }][]) {
          if (m.value !== null) expect(m.value, `${name} ${engine} ${metric}`).toBe(0);
        }
        reports.push({ ...report, source: { ...report.source, file: [] }, generated: { ...report.generated, file: [] } });
      }
      expectClose(reports[0], reports[1]);
    }
  }, 60_000);
});

describe('validate --replay: the generated side on the source\'s clock ticks', () => {
  it('keeps the first-to-first offset where it floors every request to its own tick, and moves the tick\'s boundary into the gap of the sends\' phases where a request less late than the first would fall a tick early', async () => {
    const { firstRequestOffset, replayPhases } = await import('../../src/validate/validate.js');
    const res = 1;
    // Continuous source times: nothing is floored.
    expect(firstRequestOffset(10, 0.3, 0, replayPhases(Float64Array.of(0.3, 1.2), 2, 0.001))).toBe(10 - 0.3);
    // Every later send as late as the first or later (phases 0 … 0.4 of a tick): the first puts all on their ticks.
    const late = Float64Array.of(0.5, 1.6, 2.9, 3.7);
    expect(firstRequestOffset(10, 0.5, res, replayPhases(late, 4, res))).toBe(10 - 0.5);
    // A send less late than the first (phase 0.9 of a tick: 0.1 s early against the first):
    // the boundary goes between 0.4 and 0.9, so that it floors to its own tick.
    const early = Float64Array.of(0.5, 1.4, 2.9);
    const off = firstRequestOffset(10, 0.5, res, replayPhases(early, 3, res));
    expect(Array.from(early, (t) => Math.floor(t + off))).toEqual([10, 11, 12]);
    // Phases over the whole tick: no boundary keeps them apart; first on first.
    const spread = Float64Array.from({ length: 200 }, (_, i) => i * 1.005);
    expect(firstRequestOffset(10, 0, res, replayPhases(spread, 200, res))).toBe(10);
  });
});
