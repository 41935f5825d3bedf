/**
 * Node's default heap limit (~4 GB on a 64-bit machine whatever its memory) is what a long log
 * runs into: a fit's window summaries and profile grow with clients × windows, and 90 days of
 * 2 000 clients need more (V8 then stops the process with "heap out of memory" and a native
 * stack). With large inputs the launcher runs the command again in a child process allowed 75 %
 * of the machine's (or the container's) memory — unless NODE_OPTIONS or the node flags already
 * set a heap limit: the user's choice stands.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';

/** Set in the child so it does not relaunch again. */
export const RELAUNCHED_ENV = 'SERVEGEN_HEAP_RELAUNCHED';
/** Inputs above this many bytes in all (files named on the command line) relaunch: where `--engine auto` turns to DuckDB. */
export const LARGE_INPUT_BYTES = 256 * 2 ** 20;

export interface HeapContext {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  execArgv: readonly string[];
  /** Current heap limit, bytes. */
  heapLimit: number;
  /** Memory the process may use, bytes (the machine's, or a container's limit). */
  memory: number;
  /** Size of a path when it is a file, else 0. */
  fileSize: (path: string) => number;
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
  for (const a of c.argv.slice(2)) if (!a.startsWith('-')) bytes += c.fileSize(a);
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
    fileSize: (p) => {
      try {
        const s = statSync(p);
        return s.isFile() ? s.size : 0;
      } catch {
        return 0;
      }
    },
    ...(fromEnv !== undefined && /^\d+$/.test(fromEnv) ? { threshold: Number(fromEnv) } : {}),
  };
}

/**
 * Runs the command again in a child with `flags`, its stdio the same as ours; resolves to the
 * child's exit code (128 + n when a signal n stopped it). A SIGINT, SIGTERM or SIGHUP sent to
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
      const numbers: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGKILL: 9, SIGABRT: 6 };
      done(code ?? 128 + (signal ? (numbers[signal] ?? 1) : 1));
    });
  });
}
