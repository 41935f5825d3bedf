/**
 * The package as a user installs it: the files `npm pack` puts in it, beside only the
 * dependencies package.json declares. Until this test, `@duckdb/node-api` was a devDependency
 * imported statically, so an installed servegen-ts failed every command — even `--help` — with
 * ERR_MODULE_NOT_FOUND (seen by installing the packed tarball into an empty project). Runs the
 * built dist/ (`npm ci` builds it; run `npm run build` after editing src).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  version: string;
};
const optional = Object.keys(pkg.optionalDependencies ?? {});
const trace = join(root, 'fixtures', 'traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');

/** The files `npm pack` would put in the tarball (scripts not run: dist is what is built). */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
}

/** The package a specifier names: `@scope/name` or `name`, without a subpath. */
const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);

const files = packedFiles();

/** The TypeScript block of the README's "Using the library" section. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Using the library\n'));
  const block = /\n```ts\n([\s\S]*?)\n```\n/.exec(section.slice(0, section.indexOf('\n## ', 1)));
  if (!block) throw new Error('README: no ```ts block in "## Using the library"');
  return block[1] + '\n';
}

describe('the packed package', () => {
  it('holds the CLI, the built library and the presets, and no sources or tests', () => {
    for (const f of ['package.json', 'bin/servegen.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/summary/duckdb-module.js']) expect(files).toContain(f);
    expect(files.some((f) => f.startsWith('presets/'))).toBe(true);
    expect(files.filter((f) => /^(src|test|bench|fixtures)\//.test(f))).toEqual([]);
  });

  it('imports only its dependencies, and its optional ones only on use', () => {
    const declared = new Set([...Object.keys(pkg.dependencies), ...optional]);
    const undeclared: string[] = [];
    const staticOptional: string[] = [];
    for (const f of files.filter((p) => p.endsWith('.js'))) {
      const text = readFileSync(join(root, f), 'utf8');
      // Static imports (type-only ones are erased by tsc) and lazy ones (import(), require()).
      const statics = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?\bfrom\s*'([^']+)'|^\s*import\s*'([^']+)'/gm)].map((m) => m[1] ?? m[2]);
      const lazy = [...text.matchAll(/(?:\bimport|require\)?)\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]);
      for (const spec of [...statics, ...lazy]) {
        if (spec.startsWith('.') || isBuiltin(spec)) continue;
        const name = packageOf(spec);
        // dist/util/worker.js names tsx inside the code a worker evaluates when the parent runs
        // from the TypeScript sources (tests), never from dist.
        if (name === 'tsx' && f === 'dist/util/worker.js') continue;
        if (!declared.has(name)) undeclared.push(`${f}: ${spec}`);
      }
      for (const spec of statics) if (optional.includes(packageOf(spec))) staticOptional.push(`${f}: ${spec}`);
    }
    expect(undeclared).toEqual([]);
    expect(staticOptional).toEqual([]);
    expect(optional).toContain('@duckdb/node-api');
  });
});

describe("the packed package's declarations", () => {
  // Found by listing every export's type against the installed package (h-81): generators
  // declared `Generator<T>` gave `next()`'s done value and argument as `any`.
  it('name no `any`, written or left to a generic default (Generator<T>: return and next types any)', () => {
    // The declarations dist/index.d.ts reaches (internal modules' may name their dependencies' `any`).
    const found: string[] = [];
    const seen = new Set<string>();
    for (const queue = ['dist/index.d.ts']; queue.length > 0; ) {
      const f = queue.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      const code = readFileSync(join(root, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const m of code.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)\.js'/g)) queue.push(join(dirname(f), `${m[1]}.d.ts`));
      for (const m of code.matchAll(/\bany\b|\b(?:Async)?(?:Generator|IterableIterator|Iterator)<[^<>,]*>/g)) found.push(`${f}: ${m[0]}`);
    }
    expect(seen.size).toBeGreaterThan(50);
    expect([...seen].filter((f) => !files.includes(f))).toEqual([]);
    expect(found).toEqual([]);
  });
});

describe('installed without its optional dependencies (npm install --omit=optional, or a platform DuckDB has no binary for)', () => {
  let dir = '';
  let modules = '';
  let bin = '';
  const run = (args: string[], cwd = dir) => {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const link = (name: string) => {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), join(modules, name), 'dir');
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'servegen-installed-'));
    // Resolution walks up from the installed files: nothing above the project may hold packages.
    expect(existsSync(join(dirname(dir), 'node_modules'))).toBe(false);
    modules = join(dir, 'node_modules');
    const home = join(modules, 'servegen-ts');
    for (const f of files) cpSync(join(root, f), join(home, f));
    // The declared dependencies, as npm would put them beside it (theirs resolve from where they are).
    for (const name of Object.keys(pkg.dependencies)) link(name);
    bin = join(home, 'bin', 'servegen.js');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every command but the DuckDB engine works: --version, inspect, fit (on worker threads), generate', () => {
    expect(run(['--version'])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const inspect = run(['inspect', trace, '--preset', 'azure-llm-2023', '--quiet']);
    expect(inspect.stderr).toBe('');
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/clients/);
    const fit = run(['fit', trace, '--preset', 'azure-llm-2023', '--out', 'profile.json', '--threads', '2', '--quiet']);
    expect(fit).toMatchObject({ code: 0, stderr: '' });
    const gen = run(['generate', 'profile.json', '--duration', '60', '--out', 'requests.jsonl', '--quiet']);
    expect(gen).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(dir, 'requests.jsonl'), 'utf8').split('\n').length).toBeGreaterThan(10);
  });

  it('--engine duckdb says what is missing and how to get it (exit 2, before reading, nothing written)', () => {
    const r = run(['fit', trace, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', 'duck.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^servegen: the DuckDB engine needs the package @duckdb\/node-api, which is not installed: .*npm install @duckdb\/node-api.*--engine ts/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'duck.json'))).toBe(false);
  });

  it('the library imports, and its scans run on the TypeScript engine', () => {
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('servegen-ts'); console.log(Object.keys(m).sort().join(','), typeof m.summary.duckdbAvailable, m.summary.duckdbAvailable())"],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('fit,generate,ingest,io,main,profile,stats,summary,validate function false');
  });

  // The README's example, as a user would build it: type-checked against dist's declarations
  // (strict, nodenext, no skipLibCheck: before, dist/summary/duckdb*.d.ts named @duckdb/node-api's
  // types, TS2307 without it), then run; its files are the CLI's, byte for byte.
  it("the README's library example type-checks against the installed declarations without DuckDB, runs, and writes the CLI's files", () => {
    const example = join(dir, 'example');
    mkdirSync(example);
    writeFileSync(join(example, 'package.json'), '{ "name": "example", "private": true, "type": "module" }\n');
    writeFileSync(join(example, 'example.ts'), readmeExample());
    symlinkSync(trace, join(example, 'AzureLLMInferenceTrace_code.csv'));
    link('@types/node');
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--outDir', 'out', 'example.ts'], { cwd: example, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    const env = { ...process.env, NODE_OPTIONS: '', SOURCE_DATE_EPOCH: '1700000000' };
    const r = spawnSync(process.execPath, [join('out', 'example.js')], { cwd: example, encoding: 'utf8', env });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d{4,} requests; PASS\n$/);
    const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args, '--quiet'], { cwd: example, encoding: 'utf8', env });
    expect(cli(['fit', 'AzureLLMInferenceTrace_code.csv', '--preset', 'azure-llm-2023', '--out', 'cli.json'])).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(join(example, 'profile.json'), 'utf8')).toBe(readFileSync(join(example, 'cli.json'), 'utf8'));
    expect(cli(['generate', 'cli.json', '--duration', '3600', '--out', 'cli.jsonl'])).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(join(example, 'requests.jsonl'), 'utf8')).toBe(readFileSync(join(example, 'cli.jsonl'), 'utf8'));
  }, 180_000); // tsc checks all of dist's declarations and Node's: 25 s here

  it('installed but failing to load (a binary for another platform), --engine duckdb says to reinstall it, not to install it (found by review)', () => {
    const fake = join(modules, '@duckdb', 'node-api');
    mkdirSync(fake, { recursive: true });
    writeFileSync(join(fake, 'package.json'), JSON.stringify({ name: '@duckdb/node-api', main: 'index.js' }));
    writeFileSync(join(fake, 'index.js'), 'throw new Error("/lib/x86_64-linux-gnu/libc.so.6: version GLIBC_2.99 not found");\n');
    try {
      const r = run(['inspect', trace, '--preset', 'azure-llm-2023', '--engine', 'duckdb']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^servegen: the DuckDB engine needs the package @duckdb\/node-api, which did not load \(.*GLIBC_2\.99.*\): reinstall it for this platform .*--engine ts/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });

  it('with @duckdb/node-api installed beside it, --engine duckdb runs', () => {
    link('@duckdb/node-api');
    const r = run(['inspect', trace, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('trace');
  });
});
