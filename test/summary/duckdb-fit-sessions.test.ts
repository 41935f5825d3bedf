import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { createRng } from '../../src/stats/rng.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { sessionStatsWithDuckDB, sessionsTooManyNote } from '../../src/summary/duckdb-sessions.js';

/**
 * A chat log of 4 clients with sessions (seed 3): 1–8 turns a session, each turn's input grown
 * from the last, a 1 s clock with a fifth of turns at the time of the one before (turns at one
 * time), some rows without a session or without an input, a session id used by two clients,
 * and a small client `d` (pooled below --min-client-requests 40). Rows in time order.
 */
function chatLog(): string {
  const rng = createRng(3);
  const rows: { t: number; line: string }[] = [];
  for (const [client, sessions] of [['a', 120], ['b', 80], ['c', 60], ['d', 6]] as const) {
    let t = 0;
    for (let s = 0; s < sessions; s++) {
      t += 1 + 30 * rng.next();
      let input = 100 + Math.floor(2000 * rng.next());
      const turns = 1 + Math.floor(8 * rng.next());
      for (let k = 0, tt = t; k < turns; k++, tt += rng.next() < 0.2 ? 0 : 5 + 60 * rng.next()) {
        if (k > 0) input += 20 + Math.floor(800 * rng.next());
        const x = rng.next() < 0.05 ? '' : String(input);
        rows.push({ t: Math.floor(tt), line: `${Math.floor(tt)},${client},${client === 'b' && s < 3 ? `a-s${s}` : `${client}-s${s}`},${x},100` });
      }
      if (rng.next() < 0.3) rows.push({ t: Math.floor(t + 2), line: `${Math.floor(t + 2)},${client},,${100 + Math.floor(500 * rng.next())},50` });
    }
  }
  rows.sort((x, y) => x.t - y.t);
  return ['time,client,session,input,output', ...rows.map((r) => r.line)].join('\n') + '\n';
}

const MAP = { columns: { timestamp: 'time', client_id: 'client', session_id: 'session', input_tokens: 'input', output_tokens: 'output' }, timestamp: { unit: 's' } };

/** A profile without its provenance and aggregate rate model (fitted to 5-minute buckets from rows, to windows' counts by the DuckDB engine: a difference of its own). */
function read(file: string): Record<string, unknown> {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  delete p.provenance;
  delete p.aggregate;
  return p;
}

describe('fit --engine duckdb: session statistics as --engine ts fits them', () => {
  it('a multi-client chat log (turns at one time, absent inputs, a pooled small client): equal profiles, sessions included', async () => {
    const dir = tempDir();
    const log = join(dir, 'chat.csv');
    writeFileSync(log, chatLog());
    writeFileSync(join(dir, 'map.json'), JSON.stringify(MAP));
    for (const extra of [[], ['--min-client-requests', '40']]) {
      const ts = await runCli('fit', log, '--map', join(dir, 'map.json'), '--engine', 'ts', '--out', join(dir, 'ts.json'), ...extra);
      expect(ts.code, ts.stderr).toBe(0);
      const duck = await runCli('fit', log, '--map', join(dir, 'map.json'), '--engine', 'duckdb', '--out', join(dir, 'd.json'), ...extra);
      expect(duck.code, duck.stderr).toBe(0);
      expect(duck.stderr).not.toContain('no session statistics');
      const a = read(join(dir, 'ts.json'));
      const b = read(join(dir, 'd.json'));
      const clients = a.clients as { id: string; sessions?: Record<string, unknown> }[];
      // Before the fix: no client of the DuckDB engine's profile had sessions.
      expect(clients.map((c) => c.id).sort()).toEqual(extra.length ? ['a', 'b', 'c', 'tail'] : ['a', 'b', 'c', 'd']);
      expect(clients.every((c) => c.sessions && c.sessions.input_rank_by_turn && typeof c.sessions.input_rank_turn_copula === 'number')).toBe(true);
      expect(b).toEqual(a);
    }
  }, 60_000);

  it('the same log in two files whose times interleave: the same sessions from either engine as from one file', async () => {
    const dir = tempDir();
    const [head, ...lines] = chatLog().trim().split('\n');
    writeFileSync(join(dir, 'one.csv'), [head, ...lines].join('\n') + '\n');
    writeFileSync(join(dir, 'p1.csv'), [head, ...lines.filter((_, i) => i % 3 !== 0)].join('\n') + '\n');
    writeFileSync(join(dir, 'p2.csv'), [head, ...lines.filter((_, i) => i % 3 === 0)].join('\n') + '\n');
    writeFileSync(join(dir, 'map.json'), JSON.stringify(MAP));
    const sessionsOf = async (engine: string, ...inputs: string[]) => {
      const out = join(dir, `${engine}-${inputs.length}.json`);
      expect((await runCli('fit', ...inputs, '--map', join(dir, 'map.json'), '--engine', engine, '--out', out, '--quiet')).code).toBe(0);
      return (read(out).clients as { id: string; sessions?: unknown }[]).map((c) => [c.id, c.sessions]);
    };
    const one = await sessionsOf('ts', join(dir, 'one.csv'));
    expect(await sessionsOf('ts', join(dir, 'p1.csv'), join(dir, 'p2.csv'))).toEqual(one);
    expect(await sessionsOf('duckdb', join(dir, 'p1.csv'), join(dir, 'p2.csv'))).toEqual(one);
  }, 60_000);

  it("BurstGPT's slice (394 of 400 rows in sessions): equal sessions, without the old note", async () => {
    const dir = tempDir();
    const burst = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    expect((await runCli('fit', burst, '--preset', 'burstgpt', '--engine', 'ts', '--out', join(dir, 'ts.json'), '--quiet')).code).toBe(0);
    const duck = await runCli('fit', burst, '--preset', 'burstgpt', '--engine', 'duckdb', '--out', join(dir, 'd.json'));
    expect(duck.code).toBe(0);
    expect(duck.stderr).not.toContain('session');
    const a = read(join(dir, 'ts.json'));
    expect((a.clients as { sessions?: unknown }[]).filter((c) => c.sessions).length).toBe(2);
    expect(read(join(dir, 'd.json'))).toEqual(a);
  }, 30_000);

  it('more rows than the pass holds: no statistics, and a note saying why', async () => {
    const dir = tempDir();
    const log = join(dir, 'chat.csv');
    writeFileSync(log, chatLog());
    const mapping = parseMapping(MAP, 'm');
    const all = await sessionStatsWithDuckDB([log], mapping, { lengthSeconds: 21600 });
    expect([...all!.stats!.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    const rows = chatLog().trim().split('\n').length - 1;
    const few = await sessionStatsWithDuckDB([log], mapping, { lengthSeconds: 21600, maxRows: rows - 1 });
    expect(few).toEqual({ tooMany: { rows, max: rows - 1 } });
    expect(sessionsTooManyNote(few!.tooMany!)).toContain(`${rows} accepted rows are more than the DuckDB engine's session pass holds (${rows - 1}): the profile has no session statistics`);
    // Without session_id mapped: no pass.
    expect(await sessionStatsWithDuckDB([log], parseMapping({ ...MAP, columns: Object.fromEntries(Object.entries(MAP.columns).filter(([k]) => k !== 'session_id')) }, 'm'), { lengthSeconds: 21600 })).toBeUndefined();
  }, 30_000);
});
