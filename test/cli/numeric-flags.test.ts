import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

/**
 * Every numeric flag of every command, given values that are not what it takes: exit 2 with a
 * message naming the flag, and no output file (a NaN once reached summaries with exit 0).
 */
describe('numeric flags reject bad values by name', () => {
  const dir = tempDir();
  const trace = fixture('formats', 'trace.csv');
  const map = join(dir, 'map.json');
  writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: ['model', 'log_type'], input_tokens: 'input', output_tokens: 'output' }, timestamp: { unit: 's' } }));
  const profile = fixture('profiles', 'essentials.json');
  const out = (name: string) => join(dir, name);

  // [command and valid arguments, flag, bad values]
  const cases: [string[], string, string[]][] = [
    [['ingest', trace, '--map', map, '--out', out('i.jsonl')], '--max-reject-ratio', ['abc', '-0.1', '1.5', '', '150%', '%', 'abc%', '5%%']],
    [['summarize', trace, '--map', map, '--out', out('s.json')], '--window', ['abc', '0', '-5', 'NaN', 'Infinity', '1e-12', '9e-7']],
    [['summarize', trace, '--map', map, '--out', out('s.json')], '--length-window', ['abc', '0', '1e-9']],
    [['summarize', trace, '--map', map, '--out', out('s.json')], '--resolution', ['abc', '-1', '600', '1000']],
    [['summarize', trace, '--map', map, '--out', out('s.json')], '--origin', ['abc', 'yesterday']],
    [['summarize', trace, '--map', map, '--out', out('s.json')], '--max-reject-ratio', ['abc']],
    [['summarize', trace, '--map', map, '--engine', 'duckdb', '--out', out('s.json')], '--duckdb-memory', ['lots', '12']],
    [['sql', '--preset', 'burstgpt', '--source', 't'], '--window', ['abc', '0', '1e-12']],
    [['sql', '--preset', 'burstgpt', '--source', 't'], '--length-window', ['abc', '1e-7']],
    [['sql', '--preset', 'burstgpt', '--source', 't'], '--resolution', ['abc', '1000']],
    [['sql', '--preset', 'burstgpt', '--source', 't'], '--origin', ['abc']],
    [['fit', trace, '--map', map, '--out', out('p.json')], '--window', ['abc', '0', '1e-12']],
    [['fit', trace, '--map', map, '--out', out('p.json')], '--length-window', ['abc', '1e-7']],
    [['fit', trace, '--map', map, '--out', out('p.json')], '--min-arrivals', ['abc', '-1']],
    [['fit', trace, '--map', map, '--out', out('p.json')], '--min-client-requests', ['abc', '-1']],
    [['fit', trace, '--map', map, '--out', out('p.json')], '--resolution', ['abc', '600']],
    [['fit', trace, '--map', map, '--out', out('p.json')], '--max-reject-ratio', ['abc']],
    [['fit', trace, '--map', map, '--anonymize', '--out', out('p.json')], '--dp-epsilon', ['abc', '0', '-1']],
    [['generate', profile, '--out', out('g.jsonl'), '--duration', '60'], '--start', ['abc']],
    [['generate', profile, '--out', out('g.jsonl')], '--duration', ['abc', '0', '-60']],
    [['generate', profile, '--out', out('g.jsonl'), '--duration', '60'], '--rate', ['abc', 'constant:abc', 'constant:-1', 'scale:', 'scale:0x10', 'constant: 5x', 'peak:0b11']],
    // Number() alone took hex and binary (found by review: scale:0x10 ran at ×16).
    [['generate', profile, '--out', out('g.jsonl')], '--duration', ['0x3c', ' 0x3c', '6 0']],
    [['fit', trace, '--map', map, '--out', out('p.json')], '--window', ['0x258', '600 s']],
    [['ingest', trace, '--map', map, '--out', out('i.jsonl')], '--max-reject-ratio', ['0x0']],
    [['generate', profile, '--out', out('g.jsonl'), '--duration', '60'], '--clients', ['top:abc', 'top:0']],
    [['generate', profile, '--out', out('g.jsonl'), '--duration', '60'], '--max-requests', ['abc', '-1', '1000000.5']],
    // Integer seeds are taken modulo 2^64: 2^64 gave seed 0's very output (found by review).
    [['generate', profile, '--out', out('g.jsonl'), '--duration', '60'], '--seed', ['18446744073709551616', '9223372036854775808', '-9223372036854775809']],
    [['fit', trace, '--map', map, '--anonymize', '--dp-epsilon', '1', '--out', out('p.json')], '--seed', ['18446744073709551616']],
    [['roundtrip', trace, '--map', map, '--out', out('rt')], '--seed', ['18446744073709551616']],
    [['validate', trace, trace, '--source-map', map, '--generated-map', map], '--window', ['abc', '0', '1e-12']],
    [['validate', trace, trace, '--source-map', map, '--generated-map', map], '--source-max-reject-ratio', ['abc']],
    [['validate', trace, trace, '--source-map', map, '--generated-map', map], '--generated-max-reject-ratio', ['2']],
    [['roundtrip', trace, '--map', map, '--out', out('rt')], '--max-reject-ratio', ['abc']],
    [['inspect', trace, '--map', map], '--max-reject-ratio', ['abc']],
    [['inspect', trace, '--map', map, '--engine', 'duckdb'], '--duckdb-memory', ['lots']],
  ];

  it(`${cases.length} flags × their bad values`, async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const [args, flag, values] of cases) {
      for (const v of values) {
        const r = await runCli(...args, flag, v, ...(args[0] === 'sql' ? [] : ['--quiet']));
        checked++;
        const label = `${args[0]} ${flag} ${JSON.stringify(v)}`;
        if (r.code !== 2) failures.push(`${label}: exit ${r.code} (${r.stderr.trim().split('\n')[0] ?? ''})`);
        else if (!r.stderr.includes(flag)) failures.push(`${label}: message does not name the flag: ${r.stderr.trim()}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(cases.reduce((a, c) => a + c[2].length, 0));
    for (const f of ['i.jsonl', 's.json', 'p.json', 'g.jsonl']) expect(existsSync(out(f)), f).toBe(false);
  }, 120_000);

  it('take spaces around the number, as --rate and capacity do (numeric flags refused them while those took them)', async () => {
    const g = out('padded.jsonl');
    const r = await runCli('generate', profile, '--out', g, '--duration', ' 60', '--start', '0 ', '--rate', 'constant: 5 ', '--max-requests', ' 1000', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const plain = out('plain.jsonl');
    expect((await runCli('generate', profile, '--out', plain, '--duration', '60', '--start', '0', '--rate', 'constant:5', '--max-requests', '1000', '--quiet')).code).toBe(0);
    const body = (f: string) => readFileSync(f, 'utf8').split('\n').slice(1).join('\n');
    expect(body(g)).toBe(body(plain));
    const p = out('padded.json');
    expect((await runCli('fit', trace, '--map', map, '--window', '600 ', '--max-reject-ratio', ' 5%', '--out', p, '--quiet')).code).toBe(0);
  });

  it('say that --seed with spaces around a whole number is a text seed, not the number (numeric flags drop the spaces, --seed \' 42\' wrote another trace than --seed 42 without a word)', async () => {
    const padded = out('seed-padded.jsonl');
    const r = await runCli('generate', profile, '--out', padded, '--duration', '60', '--seed', ' 42');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: --seed " 42" is a text seed (the spaces are part of it), not the number 42');
    // The output is the text seed's, as before.
    const plain = out('seed-plain.jsonl');
    expect((await runCli('generate', profile, '--out', plain, '--duration', '60', '--seed', '42', '--quiet')).code).toBe(0);
    const body = (f: string) => readFileSync(f, 'utf8').split('\n').slice(1).join('\n');
    expect(body(padded)).not.toBe(body(plain));
    expect((await runCli('generate', profile, '--out', out('seed-text.jsonl'), '--duration', '60', '--seed', 'my seed')).stderr).not.toMatch(/--seed/);
    const rt = await runCli('roundtrip', trace, '--map', map, '--out', out('rt'), '--seed', '7 ');
    expect(rt.stderr).toContain('warning: --seed "7 " is a text seed');
  }, 120_000);
});
