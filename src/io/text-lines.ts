import type { Readable } from 'node:stream';
import { IngestError } from '../ingest/errors.js';
import { binaryMessage, binaryProbe, utf16Kind } from './binary-probe.js';
import { EscapingDecoder } from './utf8.js';
import { compressionOf } from './input.js';
import type { RowSink } from './row-source.js';

/**
 * Feeds a byte stream's text to `onText` chunk by chunk, `final` on the last call (with what the
 * decoder held back). Bytes that are not UTF-8 are kept as `\udcXX` escapes (EscapingDecoder); a
 * first chunk that looks binary stops the read, naming `what` the file should have been.
 * @throws IngestError for binary input.
 */
export async function eachTextChunk(file: string, bytes: Readable, what: string, onText: (text: string, final: boolean) => void): Promise<void> {
  const decoder = new EscapingDecoder();
  let first = true;
  for await (const chunk of bytes) {
    const buf = chunk as Uint8Array;
    if (first) {
      first = false;
      const probe = buf.subarray(0, Math.min(buf.length, 65536));
      // UTF-16 with a byte-order mark and few NULs (a short file, or text past Latin) is not
      // binary to binaryProbe, and was read as garbled text.
      const utf16 = utf16Kind(probe) && utf16Kind(probe, compressedAs(file));
      if (utf16) throw new IngestError(`${file}: ${utf16}, not ${what}`, file, 1);
      const binary = binaryProbe(probe);
      if (binary) throw new IngestError(binaryMessage(file, probe, binary, what), file, 1);
    }
    onText(decoder.decode(buf), false);
  }
  onText(decoder.decode(new Uint8Array(0), true), true);
}

/**
 * Splits text into lines as it streams by: each non-blank line, without its `\n` and a trailing
 * `\r`, goes to `onLine` with its 1-based number (blank lines are counted, not handed over).
 */
export class LineSplitter {
  private line = 0;
  private carry = '';

  constructor(private readonly onLine: (text: string, line: number) => void) {}

  /** Splits the text so far plus `text`; at `final`, a last line without a newline is a line too. */
  push(text: string, final: boolean): void {
    const all = this.carry + text;
    let pos = 0;
    for (;;) {
      const nl = all.indexOf('\n', pos);
      if (nl < 0) break;
      this.handle(all.slice(pos, nl));
      pos = nl + 1;
    }
    this.carry = all.slice(pos);
    if (final && this.carry !== '') {
      this.handle(this.carry);
      this.carry = '';
    }
  }

  private handle(text: string): void {
    this.line++;
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (t.trim() !== '') this.onLine(t, this.line);
  }
}

/** What parseJsonLine returns for a line that is not JSON (it was rejected). */
export const NOT_JSON = Symbol('not JSON');

/** A line's JSON value, or NOT_JSON after rejecting the line as `unparseable_line` ("invalid JSON: …", without V8's position). */
export function parseJsonLine(text: string, line: number, sink: RowSink): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    sink.reject(line, 'unparseable_line', `invalid JSON: ${(err as Error).message.replace(/ in JSON at position \d+.*$/, '')}`, text);
    return NOT_JSON;
  }
}

/** The file's compression, for a message (undefined when it cannot be told: not a file on disk). */
function compressedAs(file: string): 'gzip' | 'zstd' | undefined {
  try {
    return compressionOf(file);
  } catch {
    return undefined;
  }
}
