/**
 * Block ids numbered by first use as prefix ids: an id is a prefix's last block, the block after
 * the blocks before it (a node of the rows' trie). Ids that form a tree (Mooncake's, chained
 * hashes) are numbered as by their value alone; an id that follows other blocks in another row
 * (hashes of each block's own tokens) is another block there. Found by audit (h-89): numbered by
 * value alone, such ids made validate, inspect and capacity count a block cached after other
 * blocks (97 % of a log's blocks hit) where the fit's trie counted only shared prefixes (29 %),
 * and validate then failed the fit's own draws. Every trace read (either engine's rows with ids)
 * numbers its ids with it; `ingest --engine duckdb` writes a log's ids numbered by value (its
 * dictionary of up to 201 M ids would need 8 more bytes an id), which a read numbers again.
 */
export class PrefixIds {
  /** Per value code: its block after `after[c]` (the first prefix it followed; −1 first in a row). */
  private readonly renum: Int32Array;
  private readonly after: Int32Array;
  /** Blocks of a value code under any other prefix, by `prefix,code`. */
  private readonly other = new Map<string, number>();
  private next = 0;
  /** `codes`: how many value codes there are (0 … codes − 1). */
  constructor(codes: number) {
    this.renum = new Int32Array(codes).fill(-1);
    this.after = new Int32Array(codes);
  }
  /** Blocks numbered so far. */
  get size(): number {
    return this.next;
  }
  /** The block of value code `c` after block `prev` if numbered already, else −1 (none is numbered). */
  peek(prev: number, c: number): number {
    const known = this.renum[c];
    if (known < 0) return -1;
    if (this.after[c] === prev) return known;
    return this.other.get(`${prev},${c}`) ?? -1;
  }
  /** The block of value code `c` after block `prev` (−1: first in its row). */
  id(prev: number, c: number): number {
    const known = this.renum[c];
    if (known < 0) {
      this.renum[c] = this.next;
      this.after[c] = prev;
      return this.next++;
    }
    if (this.after[c] === prev) return known;
    const key = `${prev},${c}`;
    const id = this.other.get(key);
    if (id !== undefined) return id;
    this.other.set(key, this.next);
    return this.next++;
  }
}
