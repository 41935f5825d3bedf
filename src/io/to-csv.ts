import { ascii } from './byte-sink.js';
import { LENGTH_COLUMNS, type TraceLayout } from './trace-schema.js';
import { layoutColumns, textTraceWriter } from './to-text.js';
import type { TraceWriter } from './trace-writer.js';

/**
 * RFC 4180 quoting when a value needs it — and for a '#' anywhere: our traces start with
 * `# servegen:` lines, which DuckDB skips as comments, cutting unquoted values at a '#'.
 */
export function csvField(s: string): string {
  return /[",\r\n#]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Normalized-trace CSV: optional `# servegen: <meta json>` comment line, a header row,
 * then one row per request; absent values are empty cells.
 */
export function csvTraceWriter(path: string, layout: TraceLayout, header = true): TraceWriter {
  const cols = layoutColumns(layout, LENGTH_COLUMNS);
  const ids = layout.clientIds.map((id) => ascii(`,${csvField(id)}`));
  const texts = layout.texts ?? [];
  const hasTurn = layout.extraInts?.includes('turn') ?? false;
  const hasBlocks = layout.extraInts?.includes('block_count') ?? false;
  // A compact session id (batch.sessionNumbers) as csvField writes `<client id>#<n>` (always
  // quoted: it holds a '#'): the quote, the client with its quotes doubled, '#', the number, the quote.
  const sessionPrefix = layout.clientIds.map((id) => ascii(`"${id.replace(/"/g, '""')}#`));
  const sessionCol = texts.indexOf('session_id');
  let head = header ? `# servegen: ${JSON.stringify(layout.meta)}\n` : '';
  head += ['timestamp', 'client_id', ...texts, ...(hasTurn ? ['turn'] : []), ...cols.map((c) => c.name), ...(hasBlocks ? ['block_count'] : []), ...(layout.hashIds ? ['hash_ids'] : [])].join(',') + '\n';
  return textTraceWriter(path, head, (batch, sink) => {
    const bufs = cols.map((c) => batch.lengths[c.index]!);
    const k = cols.length;
    const numbers = batch.sessionNumbers;
    // The compact ids replace the strings (not read, so never built).
    const textCols = texts.map((t, j) => (numbers && j === sessionCol ? undefined : batch.texts?.[t]));
    const turn = batch.extraInts?.turn;
    const blocks = batch.extraInts?.block_count;
    const hash = batch.hashIds;
    for (let i = 0; i < batch.n; i++) {
      sink.fixed6(batch.timestamp[i]);
      sink.bytes(ids[batch.client[i]]);
      for (let j = 0; j < textCols.length; j++) {
        sink.byte(44);
        if (numbers && j === sessionCol) {
          const sn = numbers[i];
          if (sn === sn) {
            sink.bytes(sessionPrefix[batch.client[i]]);
            sink.number(sn);
            sink.byte(34);
          }
          continue;
        }
        const v = textCols[j]?.[i];
        if (v !== undefined) sink.text(csvField(v));
      }
      if (hasTurn) {
        sink.byte(44);
        const v = turn ? turn[i] : NaN;
        if (v === v) sink.number(v);
      }
      for (let j = 0; j < k; j++) {
        sink.byte(44);
        const v = bufs[j][i];
        if (v === v) sink.number(v);
      }
      if (hasBlocks) {
        sink.byte(44);
        const v = blocks ? blocks[i] : NaN;
        if (v === v) sink.number(v);
      }
      if (layout.hashIds) {
        // The ids as a JSON array, quoted (its commas): `"[0,1,2]"`; empty when none.
        sink.byte(44);
        if (hash && hash.offsets[i + 1] > hash.offsets[i]) {
          sink.byte(34);
          sink.intList(hash.ids, hash.offsets[i], hash.offsets[i + 1]);
          sink.byte(34);
        }
      }
      sink.byte(10);
    }
  });
}
