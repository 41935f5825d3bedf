/**
 * Node's default heap limit (~4 GB on a 64-bit machine whatever its memory) is what a long log
 * runs into: a fit's window summaries and profile grow with clients × windows, and 90 days of
 * 2 000 clients need more (V8 then stops the process with "heap out of memory" and a native
 * stack). With large inputs the launcher runs the command again in a child process allowed 75 %
 * of the machine's (or the container's) memory — unless NODE_OPTIONS or the node flags already
 * set a heap limit: the user's choice stands.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { constants as osConstants, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { compressionOf, expandInputs } from '../io/input.js';

/** Set in the child so it does not relaunch again. */
export const RELAUNCHED_ENV = 'SERVEGEN_HEAP_RELAUNCHED';
/** Inputs above this many bytes in all (files, directories' files and patterns' matches named on the command line, or a pipeline spec's inputs) relaunch: where `--engine auto` turns to DuckDB. */
export const LARGE_INPUT_BYTES = 256 * 2 ** 20;

export interface HeapContext {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  execArgv: readonly string[];
  /** Current heap limit, bytes. */
  heapLimit: number;
  /** Memory the process may use, bytes (the machine's, or a container's limit). */
  memory: number;
  /** Bytes a command-line argument names: a file's size, a directory's files, a pattern's matches (0 for anything else). */
  fileSize: (path: string) => number;
  /** The input paths of a pipeline spec (`servegen run spec.json`), resolved; [] when it is none. */
  pipelineInputs?: (spec: string) => string[];
  /** Input bytes above which to relaunch (LARGE_INPUT_BYTES; SERVEGEN_RELAUNCH_BYTES overrides it, for tests). */
  threshold?: number;
}

/** The node flags to relaunch with, or undefined to run in this process. */
export function relaunchFlags(c: HeapContext): string[] | undefined {
  if (c.env[RELAUNCHED_ENV]) return undefined;
  const setByUser = (s: string | undefined) => s !== undefined && /--max-old-space-size\b|--max_old_space_size\b/.test(s);
  if (setByUser(c.env.NODE_OPTIONS) || c.execArgv.some(setByUser)) return undefined;
  const threshold = c.threshold ?? LARGE_INPUT_BYTES;
  let bytes = 0;
  const args = c.argv.slice(2).filter((a) => !a.startsWith('-'));
  for (const a of args) bytes += c.fileSize(a);
  // A pipeline's stages read the inputs its spec names (those that exist before it runs).
  if (args[0] === 'run' && args[1] !== undefined && c.pipelineInputs) for (const p of c.pipelineInputs(args[1])) bytes += c.fileSize(p);
  if (bytes <= threshold) return undefined;
  const wantMb = Math.floor((0.75 * c.memory) / 2 ** 20);
  // Worth a second process only for a limit well above the current one.
  if (wantMb * 2 ** 20 <= 1.25 * c.heapLimit) return undefined;
  return [`--max-old-space-size=${wantMb}`];
}

/** This process's context for relaunchFlags. */
export function heapContext(argv: readonly string[]): HeapContext {
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  const machine = totalmem();
  const fromEnv = process.env.SERVEGEN_RELAUNCH_BYTES;
  return {
    argv,
    env: process.env,
    execArgv: process.execArgv,
    heapLimit: getHeapStatistics().heap_size_limit,
    // constrainedMemory is a huge number when no container limit is set.
    memory: constrained !== undefined && constrained > 0 && constrained < machine ? constrained : machine,
    fileSize: argBytes,
    pipelineInputs: (spec) => {
      try {
        const v = JSON.parse(readFileSync(spec, 'utf8')) as { stages?: { inputs?: unknown }[] };
        return (v.stages ?? []).flatMap((st) => (Array.isArray(st.inputs) ? st.inputs.filter((x): x is string => typeof x === 'string').map((x) => resolve(dirname(spec), x)) : []));
      } catch {
        return [];
      }
    },
    ...(fromEnv !== undefined && /^\d+$/.test(fromEnv) ? { threshold: Number(fromEnv) } : {}),
  };
}

/**
 * What a gzipped (or zstd) input counts as, per byte: its text's size is not in the file (gzip
 * keeps it mod 2^32 for the last member only), and logs and profiles shrink 5–10× (a 60-day
 * profile 9×; found by review: 77 MB gzipped did not relaunch where its 702 MB of text would
 * have). zstd at its default level shrinks them about as much (the bench CSV: 4.2× against 4.8×).
 */
const GZIP_RATIO = 8;

/** Bytes an argument names (compressed files at GZIP_RATIO × their size): a file's size, the files directly in a directory, the files a `*`/`?` pattern matches. */
function argBytes(arg: string): number {
  const size = (p: string) => {
    try {
      const st = statSync(p);
      if (st.isFile()) return st.size * (compressionOf(p) ? GZIP_RATIO : 1);
      if (!st.isDirectory()) return 0;
      return readdirSync(p).reduce((sum, name) => {
        const f = statSync(join(p, name), { throwIfNoEntry: false });
        return sum + (f?.isFile() ? f.size * (compressionOf(join(p, name)) ? GZIP_RATIO : 1) : 0);
      }, 0);
    } catch {
      return 0;
    }
  };
  if (!/[*?]/.test(arg)) return size(arg);
  try {
    return expandInputs([arg], { directories: true }).reduce((sum, p) => sum + size(p), 0);
  } catch {
    return 0;
  }
}

/**
 * Runs the command again in a child with `flags`, its stdio the same as ours; resolves to the
 * child's exit code (128 + n when a signal n stopped it; stopped by SIGINT, SIGTERM or SIGHUP,
 * this process then stops by the same signal). A SIGINT, SIGTERM or SIGHUP sent to
 * this process goes on to the child, which removes its temporary outputs and stops.
 */
export function relaunch(flags: string[], argv: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...flags, ...argv.slice(1)], { stdio: 'inherit', env: { ...process.env, [RELAUNCHED_ENV]: '1' } });
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const forward = (s: NodeJS.Signals) => () => child.kill(s);
    const handlers = signals.map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const done = (code: number) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code);
    };
    child.on('error', (err) => {
      process.stderr.write(`servegen: cannot start node for a larger heap (${err.message}); set NODE_OPTIONS=--max-old-space-size=MB instead\n`);
      done(3);
    });
    child.on('exit', (code, signal) => {
      // Any signal's own number (a table of five gave SIGSEGV, SIGBUS, SIGQUIT… 129, as if SIGHUP).
      done(code ?? 128 + ((signal ? osConstants.signals[signal] : undefined) ?? 1));
      // Stopped by a signal we forward: end by it too, as the command would have. A shell running
      // a script tells Ctrl-C from a command's own exit 130 by this: exiting 130, the launcher let
      // `for f in …; do servegen …; done` go on to the next file after Ctrl-C (found by review).
      // (Our handlers are off by now, so the signal takes its default action.)
      if (signal && (signals as readonly string[]).includes(signal)) process.kill(process.pid, signal);
    });
  });
}
