import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NUMERIC_RE } from '../ingest/normalize.js';
import { CommanderError } from 'commander';
import { ProfileError } from '../profile/errors.js';
import { GenerateError } from '../generate/errors.js';
import { PmfError } from '../stats/pmf.js';
import { IngestError } from '../ingest/errors.js';
import { InputError } from '../io/input.js';
import { isSpecialOutput } from '../io/atomic.js';
import { presetHint } from './preset-hint.js';

/** Exit codes of every command (DESIGN.md, CLI contract). */
export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
/** A bug (an error no command anticipated): never a failed check, so `run` never lets it pass as one. */
export const EXIT_INTERNAL = 3;

/** Bad command-line usage detected by a command (not by commander). */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Too many input rows were rejected (--max-reject-ratio): a failed check, exit 1. */
export class RejectRatioError extends Error {
  readonly code = 'REJECTS';
  constructor(message: string) {
    super(message);
    this.name = 'RejectRatioError';
  }
}

/**
 * Turns any error into (message, exit code). Known errors are bad input (2) and print
 * their message only; unknown ones print a one-line internal error (no stack trace unless
 * SERVEGEN_DEBUG is set) and exit 3 (EXIT_INTERNAL).
 */
export function describeError(err: unknown): { message: string; code: number } {
  if (err instanceof CommanderError) return { message: '', code: err.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT };
  if (err instanceof RejectRatioError) return { message: err.message, code: EXIT_CHECK_FAILED };
  if (err instanceof IngestError) return { message: err.message + presetHint(err), code: EXIT_BAD_INPUT };
  // The library's GenerateError names GenerateOptions' fields (`duration`); the CLI, its flags.
  if (err instanceof GenerateError) return { message: err.cliMessage, code: EXIT_BAD_INPUT };
  if (err instanceof ProfileError || err instanceof UsageError || err instanceof PmfError || err instanceof InputError) {
    return { message: err.message, code: EXIT_BAD_INPUT };
  }
  const e = err as NodeJS.ErrnoException;
  // The reader of a pipe stopped early (`generate … --out /dev/stdout | head`): what it read
  // was written, and the rest is not wanted. Quiet and 0, as ripgrep does (it said "cannot
  // write (EPIPE: broken pipe, write)", exit 2).
  if (e && e.code === 'EPIPE') return { message: '', code: EXIT_OK };
  if (e && typeof e.code === 'string' && e.code.startsWith('E') && e.path) {
    // An output's write error (io/atomic.ts outputError) names its path already.
    if (e.message.startsWith(`${e.path}: `)) return { message: e.message, code: EXIT_BAD_INPUT };
    const what: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EPERM: 'permission denied', ENOTDIR: 'a file is in the way of its directory', EISDIR: 'is a directory', ENOSPC: 'no space left on the device' };
    // mkdir of an output directory where a file is (export-servegen --out FILE) said "EEXIST: file already exists" — found by review.
    if (e.code === 'EEXIST' && e.syscall === 'mkdir') what.EEXIST = 'a file is in the way of its directory';
    // Node's own text repeats the path ("ENOTDIR: not a directory, mkdir 'x/y'"): the code's meaning instead.
    return { message: `${e.path}: ${what[e.code] && !/^cannot write/.test(e.message) ? what[e.code] : e.message.replace(/, \w+ '[^']*'( -> '[^']*')?$/, '')}`, code: EXIT_BAD_INPUT };
  }
  const detail = process.env.SERVEGEN_DEBUG && err instanceof Error ? `\n${err.stack}` : '';
  return { message: `internal error: ${err instanceof Error ? err.message : String(err)}${detail}`, code: EXIT_INTERNAL };
}

/**
 * A flag's number: plain decimal text only (`12`, `0.5`, `1e9`), NaN otherwise. Number() alone
 * also took `0x10` and `0b11` (found by review: `--rate scale:0x10` ran at ×16). Spaces around
 * it are dropped (`--window '600 '`, a quoted copy-paste), as `--rate` and `capacity` drop
 * them: numeric flags refused them while those took them.
 */
export function flagNumber(text: string): number {
  const t = text.trim();
  return NUMERIC_RE.test(t) ? Number(t) : NaN;
}

/** Seconds per time unit, by the unit's first letter (`ms` apart). */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * For a number written with a time unit (`1h`, `10 min`, `1ms`): what to give instead, since
 * flags take plain seconds (found by review: `--duration 1h` said only "expected a number").
 */
export function secondsHint(text: string): string {
  // A clock time (`01:00:00`) and digit groups (`3,600`, `86_400`) said only "expected a number"
  // (found by a new user's walkthrough).
  const clock = /^\s*(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)\s*$/.exec(text);
  if (clock) return ` (plain seconds: ${Number((Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3])).toPrecision(12))} for ${text.trim()})`;
  if (/^\s*\d{1,3}([,_])\d{3}(\1\d{3})*(\.\d+)?\s*$/.test(text)) return ` (plain seconds, without digit separators: ${text.replace(/[\s,_]/g, '')})`;
  const m = /^\s*(\d+\.?\d*|\.\d+)\s*(ms|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)\s*$/i.exec(text);
  if (!m) return '';
  const unit = m[2].toLowerCase();
  const factor = unit === 'ms' ? 0.001 : UNIT_SECONDS[unit[0]];
  return ` (plain seconds, without a unit: ${Number((Number(m[1]) * factor).toPrecision(12))})`;
}

/**
 * Refuses an output that cannot be made where it is named, before any input is read: a file
 * on its path where a directory goes (`--out notes.txt/p.json`), or a directory it would be
 * made in that this user cannot write in. The write found them only after reading (and fitting)
 * the whole input (found by a new user's walkthrough). Missing directories are fine: they are made.
 * Devices and `/dev/…` paths (`--out /dev/stdout`) are not checked. @throws UsageError naming the flag.
 */
export function refuseUnwritable(flag: string, path: string): void {
  if (path.startsWith('/dev/') || isSpecialOutput(path)) return;
  // The nearest existing directory on the path above the output: where its directory (or itself) is made.
  for (let d = dirname(path); ; d = dirname(d)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(d).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(d) !== d) continue;
      if (code === 'EACCES' || code === 'EPERM') throw new UsageError(`${flag} ${path}: cannot write in ${dirname(d)} (permission denied)`);
      return; // anything else is left to the write, which names it
    }
    if (!isDirectory) throw new UsageError(`${flag} ${path}: cannot write: ${d} is a file, not a directory`);
    try {
      accessSync(d, constants.W_OK | constants.X_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(`${flag} ${path}: cannot write in ${d} (${code === 'EROFS' ? 'a read-only file system' : 'permission denied'})`);
    }
    return;
  }
}

/**
 * Refuses an existing file as an output directory up front: roundtrip read and fitted the whole
 * input first, then said "/abs/path: a file is in the way of its directory" (found by a new
 * user's walkthrough: `roundtrip conv.parquet --out conv-profile.json`). @throws UsageError.
 */
export function refuseFileAsDir(dir: string, writes: string): void {
  let isFile = false;
  try {
    isFile = !statSync(dir).isDirectory();
  } catch {
    // missing: made later, if it can be
  }
  if (isFile) throw new UsageError(`--out ${dir}: an existing file, not a directory (it writes ${writes} into a directory); give a directory name`);
  refuseUnwritable('--out', dir);
}

/** Parses a numeric flag that must be > 0 (or ≥ 0). @throws UsageError naming the flag. */
export function positive(text: string, flag: string, allowZero = false): number {
  const v = flagNumber(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) throw new UsageError(`${flag}: expected a number ${allowZero ? '≥' : '>'} 0, got ${JSON.stringify(text)}${secondsHint(text)}`);
  return v;
}

/**
 * Parses --window / --length-window: seconds ≥ 1 µs, the finest time a profile records (found by
 * review: `--window 1e-12` fitted one window per request at 10^12 req/s, and generate from that
 * profile exited 3 allocating 3.5·10^15 windows). @throws UsageError naming the flag.
 */
export function windowSeconds(text: string, flag: string): number {
  const v = positive(text, flag);
  if (v < 1e-6) throw new UsageError(`${flag}: windows must be at least 1e-6 s (a profile records times to 1 µs), got ${text}; windows hold many requests each (the default is 600 s)`);
  return v;
}

/**
 * Refuses a clock resolution not below the arrival window (found by review: `--resolution 1000
 * --window 600` was taken, every gap in a window then reads as 0 ticks). @throws UsageError.
 */
export function checkResolution(resolution: number | undefined, window: number): void {
  if (resolution !== undefined && resolution >= window) throw new UsageError(`--resolution ${resolution} s is not below --window ${window} s: every gap in a window would read as 0 ticks of the clock; the resolution is the timestamps' step (0.001 for milliseconds)`);
}

/**
 * Checks a --seed: any text, or an integer from -2^63 to 2^63 - 1. Integer seeds are taken
 * modulo 2^64, so larger ones gave the output of another seed (found by review:
 * --seed 18446744073709551616 wrote the very file --seed 0 writes). @throws UsageError naming the flag.
 */
export function checkSeed(text: string, flag = '--seed', warn?: (line: string) => void): string {
  // Numeric flags drop spaces around their value; a seed is any text, so ` 42` is not 42 (found
  // by review: --seed ' 42' wrote another trace than --seed 42 without a word). Kept as it was
  // (a run must not change seed), and said.
  const trimmed = text.trim();
  if (trimmed !== text && /^-?\d+$/.test(trimmed)) warn?.(`warning: ${flag} ${JSON.stringify(text)} is a text seed (the spaces are part of it), not the number ${trimmed}: it gives another output than ${flag} ${trimmed}`);
  if (/^-?\d+$/.test(text)) {
    const v = BigInt(text);
    if (v < -(1n << 63n) || v >= 1n << 63n) throw new UsageError(`${flag}: integer seeds go from -9223372036854775808 to 9223372036854775807 (larger ones repeat smaller ones), got ${text}; any other text is a seed too`);
  }
  return text;
}

/** What the report flags write, and the names that would say otherwise. */
const OUTPUT_KINDS: Record<string, { what: string; ext: string; wrong: RegExp }> = {
  '--report': { what: 'an HTML report', ext: '.html', wrong: /\.(json|jsonl|ndjson|csv|tsv|parquet|pq|arrow|md|txt)$/i },
  '--json': { what: 'JSON', ext: '.json', wrong: /\.(html?|csv|tsv|parquet|pq|arrow|md|txt)$/i },
  '--md': { what: 'a markdown table', ext: '.md', wrong: /\.(html?|json|jsonl|csv|tsv|parquet|pq|arrow)$/i },
};

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Refuses outputs that would replace an input or another output of the same run. Atomic
 * writes made these silent: `fit --out p.json --report p.json` left only the HTML page,
 * `validate src g.jsonl --json g.jsonl` replaced the generated trace by the report, and
 * `generate p.json --out p.json` the profile by a trace (found by review). Devices, pipes and
 * `/dev/…` paths (`--json /dev/stdout`) are not files and are let through; `-` is refused.
 * Also refuses a `.gz` name for outputs written uncompressed (all but the flags in `gzipNamed`),
 * and a `.zst` name for any output (nothing is written zstd-compressed), and a report named for
 * another format (OUTPUT_KINDS), and an existing directory for an output (but the flags in `dirNamed`).
 * @throws UsageError naming both flags and the file.
 */
export function refuseClobber(inputs: readonly (readonly [string, string | undefined])[], outputs: readonly (readonly [string, string | undefined])[], gzipNamed: readonly string[] = ['--out'], dirNamed: readonly string[] = []): void {
  const key = (path: string): string | undefined => {
    if (path.startsWith('/dev/')) return undefined;
    try {
      return statSync(path).isFile() ? realpathSync(path) : undefined;
    } catch {
      return resolve(path); // not there yet: another output may still name it
    }
  };
  const seen = new Map<string, string>();
  for (const [what, path] of inputs) {
    const k = path === undefined ? undefined : key(path);
    if (k !== undefined) seen.set(k, `${what} ${path}`);
  }
  for (const [flag, path] of outputs) {
    // `--json -` wrote a file named "-" where a shell user expected standard output (found by review).
    if (path === '-') throw new UsageError(`${flag} -: would write a file named "-"; give /dev/stdout for standard output (or ./- for such a file)`);
    // A directory where a file goes was found only at the write, after reading and fitting the
    // whole input (found by a new user's walkthrough: 10 s on 4.3 M rows). `dirNamed`: flags that write a directory.
    if (path !== undefined && !dirNamed.includes(flag) && isDirectory(path)) throw new UsageError(`${path}: cannot write (it is a directory)`);
    if (path !== undefined) refuseUnwritable(flag, path);
    // Reports, rejects and summaries were written plain under a gzip name (found by review);
    // `--out` is left to its command (a profile is gzipped by its name, the others say why not).
    if (path !== undefined && /\.gz$/i.test(path) && !gzipNamed.includes(flag)) throw new UsageError(`${flag} ${path}: written uncompressed; name it without .gz (only a profile, fit --out *.json.gz, is written gzipped)`);
    // zstd is read, not written: `fit --out p.json.zst` wrote plain JSON under a zstd name.
    const zst = path === undefined ? null : /\.(zst|zstd)$/i.exec(path);
    if (zst) throw new UsageError(`${flag} ${path}: written uncompressed (servegen reads zstd but writes none); name it without .${zst[1]} (a profile may be fit --out *.json.gz)`);
    const k = path === undefined ? undefined : key(path);
    if (k === undefined) continue;
    const other = seen.get(k);
    if (other !== undefined) throw new UsageError(`${flag} ${path} is the same file as ${other}: writing it would replace that; give another name`);
    seen.set(k, `${flag} ${path}`);
    // An HTML report named .json, or a JSON report named .html, was written without a word (found
    // by review: `validate --report out.json`). After the clobber check, which says more.
    const kind = OUTPUT_KINDS[flag];
    if (kind && path !== undefined && kind.wrong.test(path)) throw new UsageError(`${flag} ${path}: written as ${kind.what}, which the name does not say; name it ${kind.ext}`);
  }
}
