import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { CONV, runCli } from './run-cli.js';

/** A spec ingesting `log` with `map` into the shared out/trace.jsonl, then fitting it. */
function spec(dir: string, name: string, map: string): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      stages: [
        { name: 'ingest', run: ['ingest', 'log.csv', '--map', map, '--out', 'out/trace.jsonl'], inputs: ['log.csv', map], outputs: ['out/trace.jsonl'] },
        { name: 'fit', run: ['fit', 'out/trace.jsonl', '--out', `out/${name}-profile.json`], inputs: ['out/trace.jsonl'], outputs: [`out/${name}-profile.json`] },
      ],
    }),
  );
  return file;
}

function logDir(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'log.csv'), readFileSync(CONV, 'utf8').split('\n').slice(0, 401).join('\n') + '\n');
  for (const c of ['a', 'b']) writeFileSync(join(dir, `${c}.map.json`), JSON.stringify({ columns: { timestamp: 'TIMESTAMP', input_tokens: 'ContextTokens', output_tokens: 'GeneratedTokens', client_id: { const: c } } }));
  return dir;
}

describe('servegen run: a stage whose output was rewritten since it ran', () => {
  it('reruns (two pipelines writing one out/trace.jsonl each skipped their ingest as "unchanged" and fitted the other\'s trace; found by a new user\'s audit)', async () => {
    const dir = logDir();
    const a = spec(dir, 'a', 'a.map.json');
    const b = spec(dir, 'b', 'b.map.json');
    expect((await runCli('run', a, '--quiet')).code).toBe(0);
    expect((await runCli('run', a)).stderr).toContain('[a] ingest: unchanged, skipped');
    expect((await runCli('run', b, '--quiet')).code).toBe(0);
    const again = await runCli('run', a);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('[a] ingest: done in');
    expect(again.stderr).toContain('[a] ingest: an output changed or was removed since this stage wrote it (another pipeline writing into the same folder?); rerunning');
    expect(readFileSync(join(dir, 'out', 'trace.jsonl'), 'utf8')).toContain('"client_id":"a"');
    expect(readFileSync(join(dir, 'out', 'a-profile.json'), 'utf8')).toContain('"a"');
    expect((await runCli('run', a)).stderr).toContain('[a] fit: unchanged, skipped');
  });
});

describe('servegen run: a stage option that its command does not take', () => {
  it('is refused before any stage runs, naming the stage and the option (a typo\'d --seeed in a later stage ran the earlier ones first)', async () => {
    const dir = logDir();
    const file = join(dir, 'typo.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'typo',
        stages: [
          { name: 'ingest', run: ['ingest', 'log.csv', '--map', 'a.map.json', '--out', 'trace.jsonl'], inputs: ['log.csv'], outputs: ['trace.jsonl'] },
          { name: 'fit', run: ['fit', 'trace.jsonl', '--seeed=1', '--out', 'profile.json'], inputs: ['trace.jsonl'], outputs: ['profile.json'] },
        ],
      }),
    );
    const r = await runCli('run', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${file}: stage fit: fit has no option --seeed; did you mean "--seed" for "--seeed"? (servegen fit --help lists them)\n`);
    expect(r.stderr).not.toContain('[typo] ingest');
  });

  it('lets every committed pipeline through (their options are all known)', async () => {
    const { readPipeline, unknownStageOption } = await import('../../src/cli/run.js');
    const { buildProgram } = await import('../../src/cli/main.js');
    const program = buildProgram();
    for (const name of ['azure-code', 'azure-conv', 'batch-fidelity', 'burstgpt-slice', 'main-job', 'mooncake-conversation', 'share-anonymized']) {
      const file = join('pipelines', `${name}.json`);
      expect(unknownStageOption(file, readPipeline(file), program)).toBeUndefined();
    }
  });
});

describe('servegen capacity: a generated trace that is no draw of the source', () => {
  it('is warned about (its origin or its clients are another log\'s); a draw of the source\'s own profile, naive baseline included (its client is "naive"), is not', async () => {
    const dir = logDir();
    const log = join(dir, 'log.csv');
    const other = join(dir, 'other.csv');
    writeFileSync(other, readFileSync(CONV, 'utf8').split('\n').filter((_, i) => i === 0 || i > 2000).slice(0, 401).join('\n') + '\n');
    for (const [src, name] of [[log, 'own'], [other, 'other']]) {
      expect((await runCli('fit', src, '--preset', 'azure-llm-2023', '--out', join(dir, `${name}.json`), '--quiet')).code).toBe(0);
      expect((await runCli('generate', join(dir, `${name}.json`), '--duration', '60', '--seed', '1', '--out', join(dir, `${name}.jsonl`), '--quiet')).code).toBe(0);
    }
    expect((await runCli('generate', join(dir, 'own.json'), '--duration', '60', '--seed', '1', '--naive', '--out', join(dir, 'naive.jsonl'), '--quiet')).code).toBe(0);
    const json = join(dir, 'capacity.json');
    const r = await runCli('capacity', log, '--source-preset', 'azure-llm-2023', join(dir, 'own.jsonl'), join(dir, 'naive.jsonl'), join(dir, 'other.jsonl'), '--json', json);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: \S*other\.jsonl: its profile's times start at \S+, the source's at \S+: it is likely not generated from a profile of \S*log\.csv/);
    expect(r.stderr.match(/warning:/g)).toHaveLength(1);
    // The JSON row says so too (a batch job reading --json alone missed it; an audit leftover).
    const rows = (JSON.parse(readFileSync(json, 'utf8')) as { traces: { file: string; not_a_draw?: string }[] }).traces;
    expect(rows.map((t) => t.not_a_draw === undefined)).toEqual([true, true, true, false]);
    expect(rows[3].not_a_draw).toMatch(/^its profile's times start at \S+, the source's at \S+$/);
  });
});

describe('servegen fidelity-table over reports of other tool versions', () => {
  /** A minimal valid report (one metric) as `validate --json` writes it, with `extra` over it. */
  function report(dir: string, name: string, extra: Record<string, unknown>): string {
    const file = join(dir, `${name}.json`);
    const base = { format: 'servegen-fidelity', version: 1, tool: 'servegen-ts@0.1.0', pass: true, failed: [], source: { requests: 10 }, metrics: { iat_ks: { value: 0.1, threshold: 0.2, pass: true } } };
    writeFileSync(file, JSON.stringify({ ...base, ...extra }));
    return file;
  }

  it('refuses a newer version\'s report by name (it was tabled as if this tool could read it)', async () => {
    const dir = tempDir();
    const r = await runCli('fidelity-table', report(dir, 'now', {}), report(dir, 'next', { version: 2 }));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${join(dir, 'next.json')}: fidelity report version 2 is newer than this tool supports (1); upgrade servegen-ts\n`);
  });

  it('notes reports of several tool versions (an older run\'s beside this one\'s) and records each row\'s tool in the JSON', async () => {
    const dir = tempDir();
    const out = join(dir, 'table.json');
    const r = await runCli('fidelity-table', report(dir, 'now', {}), report(dir, 'old', { tool: 'servegen-ts@0.0.9', pass: false, failed: ['iat_ks'] }), '--json', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('note: the reports were written by 2 tool versions (servegen-ts@0.1.0: now; servegen-ts@0.0.9: old): their metrics and thresholds may differ');
    expect(JSON.parse(readFileSync(out, 'utf8')).traces.map((t: { tool: string }) => t.tool)).toEqual(['servegen-ts@0.1.0', 'servegen-ts@0.0.9']);
    expect((await runCli('fidelity-table', report(dir, 'a', {}), report(dir, 'b', {}))).stderr).not.toContain('tool versions');
  });
});

describe('servegen run: a misspelt required key in a spec', () => {
  it('is named with the key it likely means (it said only `missing "stages"` / `missing "run"`)', async () => {
    const dir = tempDir();
    const file = join(dir, 'p.json');
    writeFileSync(file, JSON.stringify({ name: 'p', stage: [] }));
    expect((await runCli('run', file)).stderr).toBe(`servegen: ${file}: top level: unknown key "stage"; did you mean "stages"? (allowed here: name, description, stages)\n`);
    writeFileSync(file, JSON.stringify({ name: 'p', stages: [{ name: 'fit', rum: ['fit'], outputs: ['p.json'] }] }));
    const r = await runCli('run', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${file}: stages[0] (stage 1): unknown key "rum"; did you mean "run"? (allowed here: name, run, inputs, outputs, allow_failure)\n`);
  });
});
