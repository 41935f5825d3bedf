import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

// The files users hand-edit or hand over — profiles, mapping files, pipeline specs — mutated key
// by key (a seeded, fixed subset of what `node bench/fuzz-inputs.mjs` sweeps): every mutation is
// accepted with sane output or refused with exit 2 naming the file, never exit 3 or a stack trace.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const REPLACEMENTS: Json[] = ['x', 5, -1, 0, 1e308, 0.5, null, 'NaN', true, [], {}];

/** Every JSON path of a value (arrays: first, second and last element). */
function paths(value: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (at.length > 0) out.push(at);
  if (Array.isArray(value)) {
    for (const i of new Set([0, 1, value.length - 1])) if (i >= 0 && i < value.length) paths(value[i], [...at, i], out);
  } else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) paths(value[k], [...at, k], out);
  }
  return out;
}

/** A copy of `doc` with the value at `at` replaced (undefined: deleted). */
function mutate(doc: Json, at: (string | number)[], replace: (v: Json) => Json | undefined): Json {
  const copy = structuredClone(doc);
  let o = copy as Record<string | number, Json>;
  for (const k of at.slice(0, -1)) o = o[k] as Record<string | number, Json>;
  const last = at[at.length - 1];
  const r = replace(o[last]);
  if (r !== undefined) o[last] = r;
  else if (Array.isArray(o)) o.splice(last as number, 1);
  else delete o[last];
  return copy;
}

/** `count` mutations of `doc`, picked by a fixed LCG so every run tests the same ones. */
function seededMutations(doc: Json, count: number, seed: number): { name: string; doc: Json }[] {
  const all = paths(doc);
  const out: { name: string; doc: Json }[] = [];
  let s = seed >>> 0;
  const next = (n: number) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s % n);
  for (let i = 0; i < count; i++) {
    const at = all[next(all.length)];
    const kind = next(REPLACEMENTS.length + 3);
    const name = at.join('.');
    if (kind === REPLACEMENTS.length) out.push({ name: `delete ${name}`, doc: mutate(doc, at, () => undefined) });
    else if (kind === REPLACEMENTS.length + 1) out.push({ name: `${name} reversed or extended`, doc: mutate(doc, at, (v) => (Array.isArray(v) ? [...v].reverse().concat(v.slice(-1)) : v)) });
    else if (kind === REPLACEMENTS.length + 2) out.push({ name: `${name} unknown key`, doc: mutate(doc, at, (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v, zzz: 1 } : v)) });
    else out.push({ name: `${name} = ${JSON.stringify(REPLACEMENTS[kind])}`, doc: mutate(doc, at, () => structuredClone(REPLACEMENTS[kind])) });
  }
  return out;
}

/** The contract of a refused input: exit 2, one message naming the file, no stack trace. */
function expectRefusedOrOk(res: { code: number; stderr: string }, file: string, what: string): void {
  expect([0, 2], `${what}: ${res.stderr}`).toContain(res.code);
  expect(res.stderr, what).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  if (res.code === 2) expect(res.stderr, what).toContain(file);
}

/** What is wrong with a generated jsonl trace, or null. */
function traceProblem(file: string): string | null {
  if (!existsSync(file)) return 'no output';
  let prev = -Infinity;
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(1)) {
    const r = JSON.parse(line) as Record<string, unknown>;
    const t = r.timestamp as number;
    if (!(Number.isFinite(t) && t >= 0 && t >= prev)) return `bad timestamp: ${line}`;
    prev = t;
    for (const k of ['input_tokens', 'output_tokens', 'reasoning_tokens']) {
      if (k in r && !(Number.isInteger(r[k]) && (r[k] as number) >= 0)) return `bad ${k}: ${line}`;
    }
    if (Array.isArray(r.hash_ids) && !r.hash_ids.every((h) => Number.isInteger(h) && h >= 0)) return `bad hash_ids: ${line}`;
  }
  return null;
}

let dir: string;
let profile: string;

/** A profile fitted from the BurstGPT slice (sessions, levels), fitted once per file run. */
async function burstProfile(): Promise<string> {
  const src = join(dir, 'burst.json');
  if (!existsSync(src)) expect((await runCli('fit', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), '--preset', 'burstgpt', '--out', src, '--quiet')).code).toBe(0);
  return src;
}

beforeAll(async () => {
  dir = tempDir();
  profile = join(dir, 'mooncake.json');
  // Mooncake: a fitted profile with every kind of section generate reads (prefix, gap memory).
  const fit = await runCli('fit', fixture('traces', 'mooncake', 'synthetic_trace.jsonl.gz'), '--preset', 'mooncake', '--out', profile, '--quiet');
  expect(fit.code, fit.stderr).toBe(0);
});

describe('bad-input audit: profiles', () => {
  it('a seeded sample of mutated profiles: generate and inspect accept them with sane output or refuse them naming the file', async () => {
    const doc = JSON.parse(readFileSync(profile, 'utf8')) as Json;
    const file = join(dir, 'p.json');
    const out = join(dir, 'g.jsonl');
    for (const m of seededMutations(doc, 24, 82)) {
      writeFileSync(file, JSON.stringify(m.doc));
      rmSync(out, { force: true });
      const gen = await runCli('generate', file, '--duration', '600', '--seed', '1', '--out', out, '--quiet');
      expectRefusedOrOk(gen, file, `generate ${m.name}`);
      if (gen.code === 0) expect(traceProblem(out), `generate ${m.name}`).toBeNull();
      expectRefusedOrOk(await runCli('inspect', file, '--json'), file, `inspect ${m.name}`);
    }
  }, 60_000);

  it('a profile without its "format" key is refused by inspect as a profile lacking it (it was read as a trace: "mapping names column timestamp not in any row")', async () => {
    const doc = JSON.parse(readFileSync(profile, 'utf8')) as Record<string, Json>;
    delete doc.format;
    for (const [name, text] of [['compact', JSON.stringify(doc)], ['as fit writes it', readFileSync(profile, 'utf8').replace(/"format": "servegen-profile",\s*/, '')]]) {
      const file = join(dir, `no-format-${name.length}.json`);
      writeFileSync(file, text);
      const res = await runCli('inspect', file);
      expect(res.code, name).toBe(2);
      expect(res.stderr, name).toBe(`servegen: ${file}: not a servegen profile (no "format" key, expected "servegen-profile")\n`);
    }
  });

  it('a byte-order mark, as Windows editors save UTF-8, is read past in a profile, a mapping and a pipeline spec (each was "1:1: invalid JSON")', async () => {
    const bom = join(dir, 'bom.json');
    writeFileSync(bom, '\ufeff' + readFileSync(profile, 'utf8'));
    const gen = await runCli('generate', bom, '--duration', '60', '--out', join(dir, 'bom.jsonl'), '--quiet');
    expect(gen.code, gen.stderr).toBe(0);
    expect((await runCli('inspect', bom, '--json')).code).toBe(0);
    const map = join(dir, 'bom-map.json');
    writeFileSync(map, '\ufeff' + readFileSync(join(import.meta.dirname, '..', '..', 'presets', 'azure-llm-2023.json'), 'utf8'));
    const ing = await runCli('ingest', fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), '--map', map, '--out', join(dir, 'bom-t.jsonl'), '--quiet');
    expect(ing.code, ing.stderr).toBe(0);
    const spec = join(dir, 'bom-pipe.json');
    writeFileSync(spec, '\ufeff' + JSON.stringify({ name: 'bom', stages: [{ name: 'gen', run: ['generate', profile, '--duration', '60', '--out', 'g.jsonl'], inputs: [profile], outputs: ['g.jsonl'] }] }));
    const run = await runCli('run', spec, '--quiet');
    expect(run.code, run.stderr).toBe(0);
  });

  it('a key twice in one object of a profile is refused naming file, line and key (JSON kept the last one without a word)', async () => {
    const text = readFileSync(profile, 'utf8');
    const at = text.indexOf('"rate":');
    const file = join(dir, 'dup.json');
    writeFileSync(file, `${text.slice(0, at)}"rate": 99, ${text.slice(at)}`);
    for (const args of [['generate', file, '--duration', '60', '--out', join(dir, 'dup.jsonl')], ['inspect', file], ['export-servegen', file, '--out', join(dir, 'dup-pool')]]) {
      const res = await runCli(...args);
      expect(res.code, args[0]).toBe(2);
      expect(res.stderr, args[0]).toMatch(new RegExp(`^servegen: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: key "rate" appears twice in clients\\[0\\]\\.arrivals\\[0\\] \\(JSON keeps only the last one\\); remove one of them\n$`));
    }
  });

  it('a length past the 32-bit counts a trace holds is refused by path (a Parquet output was an internal error, exit 3)', async () => {
    const doc = JSON.parse(readFileSync(profile, 'utf8')) as { clients: { lengths: { fields: Record<string, { pmf: { values: number[]; bins?: { hi: number[] } } }> }[] }[] };
    const pmf = doc.clients[0].lengths[0].fields.output_tokens.pmf;
    const last = pmf.values.length - 1;
    pmf.values[last] = 2 ** 40;
    const file = join(dir, 'huge-length.json');
    writeFileSync(file, JSON.stringify(doc));
    const res = await runCli('generate', file, '--duration', '600', '--out', join(dir, 'huge.parquet'), '--quiet');
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`servegen: ${file}: clients[0].lengths[0].fields.output_tokens.pmf.values[${last}]: output_tokens must be at most 2147483647, got 1099511627776\n`);
    pmf.values[last] = 5_000_000;
    const bins = doc.clients[0].lengths[0].fields.input_tokens.pmf.bins!;
    bins.hi[bins.hi.length - 1] = 2 ** 32;
    writeFileSync(file, JSON.stringify(doc));
    const hi = await runCli('inspect', file);
    expect(hi.code).toBe(2);
    expect(hi.stderr).toBe(`servegen: ${file}: clients[0].lengths[0].fields.input_tokens.pmf.bins.hi[${bins.hi.length - 1}]: input_tokens must be at most 2147483647, got 4294967296\n`);
  });

  it('a rate past what a double holds is named as out of range (it said "about Infinity requests", raise --max-requests)', async () => {
    const doc = JSON.parse(readFileSync(profile, 'utf8')) as { clients: { arrivals: { rate: number }[] }[] };
    doc.clients[0].arrivals[0].rate = 1e308;
    const file = join(dir, 'inf-rate.json');
    writeFileSync(file, JSON.stringify(doc));
    const res = await runCli('generate', file, '--duration', '600', '--out', join(dir, 'inf.jsonl'));
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('servegen: --rate scale:1 over 600 s is expected to give more requests than a number holds: a rate in the profile or in --rate is out of range\n');
  });

  it("a client's session statistics generation cannot draw from are named by file and path (they were named by client id alone); --no-sessions still generates", async () => {
    const src = await burstProfile();
    const doc = JSON.parse(readFileSync(src, 'utf8')) as { clients: { id: string; sessions?: Record<string, unknown> }[] };
    const i = doc.clients.findIndex((c) => c.sessions);
    doc.clients[i].sessions!.session_request_share = 2;
    const file = join(dir, 'bad-sessions.json');
    writeFileSync(file, JSON.stringify(doc));
    const res = await runCli('generate', file, '--duration', '3600', '--out', join(dir, 's.jsonl'), '--quiet');
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`servegen: ${file}: clients[${i}].sessions (client ${JSON.stringify(doc.clients[i].id)}): session_request_share is 2; it must be a share in (0, 1] (fix the profile, or generate with --no-sessions)\n`);
    expect((await runCli('generate', file, '--duration', '3600', '--no-sessions', '--out', join(dir, 's.jsonl'), '--quiet')).code).toBe(0);
  });

  it('a daily cycle whose start no double can place near the span is refused by path (inspect crashed the process, out of memory)', async () => {
    const src = await burstProfile();
    const doc = JSON.parse(readFileSync(src, 'utf8')) as { clients: { levels?: Record<string, unknown> }[] };
    const i = doc.clients.findIndex((c) => c.levels);
    doc.clients[i].levels!.daily = { start: 1e300, bin_seconds: 3600, factors: Array(24).fill(1) };
    const file = join(dir, 'far-daily.json');
    writeFileSync(file, JSON.stringify(doc));
    const res = await runCli('inspect', file);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(new RegExp(`^servegen: .*far-daily\\.json: clients\\[${i}\\]\\.levels\\.daily\\.start: 1e\\+300 is more than 2\\^32 bins of 3600 s from span\\.start`));
  });

  it('an origin no date parser reads is refused naming the file and key (it was taken for none: the calendar lost without a word)', async () => {
    const doc = JSON.parse(readFileSync(profile, 'utf8')) as { span: Record<string, unknown> };
    const file = join(dir, 'bad-origin.json');
    writeFileSync(file, JSON.stringify({ ...doc, span: { ...doc.span, origin: 'yesterday' } }));
    for (const cmd of [['inspect', file], ['generate', file, '--duration', '600', '--out', join(dir, 'o.jsonl')]]) {
      const res = await runCli(...cmd);
      expect(res.code, cmd[0]).toBe(2);
      expect(res.stderr, cmd[0]).toBe(`servegen: ${file}: span.origin: expected an ISO time such as "2023-11-16T18:17:03.000Z", or null for no calendar; got "yesterday"\n`);
    }
    expect(existsSync(join(dir, 'o.jsonl'))).toBe(false);
  });

  it('a profile with nothing to draw is refused by generate naming the file and the key (it said "no clients to generate from")', async () => {
    const doc = JSON.parse(readFileSync(profile, 'utf8')) as { clients: { arrivals: unknown[] }[] };
    const none = join(dir, 'no-clients.json');
    writeFileSync(none, JSON.stringify({ ...doc, clients: [] }));
    const a = await runCli('generate', none, '--duration', '600', '--out', join(dir, 'x.jsonl'));
    expect(a.code).toBe(2);
    expect(a.stderr).toBe(`servegen: ${none}: clients: the profile has no clients, so there is nothing to generate\n`);
    const empty = join(dir, 'no-arrivals.json');
    writeFileSync(empty, JSON.stringify({ ...doc, clients: doc.clients.map((c) => ({ ...c, arrivals: [] })) }));
    const b = await runCli('generate', empty, '--duration', '600', '--out', join(dir, 'x.jsonl'));
    expect(b.code).toBe(2);
    expect(b.stderr).toBe(`servegen: ${empty}: clients[].arrivals: no client has arrival windows, so the profile describes no requests to generate\n`);
  });
});

describe('bad-input audit: mapping files and pipeline specs', () => {
  it('a seeded sample of mutated mapping files: ingest accepts them or refuses them with exit 2', async () => {
    const preset = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'presets', 'azure-llm-2023.json'), 'utf8')) as Json;
    const log = join(dir, 'log.csv');
    writeFileSync(log, readFileSync(fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), 'utf8').split('\n').slice(0, 200).join('\n') + '\n');
    const map = join(dir, 'map.json');
    for (const m of seededMutations(preset, 16, 7)) {
      writeFileSync(map, JSON.stringify(m.doc));
      const res = await runCli('ingest', log, '--map', map, '--out', join(dir, 't.jsonl'), '--quiet');
      expect([0, 2], `${m.name}: ${res.stderr}`).toContain(res.code);
      expect(res.stderr, m.name).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n|internal error/);
    }
  });

  it('a timezone offset past a day or an hour is refused naming the mapping and key (+80:00 moved every time by 80 h without a word)', async () => {
    const map = join(dir, 'tz.json');
    for (const tz of ['+80:00', '+05:75', '-24:00']) {
      writeFileSync(map, JSON.stringify({ columns: { timestamp: 'TIMESTAMP', input_tokens: 'ContextTokens' }, timestamp: { unit: 'iso', timezone: tz } }));
      const res = await runCli('ingest', fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), '--map', map, '--out', join(dir, 'tz.jsonl'), '--quiet');
      expect(res.code, tz).toBe(2);
      expect(res.stderr, tz).toBe(`servegen: ${map}: timestamp.timezone: expected UTC or an offset like +08:00 (hours up to 23, minutes up to 59), got "${tz}"\n`);
    }
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'TIMESTAMP', input_tokens: 'ContextTokens' }, timestamp: { unit: 'iso', timezone: '+14:00' } }));
    expect((await runCli('ingest', fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), '--map', map, '--out', join(dir, 'tz.jsonl'), '--quiet')).code).toBe(0);
  });

  it('a {"const": v} count that every row would reject is refused naming the mapping and key (it was "all 8819 rows rejected" about the log)', async () => {
    const map = join(dir, 'const.json');
    const log = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
    for (const v of [-5, 2.5, 'abc', '0x10']) {
      writeFileSync(map, JSON.stringify({ columns: { timestamp: 'TIMESTAMP', input_tokens: { const: v }, output_tokens: 'GeneratedTokens' }, timestamp: { unit: 'iso' } }));
      const res = await runCli('ingest', log, '--map', map, '--out', join(dir, 'const.jsonl'), '--quiet');
      expect(res.code, String(v)).toBe(2);
      expect(res.stderr, String(v)).toBe(`servegen: ${map}: columns.input_tokens.const: input_tokens must be a whole number from 0 to 2147483647, got ${JSON.stringify(v)} (every row would be rejected)\n`);
    }
    for (const v of [0, '4', ' 7 ', '']) {
      writeFileSync(map, JSON.stringify({ columns: { timestamp: 'TIMESTAMP', input_tokens: { const: v }, output_tokens: 'GeneratedTokens' }, timestamp: { unit: 'iso' } }));
      const res = await runCli('ingest', log, '--map', map, '--out', join(dir, 'const.jsonl'), '--quiet');
      expect(res.code, `${JSON.stringify(v)}: ${res.stderr}`).toBe(0);
    }
  });

  it("a stage's missing input names the spec file and the stage's inputs entry (it named the stage alone)", async () => {
    const spec = join(dir, 'pipe.json');
    writeFileSync(spec, JSON.stringify({ name: 'tiny', stages: [{ name: 'gen', run: ['generate', 'nope.json', '--duration', '60', '--out', 'g.jsonl'], inputs: [profile, 'nope.json'], outputs: ['g.jsonl'] }] }));
    const res = await runCli('run', spec, '--quiet');
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`servegen: ${spec}: stages[0].inputs[1]: [tiny] stage gen: missing input nope.json\n`);
  });
});
