import { ascii } from './byte-sink.js';
import { LENGTH_COLUMNS, type TraceLayout } from './trace-schema.js';
import { layoutColumns, textTraceWriter } from './to-text.js';
import type { TraceWriter } from './trace-writer.js';

/**
 * Normalized-trace JSON lines. First line: `{"servegen": <meta>}` (provenance), unless
 * `header` is false; then one object per request with absent fields omitted.
 */
export function jsonlTraceWriter(path: string, layout: TraceLayout, header = true): TraceWriter {
  const cols = layoutColumns(layout, LENGTH_COLUMNS);
  const keys = cols.map((c) => ascii(`,"${c.name}":`));
  const ids = layout.clientIds.map((id) => ascii(`,"client_id":${JSON.stringify(id)}`));
  const open = ascii('{"timestamp":');
  const close = ascii('}\n');
  const head = header ? JSON.stringify({ servegen: layout.meta }) + '\n' : '';
  const texts = layout.texts ?? [];
  const textKeys = texts.map((t) => ascii(`,"${t}":`));
  const hasTurn = layout.extraInts?.includes('turn') ?? false;
  const hasBlocks = layout.extraInts?.includes('block_count') ?? false;
  const turnKey = ascii(',"turn":');
  // A compact session id (batch.sessionNumbers) as jsonString writes `<client id>#<n>`: the
  // client's JSON string without its closing quote, '#', the number, the quote.
  const sessionPrefix = layout.clientIds.map((id) => ascii(`${JSON.stringify(id).slice(0, -1)}#`));
  const sessionCol = texts.indexOf('session_id');
  const blockKey = ascii(',"block_count":');
  const hashKey = ascii(',"hash_ids":');
  return textTraceWriter(path, head, (batch, sink) => {
    const bufs = cols.map((c) => batch.lengths[c.index]!);
    const k = cols.length;
    const numbers = batch.sessionNumbers;
    // The compact ids replace the strings (not read, so never built).
    const textCols = texts.map((t, j) => (numbers && j === sessionCol ? undefined : batch.texts?.[t]));
    const turn = hasTurn ? batch.extraInts?.turn : undefined;
    const blocks = hasBlocks ? batch.extraInts?.block_count : undefined;
    const hash = layout.hashIds ? batch.hashIds : undefined;
    for (let i = 0; i < batch.n; i++) {
      sink.bytes(open);
      sink.fixed6(batch.timestamp[i]);
      sink.bytes(ids[batch.client[i]]);
      for (let j = 0; j < textCols.length; j++) {
        if (numbers && j === sessionCol) {
          const sn = numbers[i];
          if (sn === sn) {
            sink.bytes(textKeys[j]);
            sink.bytes(sessionPrefix[batch.client[i]]);
            sink.number(sn);
            sink.byte(34);
          }
          continue;
        }
        const v = textCols[j]?.[i];
        if (v !== undefined) {
          sink.bytes(textKeys[j]);
          sink.jsonString(v);
        }
      }
      if (turn && turn[i] === turn[i]) {
        sink.bytes(turnKey);
        sink.number(turn[i]);
      }
      for (let j = 0; j < k; j++) {
        const v = bufs[j][i];
        if (v === v) {
          sink.bytes(keys[j]);
          sink.number(v);
        }
      }
      if (blocks && blocks[i] === blocks[i]) {
        sink.bytes(blockKey);
        sink.number(blocks[i]);
      }
      if (hash && hash.offsets[i + 1] > hash.offsets[i]) {
        sink.bytes(hashKey);
        sink.intList(hash.ids, hash.offsets[i], hash.offsets[i + 1]);
      }
      sink.bytes(close);
    }
  });
}
