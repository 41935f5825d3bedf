/**
 * What the packed package holds beyond its code, and how CommonJS loads it (h-102, reviewing
 * the package as a library user: `npm pack`, installed into a fresh project). Before: 198
 * source maps, 1.6 MB of its 4.6 MB unpacked, each naming `../src/*.ts`, which the package does
 * not ship (a debugger or `node --enable-source-maps` pointed at files that are not there); no
 * LICENSE, though package.json says Apache-2.0 (whose section 4 asks for the text to go with the
 * work); and `require('servegen-ts/package.json')` (how tools read a version) refused with
 * ERR_PACKAGE_PATH_NOT_EXPORTED. Runs the built dist/ (`npm run build` after editing src).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** The files `npm pack` would put in the tarball (scripts not run: dist is what is built). */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
}

describe('the packed package', () => {
  const files = packedFiles();

  it('holds its license text and no source maps of sources it does not ship', () => {
    expect(files).toContain('LICENSE');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { license: string }).license).toBe('Apache-2.0');
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    // The built code names no map either (a bundler's source-map loader warns of a missing one).
    const named = files.filter((f) => f.endsWith('.js') && f.startsWith('dist/') && readFileSync(join(root, f), 'utf8').includes('//# sourceMappingURL='));
    expect(named).toEqual([]);
    expect(files.filter((f) => f.startsWith('src/'))).toEqual([]);
  });

  it('exports its package.json beside its entry point', () => {
    const r = spawnSync(process.execPath, ['-e', "const p = require('servegen-ts/package.json'); console.log(p.name, p.version)"], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^servegen-ts \d+\.\d+\.\d+/);
  });
});

describe('run from `node --input-type=module -e` (or a script on standard input)', () => {
  // The worker threads inherited --input-type and refused it (ERR_INPUT_TYPE_NOT_ALLOWED):
  // src/util/worker.ts workerExecArgv. The threads of the built package only (tests of the
  // sources start their workers another way).
  it("starts the library's worker threads: generateToFile's writer thread, validateTracesParallel's sides", () => {
    const code = `
      import { generate, ingest, profile, validate } from 'servegen-ts';
      import { mkdtempSync } from 'node:fs';
      import { join } from 'node:path';
      import { tmpdir } from 'node:os';
      const { profile: p, sha256 } = profile.readProfile(${JSON.stringify(join(root, 'fixtures', 'profiles', 'essentials.json'))});
      const options = generate.defaultGenerateOptions({ duration: 600 });
      const run = await generate.generateToFile(p, sha256, options, { path: join(mkdtempSync(join(tmpdir(), 'servegen-input-type-')), 'r.jsonl'), writerThread: true });
      const a = generate.generateTrace(p, sha256, options), b = generate.generateTrace(p, sha256, { ...options, seed: 1 });
      const { report } = await validate.validateTracesParallel(a, b, undefined, { minRows: 0, workers: 1 });
      console.log(run.requests > 0, typeof report.pass);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('true boolean');
  });
});

// Node loads an ES module by require() from 20.19 (and 22.12), unless a module in its graph awaits
// at top level (ERR_REQUIRE_ASYNC_MODULE): the README's library section says CommonJS callers may
// require the package there; this keeps it true.
const requireEsm = (process.features as { require_module?: boolean }).require_module === true;
describe.runIf(requireEsm)('from CommonJS', () => {
  it("require('servegen-ts') gives the namespaces (no top-level await anywhere in dist)", () => {
    const r = spawnSync(process.execPath, ['-e', "const s = require('servegen-ts'); console.log(Object.keys(s).sort().join(','), typeof s.generate.planGeneration)"], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('fit,generate,ingest,io,main,profile,stats,summary,validate function');
  });
});
