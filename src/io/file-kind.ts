import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { isZstdMagic, unzstdPrefix } from './zstd.js';

/**
 * What a file is, from its first bytes: one of our own JSON files (by its `"format"`), a
 * trace (a servegen header, or Parquet / Arrow magic bytes), or unknown. Used to say
 * "this is a profile, not a trace" where a user passed the wrong kind of file (found by
 * review: `fit profile.json` said "no servegen header, give --preset", `generate
 * trace.parquet` said "invalid JSON (Unexpected token 'P', "PAR1…")").
 */
export type FileKind = 'profile' | 'summaries' | 'fidelity' | 'trace' | 'parquet' | 'arrow' | 'html' | 'other';

/** A file kind in words, for "x.json: a servegen profile, not a …" (not for 'other'). */
export function fileKindName(kind: Exclude<FileKind, 'other'>): string {
  return { profile: 'a servegen profile', summaries: 'servegen window summaries', fidelity: 'a fidelity report (validate --json)', trace: 'a trace', parquet: 'a Parquet file', arrow: 'an Arrow file', html: 'an HTML report (a --report page)' }[kind];
}

/** The first `bytes` bytes of a file (empty for a directory or an unreadable file). */
export function readHead(file: string, bytes = 4096): Buffer {
  try {
    if (statSync(file).isDirectory()) return Buffer.alloc(0);
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(bytes);
      return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return Buffer.alloc(0);
  }
}

/** The `"format": "servegen-…"` named near the start of a text, if any. */
export function servegenFormatIn(head: string): string | undefined {
  return /"format"\s*:\s*"(servegen-[a-z-]+)"/.exec(head)?.[1];
}

/** The first bytes a gzip stream's head decompresses to (as much as the head holds), or the head itself when it is no gzip. */
function gunzippedHead(head: Buffer): Buffer {
  if (!(head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)) return head;
  try {
    return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return Buffer.alloc(0);
  }
}

/** The first bytes of a file's text: its first `bytes` (4 KiB), decompressed when it is gzip (a profile.json.gz) or zstd. */
export function readTextHead(file: string, bytes = 4096): Buffer {
  const head = readHead(file, bytes);
  // A zstd block (up to 128 KiB compressed) comes out whole or not at all: 256 KiB are read for it.
  return isZstdMagic(head) ? unzstdPrefix(readHead(file, Math.max(bytes, 1 << 18)), bytes) : gunzippedHead(head);
}

/** What `file` is (see FileKind), from the start of its text (readTextHead). */
export function fileKind(file: string): FileKind {
  const head = readTextHead(file);
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  if (head.subarray(0, 6).toString('latin1') === 'ARROW1' || (head.length >= 4 && head.readUInt32LE(0) === 0xffffffff)) return 'arrow';
  // JSON files of ours, and traces whose header (jsonl line, csv comment) names the format.
  const format = servegenFormatIn(head.toString('utf8'));
  if (format === 'servegen-profile') return 'profile';
  if (format === 'servegen-summaries') return 'summaries';
  if (format === 'servegen-fidelity') return 'fidelity';
  if (format === 'servegen-trace') return 'trace';
  // A --report page (found by a new user's walkthrough: `generate fit.html` said "invalid JSON (Unexpected token '<')").
  if (/^\s*<(!doctype html|html)[\s>]/i.test(head.subarray(0, 64).toString('utf8'))) return 'html';
  return 'other';
}

/**
 * A one-sentence explanation when `file` is one of our files of another kind than the
 * command wants, with the command that makes what it wants; undefined when the file is not
 * recognisably the wrong kind.
 */
export function wrongKindHint(file: string, wanted: 'trace' | 'profile'): string | undefined {
  const kind = fileKind(file);
  if (wanted === 'trace') {
    if (kind === 'profile') return `${file}: a servegen profile, not a trace (servegen inspect ${file} describes it; servegen generate ${file} --duration SECONDS --out trace.jsonl makes a trace from it)`;
    if (kind === 'summaries') return `${file}: servegen window summaries, not a trace (fit them with servegen fit --summaries ${file} --out profile.json)`;
    if (kind === 'fidelity') return `${file}: a fidelity report (validate --json), not a trace`;
    if (kind === 'html') return `${file}: ${fileKindName(kind)}, not a trace`;
    return undefined;
  }
  if (kind === 'html') return `${file}: ${fileKindName(kind)}, not a profile (the profile is fit's --out)`;
  if (kind === 'trace' || kind === 'parquet' || kind === 'arrow') return `${file}: a trace${kind === 'trace' ? '' : ` (${kind})`}, not a profile: fit one first (servegen fit ${file} --out profile.json)`;
  if (kind === 'summaries') return `${file}: servegen window summaries, not a profile: fit them first (servegen fit --summaries ${file} --out profile.json)`;
  if (kind === 'fidelity') return `${file}: a fidelity report (validate --json), not a profile`;
  return undefined;
}
