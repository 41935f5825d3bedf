import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

/** A servegen trace (relative times) of these timestamps, one client, fixed lengths. */
function trace(file: string, times: number[], generator?: object): string {
  const lines = [JSON.stringify({ servegen: { format: 'servegen-trace', version: 1, origin: null, ...(generator ? { generator } : {}) } })];
  for (const t of times) lines.push(JSON.stringify({ timestamp: t, client_id: 'a', input_tokens: 100, output_tokens: 10 }));
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Odd but legal traces (h-88's audit): validate. */
describe('validate on odd traces', () => {
  const dir = tempDir();

  it('judges a metronomic source (gap CV 0) against a near-regular draw: no Infinity, a note', async () => {
    // Requests exactly 6 s apart: CV 0, index of dispersion 0 at 60 s. The relative error of
    // any other CV against 0 was Infinity: "iat_cv_rel_err = Infinity", null in the JSON
    // without a note, and exit 1 for a draw within 0.3 % of the source's gaps.
    const src = trace(join(dir, 'src.jsonl'), Array.from({ length: 400 }, (_, i) => 1.234567 + 6.123457 * i));
    let x = 0;
    const gen = trace(
      join(dir, 'gen.jsonl'),
      Array.from({ length: 400 }, (_, i) => 1.234567 + 6.123457 * i + ((x = (x * 7919 + 13) % 101) / 101 - 0.5) * 0.02),
    );
    const out = join(dir, 'v.json');
    const r = await runCli('validate', src, gen, '--json', out, '--quiet');
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const m = report.metrics.iat_cv_rel_err;
    expect(m.value).not.toBeNull();
    expect(Number.isFinite(m.value)).toBe(true);
    expect(m.note).toMatch(/the source's gap CV is 0 \(near-regular\): the difference is taken relative to 0\.01/);
    expect(m, JSON.stringify(m)).toMatchObject({ pass: true });
    for (const [name, v] of Object.entries(report.metrics) as [string, { value: number | null; note?: string }][]) {
      if (v.value === null) expect(v.note, name).toBeDefined();
    }
    expect(r.code).toBe(0);
  });

  it('still fails a Poisson draw against a metronomic source', async () => {
    const src = trace(join(dir, 'src2.jsonl'), Array.from({ length: 400 }, (_, i) => 6 * i));
    let u = 0.5;
    let t = 0;
    const times: number[] = [];
    for (let i = 0; i < 400; i++) {
      u = (u * 9301 + 49297) % 233280;
      t += -6 * Math.log1p(-(u / 233280) * 0.999);
      times.push(t);
    }
    const gen = trace(join(dir, 'gen2.jsonl'), times);
    const out = join(dir, 'v2.json');
    const r = await runCli('validate', src, gen, '--json', out, '--quiet');
    expect(r.code).toBe(1);
    const m = JSON.parse(readFileSync(out, 'utf8')).metrics.iat_cv_rel_err;
    expect(m.pass).toBe(false);
    expect(m.value).toBeGreaterThan(10);
  });

  it('says why rate_mape fails for a generated trace of other times than the source', async () => {
    // The same 1 200 requests over 1 200 s, the generated side made with --start 100000: every
    // metric but rate_mape passed, and rate_mape failed at 1.00 without a word.
    const times = Array.from({ length: 1200 }, (_, i) => i + 0.5 + 0.4 * Math.sin(i * 12.9898));
    const src = trace(join(dir, 'src3.jsonl'), times);
    const gen = trace(join(dir, 'gen3.jsonl'), times, { seed: '1', rate: 'scale:1', start: 100000, duration: 1200 });
    const out = join(dir, 'v3.json');
    const r = await runCli('validate', src, gen, '--json', out);
    expect(r.code).toBe(1);
    const m = JSON.parse(readFileSync(out, 'utf8')).metrics.rate_mape;
    expect(m.value).toBe(1);
    expect(m.note).toMatch(/^no arrival window holds requests of both sides/);
    expect(r.stderr).toContain("note: rate_mape: no arrival window holds requests of both sides: the generated trace covers other times than the source (placed by its header's generator.start)");
    // The same draw at the source's times: no such note.
    const same = trace(join(dir, 'gen4.jsonl'), times, { seed: '1', rate: 'scale:1', start: 0, duration: 1200 });
    const r2 = await runCli('validate', src, same, '--json', join(dir, 'v4.json'));
    expect(r2.stderr).not.toContain('no arrival window holds');
  });
});
