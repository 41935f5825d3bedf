import type { Readable } from 'node:stream';
import { IngestError } from '../ingest/errors.js';
import type { RowSink, SourceInfo } from './row-source.js';
import { eachTextChunk } from './text-lines.js';
import { didYouMean } from './json-text.js';
import { compressionOf } from './input.js';

/** A quoted record longer than this is treated as an unbalanced quote, not buffered forever. */
const MAX_RECORD_CHARS = 1 << 20;

/**
 * Parses one quote-aware record starting at `pos`. Returns the fields, the index just past
 * the record's newline, and how many newlines it spans; undefined when the text ends inside
 * the record (more input needed). RFC 4180: "" inside quotes is a quote. As DuckDB's
 * read_csv (and Python's csv, pandas): a quote opens a quoted field only at the field's
 * start (after spaces, which are dropped, as spaces after the closing quote are); inside an
 * unquoted field it is a literal character (`12"`, `cli"ent`). Anything but spaces between
 * a closing quote and the delimiter (`"ab"c`) makes the record `bad`: DuckDB refuses such a file.
 */
function parseQuoted(text: string, pos: number, delim: string, final: boolean): { fields: string[]; end: number; newlines: number; bad: boolean; why?: string } | undefined {
  const fields: string[] = [];
  let i = pos;
  let field = '';
  let inQuotes = false;
  let closed = false; // past the closing quote of a quoted field
  let newlines = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        closed = true;
        i++;
        continue;
      }
      if (c === '\n') newlines++;
      field += c;
      i++;
      continue;
    }
    if (closed && c !== delim && c !== '\n') {
      if (c === ' ' || (c === '\r' && (i + 1 === n || text[i + 1] === '\n'))) {
        i++;
        continue;
      }
      return { fields, end: i, newlines, bad: true, why: `text after the closing quote of field ${fields.length + 1}` };
    }
    if (c === '"' && /^ *$/.test(field)) {
      field = '';
      inQuotes = true;
      i++;
      continue;
    }
    if (c === delim) {
      fields.push(field);
      field = '';
      closed = false;
      i++;
      continue;
    }
    if (c === '\n') {
      fields.push(field.endsWith('\r') ? field.slice(0, -1) : field);
      return { fields, end: i + 1, newlines: newlines + 1, bad: false };
    }
    field += c;
    i++;
  }
  if (!final) return undefined;
  if (inQuotes) return { fields: [...fields, field], end: n, newlines, bad: true };
  fields.push(field.endsWith('\r') ? field.slice(0, -1) : field);
  return { fields, end: n, newlines, bad: false };
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * A field of the form -?digits[.digits] (at most 15 digits) read straight from the text,
 * NaN for anything else (the caller then passes the text on). Equal to Number(field): the
 * digits form an exact integer below 2^53 and 10^k is exact, so the one division is the
 * correctly rounded value of the decimal.
 */
export function simpleNumber(text: string, s: number, e: number): number {
  let i = s;
  const neg = i < e && text.charCodeAt(i) === 45;
  if (neg) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else return NaN;
  }
  if (digits === 0 || digits > 15) return NaN;
  const x = frac > 0 ? m / POW10[frac] : m;
  return neg ? -x : x;
}

/**
 * Refuses text whose first line ends with a lone CR (old Mac line ends): the reader splits
 * lines at LF only, so the whole file was one header line and the error named a missing column
 * among "in\r1", "5\r2", … — or, for a large file, came only after buffering all of it (left
 * open by review). DuckDB's reader takes CR-only files; docs/scale.md ("Still different").
 * A CR inside a quoted header field is left to the parser. Returns whether the first line was
 * seen whole (so the check is done).
 */
/**
 * `; the header is tab-separated: give --format tsv` when a header read as one column holds
 * the missing columns split by another delimiter (a TSV read as CSV, or the reverse; a
 * semicolon- or pipe-separated file, which a mapping's "delimiter" reads), else ''. The
 * missing-column error listed that one column with its tabs escaped and said no more (found by
 * review; the semicolon, in session 21).
 */
export function delimiterHint(header: readonly string[], missing: readonly string[], delimiter: string): string {
  if (header.length !== 1) return '';
  const splits = (d: string) => header[0].includes(d) && missing.every((m) => header[0].split(d).map((h) => h.trim()).includes(m));
  for (const [d, name] of [[',', 'comma'], ['\t', 'tab'], [';', 'semicolon'], ['|', 'pipe']] as const) {
    if (d === delimiter || !splits(d)) continue;
    if (d === '\t') return '; the header is tab-separated: give --format tsv';
    // Read as TSV, or as CSV with another delimiter than the file's.
    if (d === ',') return delimiter === '\t' ? '; the header is comma-separated: give --format csv' : `; the header is comma-separated: drop the mapping's "delimiter": ${JSON.stringify(delimiter)}`;
    return `; the header is ${name}-separated: give "delimiter": "${d}" in a mapping file (--map; the presets' are in presets/)${delimiter === '\t' ? ' and --format csv' : ''}`;
  }
  return '';
}

function checkLoneCr(text: string, file: string, delimiter: string): boolean {
  const nl = text.indexOf('\n');
  const cr = text.indexOf('\r');
  if (cr >= 0 && (nl < 0 || cr < nl - 1) && text.lastIndexOf('"', cr) < 0 && cr + 1 < text.length) {
    const kind = delimiter === '\t' ? 'TSV' : 'CSV';
    const compression = compressionOf(file);
    const convert = compression ? `${compression === 'gzip' ? 'gzip' : 'zstd'} -dc ${file} | tr '\\r' '\\n' > fixed.${kind.toLowerCase()}` : `tr '\\r' '\\n' < ${file} > fixed.${kind.toLowerCase()}`;
    throw new IngestError(`${file}:1: the file uses CR-only line ends (old Mac style), which the TypeScript engine does not split lines at; convert them (${convert}) or read it with --engine duckdb`, file, 1);
  }
  return nl >= 0;
}

/**
 * The error for a header that holds a mapped column more than once (`ts,c,in,out,in`), or
 * undefined: which of them the mapping names cannot be told, and both engines read the first
 * without a word (found by review). Unmapped duplicates are not looked at.
 */
export function duplicateColumnError(file: string, line: number, header: readonly string[], columns: Iterable<string>): IngestError | undefined {
  for (const c of columns) {
    const at: number[] = [];
    header.forEach((h, i) => h === c && at.push(i + 1));
    if (at.length > 1) return new IngestError(`${file}:${line}: the header has column ${JSON.stringify(c)} ${at.length} times (fields ${at.join(', ')}): which one the mapping names cannot be told; rename all but one`, file, line, c);
  }
  return undefined;
}

/**
 * Streaming CSV/TSV reader: header row, quoted fields (with delimiters, quotes and newlines
 * inside), CRLF or LF, a BOM, a last line without newline. Leading `# servegen: {…}` lines
 * (our own trace headers) are read as metadata. Only the requested columns are extracted;
 * a row with the wrong number of fields is rejected, never guessed at.
 * @throws IngestError before any row when the file looks binary or lacks a requested column.
 */
export async function readCsv(
  file: string,
  bytes: Readable,
  delimiter: string,
  columns: string[],
  sink: RowSink,
  onInfo: (info: SourceInfo) => void,
  optional: ReadonlySet<string> = new Set(),
  numeric: readonly boolean[] = [],
): Promise<void> {
  const isNumeric = Uint8Array.from(columns, (_, k) => (numeric[k] ? 1 : 0));
  let carry = '';
  let line = 0; // physical line number of the last consumed line
  let header: string[] | undefined;
  let slot: Int32Array = new Int32Array(0);
  const values: unknown[] = new Array(columns.length);
  const meta: Record<string, unknown> = {};
  let crChecked = false;
  const bounds = new Int32Array(4096);

  const handleHeader = (fields: string[]) => {
    header = fields.map((f) => f.trim());
    const duplicate = duplicateColumnError(file, line, header, columns);
    if (duplicate) throw duplicate;
    const missing = columns.filter((c) => !header!.includes(c) && !optional.has(c));
    if (missing.length > 0) {
      throw new IngestError(
        `${file}:${line}: mapping names column${missing.length > 1 ? 's' : ''} ${missing.map((m) => JSON.stringify(m)).join(', ')} not in the header (columns: ${header.map((h) => JSON.stringify(h)).join(', ')})${delimiterHint(header, missing, delimiter) || didYouMean(missing, header)}`,
        file,
        line,
        missing[0],
      );
    }
    slot = Int32Array.from(columns.map((c) => header!.indexOf(c)));
    onInfo({ columns: header, meta: Object.keys(meta).length ? meta : undefined });
  };

  const emitFields = (fields: string[], startLine: number, raw: string) => {
    if (!header) return handleHeader(fields);
    if (fields.length !== header.length) {
      sink.reject(startLine, 'wrong_column_count', `expected ${header.length} fields, found ${fields.length}`, raw);
      return;
    }
    for (let k = 0; k < slot.length; k++) values[k] = slot[k] < 0 ? undefined : fields[slot[k]];
    sink.row(values, startLine, () => raw);
  };

  // The current row's text, sliced only when a reject or a caller needs it.
  const rawRef = { text: '', s: 0, e: 0 };
  const rawFn = () => rawRef.text.slice(rawRef.s, rawRef.e);

  const process = (text: string, final: boolean): string => {
    let pos = 0;
    const n = text.length;
    let nextQuote = text.indexOf('"');
    if (nextQuote < 0) nextQuote = n;
    rawRef.text = text;
    while (pos < n) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0 && !final) break;
      const end = nl < 0 ? n : nl;
      const lineEnd = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      if (nextQuote < pos) {
        nextQuote = text.indexOf('"', pos);
        if (nextQuote < 0) nextQuote = n;
      }
      if (!header && text.charCodeAt(pos) === 35 /* # */) {
        const lineText = text.slice(pos, lineEnd);
        line++;
        pos = end + 1;
        const m = /^#\s*servegen:\s*(\{.*\})\s*$/.exec(lineText);
        if (m) {
          try {
            Object.assign(meta, JSON.parse(m[1]) as Record<string, unknown>);
          } catch {
            /* not our header: ignore the comment */
          }
        }
        continue;
      }
      if (nextQuote < lineEnd) {
        const lineText = text.slice(pos, lineEnd);
        const r = parseQuoted(text, pos, delimiter, final);
        if (!r) {
          if (text.length - pos <= MAX_RECORD_CHARS) break; // wait for the rest of the record
        }
        const startLine = line + 1;
        const spans = r !== undefined && r.newlines > 1;
        // A quote that never closes (or a multi-line record of the wrong shape) is a broken
        // line, not a field spanning the rest of the file: reject that one line, resume after it.
        if (!r || r.bad || (header && spans && r.fields.length !== header.length)) {
          const why = r?.why ?? 'unbalanced quotes';
          if (!header) throw new IngestError(`${file}:${startLine}: cannot parse the header row (${why})`, file, startLine);
          line++;
          pos = end + 1;
          sink.reject(startLine, 'unparseable_line', why, lineText);
          continue;
        }
        line += Math.max(1, r.newlines);
        const raw = text.slice(pos, r.end).replace(/\r?\n$/, '');
        pos = r.end;
        emitFields(r.fields, startLine, raw);
        continue;
      }
      line++;
      const start = pos;
      pos = end + 1;
      if (lineEnd === start) continue; // blank line
      if (!header) {
        handleHeader(text.slice(start, lineEnd).split(delimiter));
        continue;
      }
      // Fast path: no quotes; find delimiter positions inside [start, lineEnd).
      let count = 0;
      let from = start;
      bounds[0] = start;
      for (;;) {
        const d = text.indexOf(delimiter, from);
        if (d < 0 || d >= lineEnd) break;
        count++;
        if (count < bounds.length) bounds[count] = d + 1;
        from = d + 1;
      }
      const nFields = count + 1;
      rawRef.s = start;
      rawRef.e = lineEnd;
      if (nFields !== header.length) {
        sink.reject(line, 'wrong_column_count', `expected ${header.length} fields, found ${nFields}`, rawFn());
        continue;
      }
      for (let k = 0; k < slot.length; k++) {
        const idx = slot[k];
        if (idx < 0) {
          values[k] = undefined;
          continue;
        }
        const s = bounds[idx];
        const e = idx + 1 < nFields ? bounds[idx + 1] - 1 : lineEnd;
        if (isNumeric[k]) {
          const x = simpleNumber(text, s, e);
          values[k] = x === x ? x : text.slice(s, e);
        } else values[k] = text.slice(s, e);
      }
      sink.row(values, line, rawFn);
    }
    return text.slice(pos);
  };

  await eachTextChunk(file, bytes, `${delimiter === '\t' ? 'TSV' : 'CSV'} text`, (chunk, final) => {
    const text = carry + chunk;
    if (!header && !crChecked) {
      const checked = checkLoneCr(text, file, delimiter);
      if (!final) crChecked = checked;
    }
    carry = process(text, final);
  });
  if (!header) throw new IngestError(`${file}: empty file (no header row)`, file, 1);
}
