import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const MM = fixture('servegen', 'multimodal', 'mm-image');
const BURST = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
const AZURE_CODE = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');

describe('export-servegen into a directory that holds another pool (found by review)', () => {
  it('is refused with exit 2, naming the directory and leaving its files as they were', async () => {
    const dir = tempDir();
    const mm = join(dir, 'mm.json');
    const fitted = join(dir, 'fitted.json');
    const pool = join(dir, 'pool');
    expect((await runCli('import-servegen', MM, '--out', mm, '--quiet')).code).toBe(0);
    expect((await runCli('fit', BURST, '--preset', 'burstgpt', '--out', fitted, '--quiet')).code).toBe(0);
    expect((await runCli('export-servegen', mm, '--out', pool, '--quiet')).code).toBe(0);
    const before = readFileSync(join(pool, 'chunk-0-trace.csv'));
    const mtime = statSync(join(pool, 'chunk-0-trace.csv')).mtimeMs;
    // Was: exit 0, chunks 0–3 replaced and 31 of mm-image's left, imported back as 35 clients.
    const r = await runCli('export-servegen', fitted, '--out', pool);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^servegen: ${pool}: holds \\d+ pool file\\(s\\) this export would not write \\(chunk-`));
    expect(r.stderr).toContain('Give an empty or new directory');
    expect(readFileSync(join(pool, 'chunk-0-trace.csv')).equals(before)).toBe(true);
    expect(statSync(join(pool, 'chunk-0-trace.csv')).mtimeMs).toBe(mtime);
    // The same profile again into its own pool is fine.
    expect((await runCli('export-servegen', mm, '--out', pool, '--quiet')).code).toBe(0);
    expect(readdirSync(pool).length).toBe(70);
  });
});

describe('export-servegen says which client became which chunk (found by review: ids were renumbered without a word)', () => {
  it('names the renumbered ids on stderr, writes servegen-clients.json, and import-servegen gives the ids back', async () => {
    const dir = tempDir();
    const fitted = join(dir, 'fitted.json');
    const pool = join(dir, 'pool');
    expect((await runCli('fit', BURST, '--preset', 'burstgpt', '--out', fitted, '--quiet')).code).toBe(0);
    const r = await runCli('export-servegen', fitted, '--out', pool);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('note: 4 client id(s) are not chunk numbers, as upstream\'s layout needs: "ChatGPT/Conversation log" → chunk-0, "GPT-4/Conversation log" → chunk-1');
    expect(r.stderr).toContain(`every client's chunk is in ${join(pool, 'servegen-clients.json')}`);
    const map = JSON.parse(readFileSync(join(pool, 'servegen-clients.json'), 'utf8')) as { format: string; chunks: { chunk: number; client: string }[] };
    expect(map.format).toBe('servegen-pool-clients');
    expect(map.chunks).toEqual([
      { chunk: 0, client: 'ChatGPT/Conversation log' },
      { chunk: 1, client: 'GPT-4/Conversation log' },
      { chunk: 2, client: 'ChatGPT/API log' },
      { chunk: 3, client: 'GPT-4/API log' },
    ]);
    const back = join(dir, 'back.json');
    expect((await runCli('import-servegen', pool, '--out', back, '--quiet')).code).toBe(0);
    const a = JSON.parse(readFileSync(fitted, 'utf8')) as { clients: { id: string; requests: number }[] };
    const b = JSON.parse(readFileSync(back, 'utf8')) as { clients: { id: string; requests: number }[] };
    expect(b.clients.map((c) => [c.id, c.requests])).toEqual(a.clients.map((c) => [c.id, c.requests]));
  });

  it('an upstream pool (ids are chunk numbers) exports as upstream wrote it, with no mapping file and no note', async () => {
    const dir = tempDir();
    const mm = join(dir, 'mm.json');
    expect((await runCli('import-servegen', MM, '--out', mm, '--quiet')).code).toBe(0);
    const r = await runCli('export-servegen', mm, '--out', join(dir, 'pool'));
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('note:');
    expect(existsSync(join(dir, 'pool', 'servegen-clients.json'))).toBe(false);
  });

  it('a malformed servegen-clients.json is an error naming it, exit 2', async () => {
    const dir = tempDir();
    const fitted = join(dir, 'fitted.json');
    const pool = join(dir, 'pool');
    await runCli('fit', BURST, '--preset', 'burstgpt', '--out', fitted, '--quiet');
    await runCli('export-servegen', fitted, '--out', pool, '--quiet');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(pool, 'servegen-clients.json'), '{"format": "servegen-pool-clients", "version": 1, "chunks": [{"chunk": 9, "client": "x"}]}');
    const r = await runCli('import-servegen', pool, '--out', join(dir, 'x.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${join(pool, 'servegen-clients.json')}: chunks[0]: chunk 9 has no chunk-9-trace.csv in ${pool}\n`);
  });
});

describe('export-servegen of a profile whose windows start before its origin (found by review)', () => {
  it('imports back (import-servegen refused its own export: window key "-21600" is not a start second)', async () => {
    const dir = tempDir();
    const sums = join(dir, 's.json');
    const profile = join(dir, 'p.json');
    const pool = join(dir, 'pool');
    // The origin after the first request (18:17:03): windows at -3000 … and a length window at -21600.
    expect((await runCli('summarize', AZURE_CODE, '--preset', 'azure-llm-2023', '--origin', '2023-11-16T19:00:00Z', '--out', sums, '--quiet')).code).toBe(0);
    expect((await runCli('fit', '--summaries', sums, '--out', profile, '--quiet')).code).toBe(0);
    const a = JSON.parse(readFileSync(profile, 'utf8')) as { clients: { id: string; requests: number; lengths: { start: number }[] }[] };
    expect(Math.min(...a.clients.flatMap((c) => c.lengths.map((w) => w.start)))).toBeLessThan(0);
    expect((await runCli('export-servegen', profile, '--out', pool, '--quiet')).code).toBe(0);
    const back = join(dir, 'back.json');
    const r = await runCli('import-servegen', pool, '--out', back, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const b = JSON.parse(readFileSync(back, 'utf8')) as typeof a;
    expect(b.clients.map((c) => [c.id, c.requests, c.lengths.map((w) => w.start)])).toEqual(a.clients.map((c) => [c.id, c.requests, c.lengths.map((w) => w.start)]));
  });
});

describe('export-servegen of a profile with a field upstream cannot hold (found by review)', () => {
  it('writes nothing (it left the chunks before the field) and names the profile, client and field', async () => {
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    const csv = join(dir, 'img.csv');
    const rows = ['ts,c,in,out,ic,it'];
    for (let i = 0; i < 300; i++) rows.push(`${i * 2.5},${i % 2 ? 'a' : 'b'},${100 + (i % 37)},${20 + (i % 11)},${i % 3},${(i % 3) * 300}`);
    writeFileSync(csv, rows.join('\n') + '\n');
    const map = join(dir, 'm.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'c', input_tokens: 'in', output_tokens: 'out', image_count: 'ic', image_tokens: 'it' }, timestamp: { unit: 's' } }));
    const profile = join(dir, 'p.json');
    expect((await runCli('fit', csv, '--map', map, '--out', profile, '--quiet')).code).toBe(0);
    const pool = join(dir, 'pool');
    const r = await runCli('export-servegen', profile, '--out', pool);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^servegen: ${profile}: clients\\[0\\] \\("[ab]"\\): length field image_tokens has no upstream equivalent \\(upstream keeps tokens per item, image_tokens_per_item, not per request\\); cannot export, nothing was written\\n$`));
    expect(existsSync(pool) ? readdirSync(pool) : []).toEqual([]);
  });
});

describe('import-servegen --out naming a file of the pool (found by review)', () => {
  it('is refused with exit 2 and the pool is left as it was (--out pool/chunk-0-trace.csv replaced a trace by the profile)', async () => {
    const dir = tempDir();
    const fitted = join(dir, 'fitted.json');
    const pool = join(dir, 'pool');
    await runCli('fit', BURST, '--preset', 'burstgpt', '--out', fitted, '--quiet');
    expect((await runCli('export-servegen', fitted, '--out', pool, '--quiet')).code).toBe(0);
    for (const name of ['chunk-0-trace.csv', 'chunk-1-dataset.json', 'servegen-clients.json']) {
      const target = join(pool, name);
      const before = readFileSync(target);
      const r = await runCli('import-servegen', pool, '--out', target);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toBe(`servegen: --out ${target} is the same file as pool file ${target}: writing it would replace that; give another name\n`);
      expect(readFileSync(target).equals(before), name).toBe(true);
    }
    expect((await runCli('import-servegen', pool, '--out', join(pool, 'profile.json'), '--quiet')).code).toBe(0);
  });
});

describe('import-servegen of a pool with chunk-01 and chunk-1 (found by review)', () => {
  it('is refused, naming both files (one replaced the other and the pool lost a client)', async () => {
    const dir = tempDir();
    const { cpSync } = await import('node:fs');
    const pool = join(dir, 'pool');
    cpSync(MM, pool, { recursive: true });
    cpSync(join(MM, 'chunk-1-trace.csv'), join(pool, 'chunk-01-trace.csv'));
    const r = await runCli('import-servegen', pool, '--out', join(dir, 'p.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${join(pool, 'chunk-1-trace.csv')}: chunk number 1 again (also chunk-01-trace.csv); rename one of them\n`);
  });
});

describe('export-servegen --help', () => {
  it('says where the client → chunk mapping goes and that another pool\'s directory is refused', async () => {
    const { Command } = await import('commander');
    const { registerExportServegen } = await import('../../src/cli/export-servegen.js');
    const program = new Command();
    registerExportServegen(program);
    const help = program.commands[0].helpInformation().replace(/\s+/g, ' ');
    expect(help).toContain('servegen-clients.json');
    expect(help).toContain('one holding another pool is refused');
  });
});
