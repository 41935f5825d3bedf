/**
 * Commands load the Parquet and Arrow packages (apache-arrow, hyparquet, hyparquet-writer: ~770
 * of ~1 900 module resolutions, ~30 % of a command's start-up CPU) and @duckdb/node-api only
 * when they read or write those formats or run the DuckDB engine. Each command is run in a child
 * Node from the sources, with a module-resolution hook that names the packages loaded; the
 * Parquet case is the control that the hook sees them.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const WATCHED = /\/node_modules\/(apache-arrow|hyparquet|hyparquet-writer|hyparquet-compressors)\//;

let register = '';
beforeAll(() => {
  const dir = tempDir();
  const hook = join(dir, 'hook.mjs');
  writeFileSync(hook, `export async function resolve(s, c, next) { const r = await next(s, c); const m = ${WATCHED}.exec(r.url); if (m) process.stderr.write('LOADED ' + m[1] + '\\n'); return r; }\n`);
  register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hook).href)});\n`);
});

/** The packages a CLI run loaded (ESM by the hook; @duckdb/node-api, CommonJS, from require's cache). */
function loaded(args: string[]): { code: number | null; packages: string[]; stderr: string } {
  const script = `import { createRequire } from 'node:module'; import { main } from './src/cli/main.ts'; process.exitCode = await main(['node', 'servegen', ...${JSON.stringify(args)}]); if (Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/@duckdb/node-api/'))) process.stderr.write('LOADED @duckdb/node-api\\n');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', register, '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  const packages = [...new Set(r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7)))].sort();
  return { code: r.status, packages, stderr: r.stderr };
}

describe('packages loaded when first used', () => {
  const profile = fixture('profiles', 'essentials.json');

  it('--help and generating JSON lines load none of them', () => {
    const help = loaded(['--help']);
    expect(help.code).toBe(0);
    expect(help.packages).toEqual([]);
    const gen = loaded(['generate', profile, '--duration', '60', '--out', join(tempDir(), 'g.jsonl'), '--quiet']);
    expect(gen.code, gen.stderr).toBe(0);
    expect(gen.packages).toEqual([]);
  }, 60_000);

  it('writing Parquet loads the writer, reading it back the reader; the DuckDB engine loads DuckDB', () => {
    const out = join(tempDir(), 'g.parquet');
    const gen = loaded(['generate', profile, '--duration', '60', '--out', out, '--quiet']);
    expect(gen.code, gen.stderr).toBe(0);
    expect(gen.packages).toContain('hyparquet-writer');
    expect(gen.packages).not.toContain('apache-arrow');
    const read = loaded(['inspect', out]);
    expect(read.code, read.stderr).toBe(0);
    expect(read.packages).toContain('hyparquet');
    const duck = loaded(['inspect', out, '--engine', 'duckdb']);
    expect(duck.code, duck.stderr).toBe(0);
    expect(duck.packages).toContain('@duckdb/node-api');
  }, 60_000);
});
