import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { createInflateRaw } from 'node:zlib';

/**
 * Where a gzip file that failed to decompress is damaged, found by reading it once more member
 * by member (the error path only): `trailing` — every gzip member is whole and bytes that are
 * no gzip data follow the last one (Node's gunzip refuses them, unless they are zeros);
 * `inside` — a member is cut or corrupt. `lines` is how many lines decompress before the damage.
 * The first read cannot say: zlib drops the output of the write that failed and the reader's
 * buffered text with it, so "0 rows were read before it" was said of a file whose compressed
 * data was whole (left open by review).
 */
export async function locateGzipDamage(path: string): Promise<{ kind: 'trailing' | 'inside'; at: number; size: number; lines: number }> {
  const fd = openSync(path, 'r');
  let size: number;
  let pos = 0;
  let lines = 0;
  try {
    size = fstatSync(fd).size;
    while (pos < size) {
      const head = Buffer.alloc(Math.min(65536, size - pos));
      readSync(fd, head, 0, head.length, pos);
      if (!(head[0] === 0x1f && head[1] === 0x8b && head[2] === 8)) return { kind: pos > 0 ? 'trailing' : 'inside', at: pos, size, lines };
      const h = headerLength(head);
      if (h === undefined) return { kind: 'inside', at: pos, size, lines };
      const body = await inflateFrom(path, pos + h);
      lines += body.lines;
      if (!body.ok) return { kind: 'inside', at: pos + h + body.consumed, size, lines };
      pos += h + body.consumed + 8; // the body, then CRC32 and ISIZE
      if (pos > size) return { kind: 'inside', at: size, size, lines };
    }
  } finally {
    closeSync(fd);
  }
  // Every member inflates whole: the damage is one the deflate data does not show (a CRC or length mismatch).
  return { kind: 'inside', at: -1, size, lines };
}

/** Length of a gzip member header (RFC 1952), undefined when it does not fit in `b`. */
function headerLength(b: Buffer): number | undefined {
  const flags = b[3];
  let at = 10;
  if (flags & 4) at += 2 + (b.length >= at + 2 ? b.readUInt16LE(at) : Infinity);
  for (const bit of [8, 16]) {
    if (!(flags & bit)) continue;
    const nul = b.indexOf(0, at);
    if (nul < 0) return undefined;
    at = nul + 1;
  }
  if (flags & 2) at += 2;
  return at <= b.length ? at : undefined;
}

/** Inflates one raw deflate stream starting at `start`: whether it ends whole, its compressed length, its line count. */
function inflateFrom(path: string, start: number): Promise<{ ok: boolean; consumed: number; lines: number }> {
  return new Promise((resolve) => {
    const raw = createReadStream(path, { start, highWaterMark: 1 << 16 });
    const z = createInflateRaw({ chunkSize: 1 << 16 });
    let lines = 0;
    z.on('data', (c: Buffer) => {
      for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
    });
    z.on('error', () => {
      raw.destroy();
      resolve({ ok: false, consumed: z.bytesWritten, lines });
    });
    z.on('end', () => {
      raw.destroy();
      resolve({ ok: true, consumed: z.bytesWritten, lines });
    });
    raw.on('error', () => z.destroy(new Error('read')));
    raw.pipe(z);
  });
}

/** The message for a gzip input that failed to decompress with zlib's `reason`: what is damaged, where, and how much reads before it. */
export async function gzipDamageMessage(path: string, reason: string): Promise<string> {
  let d: Awaited<ReturnType<typeof locateGzipDamage>>;
  try {
    d = await locateGzipDamage(path);
  } catch {
    return `${path}: truncated or corrupt gzip data (${reason})`;
  }
  if (d.kind === 'trailing') {
    return `${path}: ${d.size - d.at} byte(s) of trailing garbage after the end of the gzip data (which ends at byte ${d.at} of ${d.size}); the compressed data is whole (${d.lines} lines) but nothing was ingested: keep only the gzip data (head -c ${d.at} ${path} > fixed.gz) or recompress the file`;
  }
  if (d.at < 0) return `${path}: corrupt gzip data (${reason}): the compressed data decompresses but does not match its checksum; none of the file was ingested`;
  const where = d.at >= d.size || /unexpected end of file/i.test(reason) ? 'the file ends inside the compressed data (cut short, e.g. an interrupted download or copy)' : `damaged inside the compressed data, near byte ${d.at} of ${d.size}`;
  return `${path}: truncated or corrupt gzip data (${reason}): ${where}; ${d.lines} line(s) decompress before the damage, none of the file was ingested`;
}
