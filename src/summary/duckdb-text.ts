/**
 * @duckdb/node-api decodes every VARCHAR it returns with one shared `new TextDecoder()`,
 * which drops a leading U+FEFF (a byte order mark) from each value: a client id "\uFEFFabc"
 * that DuckDB holds as 4 characters reached us as "abc", where the TypeScript engine keeps it
 * (a BOM is dropped only at the start of a file, by both engines). The package reads that
 * decoder from its module exports on every call, so it is replaced once, here, with one
 * that keeps the character (same UTF-8 decoding otherwise). Tested through the engine
 * (test/summary/duckdb-csv-bom.test.ts): a version of the package that moves the decoder
 * fails that test rather than this import.
 */
import { createRequire } from 'node:module';

try {
  const accessors = createRequire(import.meta.url)('@duckdb/node-api/lib/vectors/dataAccessors.js') as { textDecoder?: unknown };
  if (accessors.textDecoder instanceof TextDecoder) accessors.textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
} catch {
  // another layout of the package: left as it is (the test above says so)
}
