/**
 * Fast ASCII output: numbers and pre-encoded fragments are written as bytes straight into
 * a reusable 1 MiB buffer (no intermediate strings), which is what lets writers emit over a
 * million rows per second. Full buffers are handed to `onChunk` and replaced.
 */
const CHUNK = 1 << 20;
const UTF8 = new TextEncoder();

export class ByteSink {
  private buf = new Uint8Array(CHUNK);
  private pos = 0;
  private readonly digits = new Uint8Array(24);

  constructor(private readonly onChunk: (chunk: Uint8Array) => void) {}

  /** Makes room for `k` more bytes, handing off the current buffer if needed. */
  ensure(k: number): void {
    if (this.pos + k <= this.buf.length) return;
    this.flush();
    if (k > this.buf.length) this.buf = new Uint8Array(k);
  }

  /** Hands off what is buffered (if anything). */
  flush(): void {
    if (this.pos === 0) return;
    this.onChunk(this.buf.subarray(0, this.pos));
    this.buf = new Uint8Array(Math.max(CHUNK, this.buf.length));
    this.pos = 0;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    if (n > 32) {
      this.buf.set(b, this.pos);
      this.pos += n;
      return;
    }
    // Short fragments: a plain loop beats TypedArray.set's call overhead.
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = b[i];
    this.pos = p;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /**
   * Any string (UTF-8), written in place: ASCII byte by byte, the rest by one shared encoder
   * (found by review: a TextEncoder and an array per call made session ids, one string a row,
   * the largest cost of generating a BurstGPT profile).
   */
  text(s: string): void {
    const n = s.length;
    this.ensure(3 * n); // UTF-8 takes at most 3 bytes per UTF-16 unit
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) {
        p += UTF8.encodeInto(i === 0 ? s : s.slice(i), buf.subarray(p)).written;
        break;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** A string as a JSON string literal (as JSON.stringify writes it), printable ASCII without a copy. */
  jsonString(s: string): void {
    const n = s.length;
    this.ensure(n + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 32 || c > 126 || c === 34 || c === 92) {
        this.text(JSON.stringify(s)); // escapes, non-ASCII, lone surrogates: the general path
        return;
      }
      buf[p++] = c;
    }
    buf[p++] = 34;
    this.pos = p;
  }

  /** A non-negative integer below 2^53. */
  uint(n: number): void {
    this.ensure(17);
    if (n < 10) {
      this.buf[this.pos++] = 48 + n;
      return;
    }
    const d = this.digits;
    let k = 0;
    while (n > 0) {
      const q = Math.floor(n / 10);
      d[k++] = 48 + (n - q * 10);
      n = q;
    }
    while (k > 0) this.buf[this.pos++] = d[--k];
  }

  /** `[a,b,c]`: ids[from … to) as a JSON array of non-negative integers. */
  intList(ids: Int32Array | Float64Array, from: number, to: number): void {
    this.byte(91);
    for (let k = from; k < to; k++) {
      if (k > from) this.byte(44);
      this.uint(ids[k]);
    }
    this.byte(93);
  }

  /** Any finite number: integers fast, others via their shortest string form. */
  number(v: number): void {
    if (v >= 0 && v < 9007199254740992 && Math.floor(v) === v) this.uint(v);
    else this.text(String(v));
  }

  /** Seconds with exactly six decimals (microseconds), e.g. `12.000345`. */
  fixed6(t: number): void {
    let us = Math.round(t * 1e6);
    if (us < 0) {
      this.byte(45);
      us = -us;
    }
    const whole = Math.floor(us / 1e6);
    let frac = us - whole * 1e6;
    this.uint(whole);
    this.ensure(7);
    const b = this.buf;
    const p = this.pos;
    b[p] = 46;
    for (let i = 6; i >= 1; i--) {
      const q = Math.floor(frac / 10);
      b[p + i] = 48 + (frac - q * 10);
      frac = q;
    }
    this.pos = p + 7;
  }
}

/** UTF-8 bytes of a constant fragment (encode once, write many times). */
export function ascii(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
