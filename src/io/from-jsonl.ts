import type { Readable } from 'node:stream';
import { IngestError } from '../ingest/errors.js';
import { walkPath, type RowSink, type SourceInfo, type SourceKey } from './row-source.js';
import { eachTextChunk, LineSplitter, NOT_JSON, parseJsonLine } from './text-lines.js';
import { JsonArraySplitter } from './json-array.js';
import { didYouMean, flatKeyHint } from './json-text.js';

/**
 * Streaming JSON-lines reader. Each non-blank line must be a JSON object; values are found
 * by column and dotted path. A first line `{"servegen": {…}}` (our trace header) is metadata,
 * not a row. A file that starts with `[` is a JSON array of such objects, in any layout
 * (JsonArraySplitter): each element is a record, at the line it starts on.
 */
export async function readJsonl(file: string, bytes: Readable, keys: SourceKey[], sink: RowSink, onInfo: (info: SourceInfo) => void, optional: ReadonlySet<string> = new Set()): Promise<void> {
  let sawContent = false;
  const values: unknown[] = new Array(keys.length);
  // Mapped top-level keys of required fields that no row has had yet. JSON lines have no
  // header: a key no row has is the CSV's "column not in the header" (found by review: a
  // mapping naming "input_len" for Mooncake's "input_length" ingested with exit 0 and no
  // input lengths at all). A key some rows lack is an absent value in those rows.
  let unseen = [...new Set(keys.map((k) => k.column))].filter((c) => !optional.has(c));
  let firstKeys: string[] | undefined;
  // Mapped keys that may be missing (optional fields, coalesce members) and that no row has had
  // yet: at the end, the keys seen are the file's columns for the check that some member of a
  // required coalesce is there, as in CSV (found by the engines' fuzzer: a JSON lines file
  // without any was read with the field absent, where DuckDB and a CSV refuse it).
  const mayMiss = [...new Set(keys.map((k) => k.column))].filter((c) => optional.has(c));
  let unseenOptional = mayMiss;
  // One record: a line of JSON lines (blank ones skipped), or an element of a JSON array.
  const record = (t: string, line: number) => {
    if (mode === 'array' && t === '') {
      sink.reject(line, 'unparseable_line', 'empty JSON array element (two commas in a row, or one before the closing bracket)', t);
      return;
    }
    const obj = parseJsonLine(t, line, sink);
    if (obj === NOT_JSON) return;
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      sink.reject(line, 'unparseable_line', 'not a JSON object', t);
      return;
    }
    const o = obj as Record<string, unknown>;
    if (!sawContent) {
      sawContent = true;
      const keysOf = Object.keys(o);
      if (keysOf.length === 1 && keysOf[0] === 'servegen' && typeof o.servegen === 'object') {
        onInfo({ meta: o.servegen as Record<string, unknown> });
        return;
      }
    }
    if (unseen.length > 0) {
      firstKeys ??= Object.keys(o);
      unseen = unseen.filter((c) => !Object.hasOwn(o, c));
    }
    if (unseenOptional.length > 0) {
      firstKeys ??= Object.keys(o);
      unseenOptional = unseenOptional.filter((c) => !Object.hasOwn(o, c));
    }
    for (let k = 0; k < keys.length; k++) {
      const v = o[keys[k].column];
      values[k] = keys[k].path.length ? walkPath(v, keys[k].path) : v;
    }
    sink.row(values, line, () => t);
  };
  // A file whose first character is `[` is a JSON array of records, split element by element.
  let mode: 'unknown' | 'lines' | 'array' = 'unknown';
  const splitter = new JsonArraySplitter(record);
  const lines = new LineSplitter(record);
  // Text before the mode is known (only blank so far).
  let head = '';
  await eachTextChunk(file, bytes, 'JSON lines', (chunk, final) => {
    let text = chunk;
    if (mode === 'unknown') {
      head += text;
      if (head.trim() === '' && !final) return;
      mode = JsonArraySplitter.startsArray(head) ? 'array' : 'lines';
      text = head;
      head = '';
    }
    if (mode === 'lines') return lines.push(text, final);
    splitter.push(text);
    if (final) splitter.end();
  });
  // A JSON array that never closes is a cut file (a download or copy stopped): its last element
  // may have been cut between two values and still parse (found by review: exit 0).
  const unclosed = splitter.unclosed; // (the splitter is fed in array mode only)
  if (unclosed) throw new IngestError(`${file}:${unclosed.line}: the JSON array is not closed: the file ends inside it (cut short?); none of the file was ingested`, file, unclosed.line);
  if (splitter.trailing) throw new IngestError(`${file}:${splitter.trailing.line}: text after the JSON array's closing bracket (${JSON.stringify(splitter.trailing.text)}); none of the file was ingested`, file, splitter.trailing.line);
  if (firstKeys !== undefined && unseenOptional.length > 0) {
    const seen = mayMiss.filter((c) => !unseenOptional.includes(c));
    onInfo({ columns: [...new Set([...firstKeys, ...seen, ...keys.map((k) => k.column).filter((c) => !optional.has(c) && !unseen.includes(c))])] });
  }
  if (firstKeys !== undefined && unseen.length > 0) {
    const q = (names: string[]) => names.map((c) => JSON.stringify(c)).join(', ');
    throw new IngestError(`${file}: mapping names column${unseen.length > 1 ? 's' : ''} ${q(unseen)} not in any row (keys of the first row: ${q(firstKeys)})${flatKeyHint(keys.filter((k) => unseen.includes(k.column)).map((k) => [k.column, ...k.path].join('.')), firstKeys) || didYouMean(unseen, firstKeys)}`, file);
  }
}
