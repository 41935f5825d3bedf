/**
 * `@duckdb/node-api` is an optional dependency: npm installs it with the package, but skips it
 * (without failing the install) where its native binary does not install, and `npm install
 * --omit=optional` leaves it out. Everything but the DuckDB engine works without it, so it is
 * loaded on first use rather than imported: a static import made every command, and `import
 * 'servegen-ts'`, fail with ERR_MODULE_NOT_FOUND where it was missing (found by installing the
 * packed package: it was a devDependency, so no install had it).
 */
import { createRequire } from 'node:module';
import { IngestError } from '../ingest/errors.js';

type DuckDBModule = typeof import('@duckdb/node-api');

const PACKAGE = '@duckdb/node-api';
let loaded: DuckDBModule | undefined;
let failure: unknown;

function load(): DuckDBModule | undefined {
  if (loaded || failure !== undefined) return loaded;
  try {
    // The package is CommonJS: required, it loads synchronously (its native binding too), so
    // whether it works is known before an engine is chosen.
    loaded = createRequire(import.meta.url)(PACKAGE) as DuckDBModule;
  } catch (err) {
    failure = err;
  }
  if (loaded) keepByteOrderMarks();
  return loaded;
}

/**
 * @duckdb/node-api decodes every VARCHAR it returns with one shared `new TextDecoder()`,
 * which drops a leading U+FEFF (a byte order mark) from each value: a client id "\uFEFFabc"
 * that DuckDB holds as 4 characters reached us as "abc", where the TypeScript engine keeps it
 * (a BOM is dropped only at the start of a file, by both engines). The package reads that
 * decoder from its module exports on every call, so it is replaced once, when the package
 * loads, with one that keeps the character (same UTF-8 decoding otherwise). Tested through
 * the engine (test/summary/duckdb-csv-bom.test.ts): a version of the package that moves the
 * decoder fails that test rather than this function. (It was a module imported for its effect
 * by the engine, which loaded the package — 30 modules and its native binding — in every
 * command, `--help` included.)
 */
function keepByteOrderMarks(): void {
  try {
    const accessors = createRequire(import.meta.url)('@duckdb/node-api/lib/vectors/dataAccessors.js') as { textDecoder?: unknown };
    if (accessors.textDecoder instanceof TextDecoder) accessors.textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
  } catch {
    // another layout of the package: left as it is (the test above says so)
  }
}

/** Whether the DuckDB engine can run here (`--engine auto` scans with the TypeScript engine when not). */
export function duckdbAvailable(): boolean {
  return load() !== undefined;
}

/** Why the DuckDB engine cannot run here, to follow the package's name in a message (undefined when it can). */
export function duckdbUnavailableReason(): string | undefined {
  if (load()) return undefined;
  const e = failure as NodeJS.ErrnoException;
  if (e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${PACKAGE}'`)) return 'is not installed';
  return `did not load (${String(e?.message ?? e).split('\n')[0]})`;
}

/** The DuckDB module; an IngestError (exit 2) saying how to get it when it cannot load. */
export function duckdb(): DuckDBModule {
  const m = load();
  if (m) return m;
  const reason = duckdbUnavailableReason()!;
  // Installed but not loading (a binary for another platform or C library): reinstalling, not installing, is the advice (found by review).
  throw new IngestError(
    reason === 'is not installed'
      ? `the DuckDB engine needs the package ${PACKAGE}, which is not installed: it is an optional dependency, which npm skips where its binary does not install and with --omit=optional. Install it beside servegen-ts (npm install ${PACKAGE}), or scan with the TypeScript engine (--engine ts)`
      : `the DuckDB engine needs the package ${PACKAGE}, which ${reason}: reinstall it for this platform (npm install ${PACKAGE} on this machine), or scan with the TypeScript engine (--engine ts)`,
  );
}
