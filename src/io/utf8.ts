/**
 * UTF-8 decoding that keeps bytes which are not UTF-8 recognizable: each such byte b becomes
 * the lone surrogate U+DC00 + b (U+DC80–U+DCFF, Python's "surrogateescape"), which valid
 * UTF-8 text can never contain. A text field holding one is rejected as `bad_encoding`, a
 * valid U+FFFD passes as the character it is, and a reject's `text` keeps the original bytes
 * (JSON writes a lone surrogate as the escape "\udcff"; Python's
 * `s.encode('utf-8', 'surrogateescape')` gives the bytes back).
 */

// ignoreBOM: a U+FEFF inside the text is kept (each call is a fresh decode); EscapingDecoder drops a file's leading BOM itself.
const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there does not start one. */
function sequenceLength(b: Uint8Array, i: number, n: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < n && b[i + k] >= lo && b[i + k] <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Decodes `bytes`, escaping every byte that is not part of a valid UTF-8 sequence (slow path: only for text that has one). */
export function decodeEscaped(bytes: Uint8Array): string {
  let out = '';
  let from = 0; // start of the current run of valid bytes
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    const len = sequenceLength(bytes, i, n);
    if (len > 0) {
      i += len;
      continue;
    }
    if (i > from) out += fatal.decode(bytes.subarray(from, i));
    out += String.fromCharCode(0xdc00 + bytes[i]);
    i++;
    from = i;
  }
  if (from < n) out += fatal.decode(bytes.subarray(from, n));
  return out;
}

/** `bytes` as text: the plain decoding when it is UTF-8 (the common case, no extra work), else with escapes. */
export function decodeUtf8Escaped(bytes: Uint8Array): string {
  try {
    return fatal.decode(bytes);
  } catch {
    return decodeEscaped(bytes);
  }
}

/** Whether `s` holds a lone surrogate (a byte that was not UTF-8, escaped by these decoders). */
export function hasBadBytes(s: string): boolean {
  return !(s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Streaming form for text readers: chunks are decoded whole (a non-streaming decode, several
 * times faster than TextDecoder's stream mode), holding back only a sequence cut by the
 * chunk's end until the next chunk.
 */
export class EscapingDecoder {
  private pending: Uint8Array | undefined;
  private first = true;

  decode(chunk: Uint8Array, final = false): string {
    let bytes = chunk;
    if (this.pending) {
      bytes = new Uint8Array(this.pending.length + chunk.length);
      bytes.set(this.pending);
      bytes.set(chunk, this.pending.length);
      this.pending = undefined;
    }
    if (this.first) {
      if (bytes.length < 3 && !final) {
        this.pending = bytes.slice();
        return '';
      }
      // A byte-order mark at the start of the stream is not text (as TextDecoder's default).
      this.first = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    let cut = bytes.length;
    if (!final) {
      // The last lead byte within 3 bytes of the end, when its sequence needs more bytes.
      for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 3; i--) {
        const c = bytes[i];
        if (c < 0x80) break;
        if (c >= 0xc0) {
          const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
          if (bytes.length - i < need) cut = i;
          break;
        }
      }
      if (cut < bytes.length) this.pending = bytes.slice(cut);
    }
    return decodeUtf8Escaped(cut < bytes.length ? bytes.subarray(0, cut) : bytes);
  }
}
