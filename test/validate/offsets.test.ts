import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
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
