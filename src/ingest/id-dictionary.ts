/**
 * Codes 0, 1, … for block ids (hash_ids) in order of first lookup, with no limit on how many:
 * a JavaScript Map holds at most 2^24 entries ("Map maximum size exceeded"), which a trace of a
 * few million requests passes (found by review: 5 h of the Mooncake chat profile at 20× its
 * rate, 18.7 M distinct blocks, made ingest, fit, validate and inspect exit 3, internal error).
 * Numbers (safe integers, any sign) live in an open-addressing table of typed arrays; texts in
 * Maps chosen by a hash of the text, each far below the limit.
 */
export class IdDictionary {
  private slotKeys = new Float64Array(1024);
  private codes = new Int32Array(1024).fill(-1);
  private mask = 1023;
  private numbers = 0;
  private readonly texts: Map<string, number>[] = [];
  /** Distinct ids seen. */
  size = 0;

  /** The id's code (a new one, the next number, when it is new). */
  code(key: number | string): number {
    return typeof key === 'number' ? this.numberCode(key) : this.textCode(key);
  }

  /** Each code's key (index: the code), for ordering rows by their ids' values (orderRows). */
  keys(): (number | string)[] {
    const out = new Array<number | string>(this.size);
    for (let i = 0; i < this.codes.length; i++) if (this.codes[i] >= 0) out[this.codes[i]] = this.slotKeys[i];
    for (const m of this.texts) if (m) for (const [k, c] of m) out[c] = k;
    return out;
  }

  private numberCode(key: number): number {
    let i = slotOf(key) & this.mask;
    for (;;) {
      const c = this.codes[i];
      if (c < 0) break;
      if (this.slotKeys[i] === key) return c;
      i = (i + 1) & this.mask;
    }
    const code = this.size++;
    this.slotKeys[i] = key;
    this.codes[i] = code;
    if (++this.numbers * 4 > this.codes.length * 3) this.grow();
    return code;
  }

  private grow(): void {
    const keys = this.slotKeys;
    const codes = this.codes;
    const n = codes.length * 2;
    this.slotKeys = new Float64Array(n);
    this.codes = new Int32Array(n).fill(-1);
    this.mask = n - 1;
    for (let j = 0; j < codes.length; j++) {
      if (codes[j] < 0) continue;
      let i = slotOf(keys[j]) & this.mask;
      while (this.codes[i] >= 0) i = (i + 1) & this.mask;
      this.slotKeys[i] = keys[j];
      this.codes[i] = codes[j];
    }
  }

  private textCode(key: string): number {
    // 256 Maps by a hash of the text: room for 2^32 texts, far past what memory holds.
    let h = 0x811c9dc5;
    for (let k = 0; k < key.length; k++) h = Math.imul(h ^ key.charCodeAt(k), 0x01000193);
    const shard = (h >>> 24) & 255;
    let m = this.texts[shard];
    if (!m) this.texts[shard] = m = new Map();
    let code = m.get(key);
    if (code === undefined) m.set(key, (code = this.size++));
    return code;
  }
}

/** A table slot's hash of a safe integer (its two 32-bit halves mixed; ids counted 0, 1, … spread). */
function slotOf(key: number): number {
  const lo = key >>> 0;
  const hi = Math.floor(key / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2f), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}
