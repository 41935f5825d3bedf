/**
 * DuckDB's failures to read the inputs, as errors a user can act on. DuckDB's CSV and JSON
 * readers stop at rows they cannot split (a row with another number of fields, an
 * unterminated quote, bytes that are not UTF-8, a malformed JSON line) where the TypeScript
 * engine counts such rows as rejects (wrong_column_count, unparseable_line, bad_encoding);
 * `--engine auto` therefore scans again with the TypeScript engine (DuckDbReadError), and
 * `--engine duckdb` names the file and the problem and points there.
 */
import { closeSync, createReadStream, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { IngestError } from '../ingest/errors.js';
import { compressionOf } from '../io/input.js';
import { zstdDamageMessage, zstdLayout, unzstdPrefix } from '../io/zstd.js';
import { gzipDamageMessage, locateGzipDamage } from '../io/gzip-damage.js';

/** The DuckDB engine could not read the inputs' rows (the TypeScript engine can: it counts them as rejects). */
export class DuckDbReadError extends IngestError {}

/** What DuckDB's message says went wrong, in one line (its first line and the detail that explains it). */
function problem(message: string): string | undefined {
  // Text that is not UTF-8 fails DuckDB's whole scan (CSV, JSON and Parquet readers alike).
  const encoding = /invalid unicode|invalid utf-?8|not valid utf-?8|string encoding/i.test(message);
  const lines = message.split('\n').map((l) => l.trim());
  const first = lines[0].replace(/^[A-Za-z ]*Error: /, '');
  const csvLine = /^CSV Error on Line: (\d+)/.exec(first);
  if (csvLine) {
    const detail = lines.find((l) => /^Expected Number of Columns|Invalid unicode|unterminated quote|quote/i.test(l) && !/^Possible/.test(l));
    const columns = detail && /Expected Number of Columns: (\d+) Found: (\d+)/.exec(detail);
    const what = columns ? `a row with ${columns[2]} fields where the header has ${columns[1]}` : detail && /unicode/i.test(detail) ? 'bytes that are not UTF-8' : (detail ?? 'a row it cannot parse');
    return `${what} (DuckDB: near line ${csvLine[1]})`;
  }
  if (encoding) return 'bytes that are not UTF-8 (DuckDB refuses the whole input)';
  if (/^Error when sniffing file/.test(first) || /state machine reached an invalid state|could not be auto-detected/.test(first)) {
    return 'rows it cannot split consistently (rows with another number of fields, an unterminated quote, text after a closing quote, or mixed line endings)';
  }
  const json = /^Malformed JSON in file "[^"]*", (.*)$/.exec(first);
  if (json) return `malformed JSON (DuckDB: ${json[1].replace(/[.\s]+$/, '')})`;
  if (/^JSON transform error in file/.test(first)) return first;
  // union_by_name of files whose column types cannot be unified (numbers in one, TIMESTAMP in another).
  const cast = /^Unimplemented type for cast \(([^)]*)\)/.exec(first);
  if (cast) return `a column typed differently in different files (DuckDB cannot cast ${cast[1]})`;
  // Anything else (out of memory under --duckdb-memory, a full temporary directory, …) is not
  // about the rows: the TypeScript engine would not read them better.
  return undefined;
}

/** The file DuckDB's message names, if any. */
function fileOf(message: string): string | undefined {
  const m = /(?:file "|^\s*file = )([^"\n]+)"?/m.exec(message);
  return m && m[1] !== '' ? m[1] : undefined;
}

/** Files above this size are not read again to find the line DuckDB's JSON error is about. */
const RELOCATE_MAX_BYTES = 512 * 2 ** 20;

/**
 * The first line of a JSON-lines file the TypeScript engine rejects as unparseable (1-based,
 * blank lines counted, as its rejects count them) and why; undefined when there is none or
 * the file is too large to read again. DuckDB's JSON errors name the line where its parser
 * stopped: for an object left open, the next one (found by review).
 */
export function firstMalformedJsonLine(file: string): { line: number; why: string } | undefined {
  try {
    if (statSync(file).size > RELOCATE_MAX_BYTES) return undefined;
    const bytes = readFileSync(file);
    const compression = compressionOf(file);
    const text = (compression === 'gzip' ? gunzipSync(bytes, { maxOutputLength: RELOCATE_MAX_BYTES }) : compression === 'zstd' ? unzstdPrefix(bytes, RELOCATE_MAX_BYTES) : bytes).toString('utf8');
    let pos = 0;
    for (let line = 1; pos <= text.length; line++) {
      const nl = text.indexOf('\n', pos);
      const end = nl < 0 ? text.length : nl;
      const t = text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
      if (t.trim() !== '') {
        try {
          const o: unknown = JSON.parse(t);
          if (o === null || typeof o !== 'object' || Array.isArray(o)) return { line, why: 'not a JSON object' };
        } catch (e) {
          return { line, why: (e as Error).message.replace(/ in JSON at position \d+.*$/, '') };
        }
      }
      if (nl < 0) break;
      pos = nl + 1;
    }
  } catch {
    // unreadable again: DuckDB's own words stand
  }
  return undefined;
}

/** A DuckDB failure while reading `files`, as an error naming the file and what to do. */
export function duckdbReadError(err: unknown, files: string[]): IngestError {
  if (err instanceof IngestError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const file = fileOf(message) ?? (files.length === 1 ? files[0] : undefined);
  const where = file ?? files.join(', ');
  const bad = file && /Malformed JSON in file/.test(message.split('\n')[0]) ? firstMalformedJsonLine(file) : undefined;
  const what = bad ? `malformed JSON at line ${bad.line} (${bad.why})` : problem(message);
  // (a file such a message names may be DuckDB's own, e.g. its temporary storage: the inputs are named)
  if (what === undefined) return new IngestError(`${files.join(', ')}: engine duckdb: ${message.split('\n')[0]}`, files[0]);
  // A repeated key is no reject for the TypeScript engine: JSON.parse keeps its last value (found by the input audit: the hint said it counts such rows).
  if (/has duplicate key "/.test(message)) return new DuckDbReadError(`${where}: engine duckdb cannot read ${what}; --engine ts reads it, keeping the last value of a repeated key`, file ?? files[0]);
  return new DuckDbReadError(
    `${where}: engine duckdb cannot read ${what}; --engine ts reads it and counts such rows as rejects (wrong_column_count, unparseable_line, bad_encoding)`,
    file ?? files[0],
  );
}

/**
 * Checks the compressed inputs before DuckDB reads them. DuckDB tells a file's compression by
 * its name (lower-case `.gz` or `.zst`; a gzip file named `log.csv` failed to sniff as "rows it
 * cannot split consistently"), where the TypeScript engine goes by the first bytes: a file
 * whose name and bytes disagree is refused, pointing to `--engine ts` (`--engine auto` reads it
 * with the TypeScript engine). DuckDB also reads a truncated gzip or zstd file as if it ended
 * there — its last, cut row possibly parsing as a shorter one; a zstd file cut inside its first
 * block read as 0 rows — so each gzip file is gunzipped once first, as the TypeScript engine
 * does while reading, and each zstd file's frames are walked by their headers (zstdLayout).
 * Not for Parquet, which DuckDB reads only as it is (compressed inside).
 */
export async function checkCompressedInputs(files: string[]): Promise<Map<string, number>> {
  // Each gzip file's size decompressed, counted on the way (for sameBytesWarnings).
  const sizes = new Map<string, number>();
  for (const file of files) {
    const compression = compressionOf(file);
    const named = /\.gz$/.test(file) ? 'gzip' : /\.zst$/.test(file) ? 'zstd' : undefined;
    if (compression !== named) {
      const is = compression ? `${compression}-compressed` : 'not compressed';
      const says = named ? `named .${named === 'gzip' ? 'gz' : 'zst'}` : `not named .${compression === 'gzip' ? 'gz' : 'zst'} (lower case)`;
      throw new DuckDbReadError(`${file}: ${is} but ${says}: engine duckdb tells compression by the name; --engine ts reads it by its bytes, or rename it`, file);
    }
    if (compression === 'zstd') {
      const layout = zstdLayout(file);
      if (layout.at >= 0) throw new IngestError(zstdDamageMessage(file), file);
      continue;
    }
    if (compression !== 'gzip') continue;
    let size = 0;
    try {
      await pipeline(
        createReadStream(file),
        createGunzip(),
        new Writable({
          write(chunk: Buffer, _enc, done) {
            size += chunk.length;
            done();
          },
        }),
      );
      sizes.set(file, size);
    } catch (err) {
      throw new IngestError(await gzipDamageMessage(file, (err as Error).message), file);
    }
    // Zero bytes after the gzip data (padding some tools and block devices leave): Node's gunzip
    // skips them, so the TypeScript engine reads the file, but DuckDB refuses any byte after the
    // last member ("Input is not a GZIP stream"). A file that ends in a zero byte is walked
    // member by member (a second decompression; other files cannot have such padding).
    if (endsInZero(file)) {
      const d = await locateGzipDamage(file).catch(() => undefined);
      if (d?.kind === 'trailing') {
        throw new DuckDbReadError(
          `${file}: engine duckdb cannot read a gzip file with ${d.size - d.at} zero byte(s) of padding after its gzip data (which ends at byte ${d.at} of ${d.size}; DuckDB refuses any byte after it); --engine ts reads it, skipping the padding, or keep only the gzip data: head -c ${d.at} ${file} > fixed.gz`,
          file,
        );
      }
    }
  }
  return sizes;
}

/** Whether the file's last byte is 0. */
function endsInZero(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const b = Buffer.alloc(1);
    return size > 0 && readSync(fd, b, 0, 1, size - 1) === 1 && b[0] === 0;
  } finally {
    closeSync(fd);
  }
}

/**
 * Stops the scan of JSON lines that JSON.parse refuses but DuckDB's JSON reader (yyjson, with
 * its NaN/Infinity and trailing-comma flags) takes: `NaN`, `Infinity`, `inf`, `nan` (any case)
 * as values, and a comma before `}` or `]`. The TypeScript engine rejects such a line
 * (`unparseable_line`) where DuckDB read a `bad_number` or an accepted row; DuckDB now stops
 * as on other malformed JSON, naming the file and line (`--engine auto` reads it with the
 * TypeScript engine). Each line's raw text is looked at: first for `nan`/`inf` or a comma
 * before a closing bracket anywhere (cheap), then, for those lines only, with its strings
 * emptied and `true`/`false`/`null` made 0s, for letters other than an exponent's `e`.
 */
export async function checkJsonGrammar(con: DuckDBConnection, files: string[]): Promise<void> {
  const list = `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
  const emptied = `regexp_replace(regexp_replace(json, '"(?:[^"\\\\]|\\\\.)*"', '""', 'g'), 'true|false|null', '0', 'g')`;
  const sql = `SELECT filename FROM (SELECT json, filename FROM read_ndjson_objects(${list}, filename = true) WHERE regexp_matches(json, '[nN][aA][nN]|[iI][nN][fF]|,[ \\t\\n\\r]*[\\]}]'))
    WHERE regexp_matches(${emptied}, '[A-DF-Za-df-z]|,[ \\t\\n\\r]*[\\]}]') LIMIT 1`;
  let found: string | undefined;
  try {
    const rows = (await con.runAndReadAll(sql)).getRowsJS();
    found = rows.length > 0 ? String(rows[0][0]) : undefined;
  } catch (err) {
    throw duckdbReadError(err, files);
  }
  if (found === undefined) return;
  const file = files.find((f) => f === found) ?? found;
  const bad = firstMalformedJsonLine(file);
  const where = bad ? ` (line ${bad.line}: ${bad.why})` : '';
  throw new DuckDbReadError(
    `${file}: engine duckdb cannot read JSON lines with NaN, Infinity or a trailing comma${where}: DuckDB's JSON reader takes them, JSON.parse does not; --engine ts reads it and counts such rows as rejects (unparseable_line)`,
    file,
  );
}
