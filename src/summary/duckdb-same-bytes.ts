import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { compressionOf, openByteStream } from '../io/input.js';

/**
 * The DuckDB engine's warnings for inputs that hold another input's bytes (decompressed): one
 * log given twice under other names — `logs/*.csv*` matching `day1.csv` and its `gzip -k` copy
 * `day1.csv.gz`, or a backup copy — whose every request is counted twice, with exit 0. The
 * TypeScript engine compares the files' accepted rows (sameContentWarnings in
 * src/ingest/ingest.ts); DuckDB's scan does not keep rows per file, so here files are compared
 * by their bytes, which a copy shares: first by size (a plain file's on disk; a gzip file's
 * decompressed, counted by checkCompressedInputs as `gzipSizes`), then, only among files of one
 * size, by a hash of their bytes. zstd files are not compared (their sizes would need a
 * decompression of their own). Each file is named once, against the first input it copies.
 */
export async function sameBytesWarnings(files: readonly string[], gzipSizes: ReadonlyMap<string, number>): Promise<string[]> {
  if (files.length < 2) return [];
  const bySize = new Map<number, string[]>();
  for (const f of files) {
    const c = compressionOf(f);
    const size = c === 'gzip' ? gzipSizes.get(f) : c ? undefined : statSync(f).size;
    if (size === undefined || size === 0) continue;
    const group = bySize.get(size);
    if (group) group.push(f);
    else bySize.set(size, [f]);
  }
  const out: { at: number; text: string }[] = [];
  for (const group of bySize.values()) {
    if (group.length < 2) continue;
    const first = new Map<string, string>();
    for (const f of group) {
      const hash = createHash('sha256');
      for await (const chunk of openByteStream(f)) hash.update(chunk as Buffer);
      const digest = hash.digest('hex');
      const a = first.get(digest);
      if (a === undefined) first.set(digest, f);
      else out.push({ at: files.indexOf(f), text: `${f} holds the same bytes as ${a}${compressionOf(f) || compressionOf(a) ? ' (decompressed)' : ''}: the log was given twice and every request of it is counted twice; give one of them` });
    }
  }
  return out.sort((x, y) => x.at - y.at).map((w) => w.text);
}
