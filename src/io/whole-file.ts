import type { Hash } from 'node:crypto';
import { constants } from 'node:buffer';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

/**
 * Whole files over 2 GiB. `readFileSync` refuses them ("File size … is greater than 2 GiB"):
 * every `fit` of such a log stopped with that internal error before its scan started, while
 * hashing the input, and so did a profile or summaries file of that size.
 */

const CHUNK = 8 << 20;
/** readFileSync's own limit. */
const READ_FILE_LIMIT = 2 ** 31 - 1;

/** Adds a file's bytes to a hash, read in pieces of `chunk` bytes (never the whole file in memory). Returns the hash. */
export function hashFile(hash: Hash, file: string, chunk = CHUNK): Hash {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(chunk);
    for (;;) {
      const n = readSync(fd, buffer, 0, chunk, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash;
}

/**
 * A file's bytes in one Buffer, up to the largest Buffer (4 GiB on 64-bit Node 20); files above
 * `limit` (readFileSync's 2 GiB) are read in pieces of `chunk` bytes. @throws RangeError naming
 * the file when it is larger than one Buffer holds.
 */
export function readWholeFile(file: string, options: { limit?: number; chunk?: number } = {}): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size <= (options.limit ?? READ_FILE_LIMIT)) return readFileSync(fd);
    if (size > constants.MAX_LENGTH) throw new RangeError(`${file}: ${(size / 2 ** 30).toFixed(1)} GiB is more than one buffer holds here (${(constants.MAX_LENGTH / 2 ** 30).toFixed(0)} GiB)`);
    const out = Buffer.allocUnsafe(size);
    const chunk = options.chunk ?? CHUNK;
    let at = 0;
    while (at < size) {
      const n = readSync(fd, out, at, Math.min(chunk, size - at), at);
      if (n === 0) throw new RangeError(`${file}: the file shrank while it was read (${at} of ${size} bytes)`);
      at += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
