import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { convProfile, runCli } from './run-cli.js';

// `generate profile.json --duration 60 --scale 2 --out g.jsonl` said "error: unknown option
// '--scale' (Did you mean --shape?)": --shape is the IAT shape's source, not the rate, which is
// --rate scale:2 (found by a new user's review, session 38: a serving team asked for "--scale").

let dir: string;
let profile: string;

beforeAll(async () => {
  ({ dir, profile } = await convProfile());
});

describe('generate: a rate given as its own flag', () => {
  it('names the --rate spec it means, with the value given, and writes nothing', async () => {
    const cases: [string[], string][] = [
      [['--scale', '2'], "error: unknown option '--scale': the rate is set by --rate scale:K (every client × K) (here: --rate scale:2)"],
      [['--scale=0.5'], "error: unknown option '--scale': the rate is set by --rate scale:K (every client × K) (here: --rate scale:0.5)"],
      [['--peak', '50'], "error: unknown option '--peak': the rate is set by --rate peak:R (the busiest window at R req/s) (here: --rate peak:50)"],
      [['--qps', '20'], "error: unknown option '--qps': the rate is set by --rate constant:R (R req/s in all) (here: --rate constant:20)"],
      [['--constant', 'x'], "error: unknown option '--constant': the rate is set by --rate constant:R (R req/s in all)"],
    ];
    for (const [flag, message] of cases) {
      const out = join(dir, 'g.jsonl');
      const r = await runCli('generate', profile, '--duration', '60', ...flag, '--out', out);
      expect(r.code, flag.join(' ')).toBe(2);
      expect(r.stderr, flag.join(' ')).toBe(`${message}\n(run with --help for usage)\n`);
      expect(r.stderr).not.toContain('--shape');
      expect(existsSync(out)).toBe(false);
    }
  });

  it('also before a missing --duration is named', async () => {
    const r = await runCli('generate', profile, '--scale', '2', '--out', join(dir, 'g.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: unknown option '--scale': the rate is set by --rate scale:K .*\(here: --rate scale:2\)\n/);
  });

  it('other unknown flags keep commander\'s suggestion', async () => {
    const r = await runCli('generate', profile, '--duration', '60', '--shap', 'cv', '--out', join(dir, 'g.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: unknown option '--shap'\n\(Did you mean --shape\?\)/);
  });

  it('in a pipeline stage, servegen run names the --rate spec too (before any stage runs)', async () => {
    const file = join(dir, 'scale.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'scale',
        stages: [{ name: 'gen', run: ['generate', profile, '--duration', '60', '--scale', '3', '--out', 'g.jsonl'], inputs: [profile], outputs: ['g.jsonl'] }],
      }),
    );
    const r = await runCli('run', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${file}: stage gen: generate has no option --scale: the rate is set by --rate scale:K (every client × K) (here: --rate scale:3) (servegen generate --help lists them)\n`);
  });
});
