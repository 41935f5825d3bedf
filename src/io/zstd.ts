import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Transform } from 'node:stream';
import { Decompress } from 'fzstd';
import { Xxh64 } from './xxh64.js';

/**
 * Zstandard inputs (RFC 8878): logs are often kept as `.jsonl.zst`. Node 20's zlib has no
 * zstd, so frames are decompressed by fzstd (pure JavaScript, ~100–120 MB/s of output here;
 * 58–67 MB/s with the content checksums we verify and fzstd does not; zlib gunzips ~400 MB/s),
 * streaming block by block: memory stays at the frame's
 * window (2 MB at the zstd tool's default level 3, 8 MB at -19, up to 128 MB with --long=27:
 * 136 MB resident reading a 50 MB CSV so compressed, 88 MB at level 3), whatever the file.
 */

/** Whether bytes start a zstd frame (magic 28 B5 2F FD) or a skippable frame (magic 0x184D2A5?, little-endian). */
export function isZstdMagic(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return true;
  return (b[0] & 0xf0) === 0x50 && b[1] === 0x2a && b[2] === 0x4d && b[3] === 0x18;
}

/** A stream transform that decompresses zstd data (any number of frames, skippable ones skipped). */
export function createZstdDecompress(): Transform {
  let pending: Uint8Array[] = [];
  // Each frame's content checksum (the low 32 bits of its XXH64), which fzstd skips unread: the
  // frame being decompressed (fzstd's state object), its hash, and the checksum bytes seen so far.
  let frame: { c: number; d: number } | undefined;
  let hash = new Xxh64();
  let sum: number[] = [];
  const d = new Decompress((chunk) => {
    const s = (d as unknown as { s: unknown }).s;
    if (typeof s === 'object' && s !== null && s !== frame) {
      // fzstd reads a frame that needs a dictionary as if it had none: NUL bytes and garbage.
      if ((s as { d: number }).d) throw new Error(`the data needs zstd dictionary ${(s as { d: number }).d}`);
      frame = s as { c: number; d: number };
      hash = new Xxh64();
      sum = [];
    }
    hash.update(chunk);
    pending.push(chunk);
  });
  // After a frame's last block fzstd's state is the number of checksum bytes to skip (4, or 0).
  const push = d.push.bind(d);
  d.push = (chunk: Uint8Array, final?: boolean) => {
    const s = (d as unknown as { s: unknown }).s;
    if (frame !== undefined && typeof s === 'number') {
      if (!frame.c) frame = undefined;
      else {
        for (let i = 0; i < Math.min(s, chunk.length); i++) sum.push(chunk[i]);
        if (sum.length === 4) {
          const want = (sum[0] | (sum[1] << 8) | (sum[2] << 16) | (sum[3] << 24)) >>> 0;
          const got = Number(hash.digest() & 0xffffffffn);
          frame = undefined;
          if (want !== got) throw new Error("content checksum mismatch: a frame's data is corrupt");
        }
      }
    }
    push(chunk, final);
  };
  const flush = (t: Transform) => {
    for (const c of pending) t.push(c);
    pending = [];
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      try {
        d.push(chunk);
      } catch (err) {
        return done(zstdError(err));
      }
      flush(this);
      done();
    },
    flush(done) {
      try {
        d.push(new Uint8Array(0), true);
      } catch (err) {
        return done(zstdError(err));
      }
      flush(this);
      done();
    },
  });
}

/** fzstd's errors carry a numeric code; ours say zstd, so the input's reader names the problem. */
export class ZstdDataError extends Error {
  constructor(readonly reason: string) {
    super(`zstd: ${reason}`);
    this.name = 'ZstdDataError';
  }
}

function zstdError(err: unknown): Error {
  return new ZstdDataError((err as Error).message || String(err));
}

/** Where a zstd file's frames end early or stop making sense, from their headers alone. */
export interface ZstdLayout {
  /** Byte offset where the data stops being whole zstd frames, or -1 when every frame is whole to the file's end. */
  at: number;
  size: number;
  frames: number;
  /** What is wrong at `at`. */
  problem?: string;
  /** The dictionary a frame at `at` was compressed with (zstd -D), which no engine here reads. */
  dictionary?: number;
}

/**
 * Walks a zstd file's frames by their headers (frame header, then 3-byte block headers to
 * the last block, then the optional checksum; skippable frames by their length) without
 * decompressing: a truncated file is found in one read per block. DuckDB reads a truncated
 * zstd file as if it ended there (0 rows, no error), so the DuckDB engine checks each one
 * first; the TypeScript engine's decompressor stops with "unexpected EOF" and this says where.
 * Corrupt block contents are not seen here: the decompressors refuse those.
 */
export function zstdLayout(path: string): ZstdLayout {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(18);
    const read = (at: number, n: number): Buffer | undefined => {
      if (at + n > size) return undefined;
      readSync(fd, buf, 0, n, at);
      return buf;
    };
    let pos = 0;
    let frames = 0;
    const cut = (at: number, problem: string): ZstdLayout => ({ at, size, frames, problem });
    while (pos < size) {
      const magic = read(pos, 4);
      if (!magic) return cut(pos, 'a frame header is cut short');
      if (!isZstdMagic(magic)) return cut(pos, frames > 0 ? 'bytes that are no zstd frame follow the last whole frame' : 'no zstd frame at the start');
      if (magic[0] !== 0x28) {
        // Skippable frame: magic, 4-byte little-endian length, that many bytes.
        const len = read(pos + 4, 4);
        if (!len) return cut(pos, 'a skippable frame is cut short');
        const end = pos + 8 + len.readUInt32LE(0);
        if (end > size) return cut(pos, 'a skippable frame is cut short');
        pos = end;
        frames++;
        continue;
      }
      const fhd = read(pos + 4, 1);
      if (!fhd) return cut(pos, 'a frame header is cut short');
      const d = fhd[0];
      const fcsFlag = d >> 6;
      const single = (d >> 5) & 1;
      const checksum = (d >> 2) & 1;
      const dictFlag = d & 3;
      if ((d >> 3) & 1) return cut(pos, 'a frame header has its reserved bit set');
      const headerLen = 5 + (single ? 0 : 1) + [0, 1, 2, 4][dictFlag] + [single ? 1 : 0, 2, 4, 8][fcsFlag];
      let at = pos + headerLen;
      if (at > size) return cut(pos, 'a frame header is cut short');
      if (dictFlag) {
        const id = read(pos + 5 + (single ? 0 : 1), [0, 1, 2, 4][dictFlag])!.readUIntLE(0, [0, 1, 2, 4][dictFlag]);
        if (id !== 0) return { ...cut(pos, `a frame needs zstd dictionary ${id}`), dictionary: id };
      }
      for (;;) {
        const bh = read(at, 3);
        if (!bh) return cut(at, 'a block header is cut short');
        const h = bh[0] | (bh[1] << 8) | (bh[2] << 16);
        const last = h & 1;
        const type = (h >> 1) & 3;
        if (type === 3) return cut(at, 'a block has the reserved type');
        const len = type === 1 ? 1 : h >>> 3;
        at += 3 + len;
        if (at > size) return cut(at - 3 - len, 'a block is cut short');
        if (last) break;
      }
      at += checksum ? 4 : 0;
      if (at > size) return cut(size, "a frame's checksum is cut short");
      pos = at;
      frames++;
    }
    return { at: -1, size, frames };
  } finally {
    closeSync(fd);
  }
}

/**
 * The message for a zstd input that is cut short or failed to decompress (with the
 * decompressor's `reason`, when it failed): what is damaged and where.
 */
export function zstdDamageMessage(path: string, reason?: string): string {
  const why = reason ? ` (${reason})` : '';
  let layout: ZstdLayout;
  try {
    layout = zstdLayout(path);
  } catch {
    return `${path}: truncated or corrupt zstd data${why}; none of the file was ingested`;
  }
  if (layout.dictionary !== undefined) return `${path}: zstd data compressed with a dictionary (zstd -D; dictionary ID ${layout.dictionary}, frame at byte ${layout.at}), which is not read here: decompress it with its dictionary first (zstd -dc -D DICT ${path} > …); none of the file was ingested`;
  if (layout.at < 0) return `${path}: corrupt zstd data${why}: its ${layout.frames} frame(s) are whole but do not decompress; none of the file was ingested`;
  return `${path}: truncated or corrupt zstd data${why}: ${layout.problem} at byte ${layout.at} of ${layout.size}; none of the file was ingested`;
}

/** What zstd `bytes` decompress to, up to about `max` bytes (whole blocks; damaged data: what came before it). */
export function unzstdPrefix(bytes: Uint8Array, max: number): Buffer {
  const out: Uint8Array[] = [];
  let length = 0;
  const d = new Decompress((chunk) => {
    out.push(chunk);
    length += chunk.length;
  });
  try {
    for (let at = 0; at < bytes.length && length < max; at += 1 << 16) d.push(bytes.subarray(at, at + (1 << 16)), at + (1 << 16) >= bytes.length);
  } catch {
    // damaged data: what came out before it
  }
  return Buffer.concat(out).subarray(0, max);
}
