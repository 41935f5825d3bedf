/**
 * Worker threads for the project's own entry modules: the compiled `.js` next to the caller,
 * or — when running from the TypeScript sources (tests, development) — the `.ts` module
 * loaded through tsx, which a worker does not inherit from its parent.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

/** Starts the worker module `name` (e.g. `build-worker`) that sits beside the module at `callerUrl` (its import.meta.url). */
export function startWorker(callerUrl: string, name: string): Worker {
  if (callerUrl.endsWith('.ts')) {
    const entry = new URL(`./${name}.ts`, callerUrl).href;
    return new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
  }
  return new Worker(new URL(`./${name}.js`, callerUrl), { execArgv: workerExecArgv(process.execArgv) });
}

/**
 * The Node options a worker started from a file is given: undefined — the parent's, inherited —
 * unless they hold `--input-type`, which a worker inherits and then refuses
 * (ERR_INPUT_TYPE_NOT_ALLOWED, "--input-type can only be used with string input"): a program run
 * as `node --input-type=module -e …` or from standard input failed every call that starts a
 * thread — validateTracesParallel, generateToFile's writer thread — with that message (found by
 * using the installed package as a library, h-102). Then the parent's options without it, and
 * without the V8 heap sizes (`--max-old-space-size`, which the launcher's relaunch adds): given
 * explicitly, a worker refuses process-wide flags ("Initiated Worker with invalid execArgv
 * flags"), where inherited it takes them.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] | undefined {
  const inputType = (a: string) => a === '--input-type' || a.startsWith('--input-type=');
  if (!execArgv.some(inputType)) return undefined;
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    if (a === '--input-type') i++; // and its value
    else if (!inputType(a) && !/^--max-(old|semi)-space-size(=|$)/.test(a)) out.push(a);
  }
  return out;
}

let threadLimit: number | undefined;

/**
 * Sets the threads the library may use (`--threads`): worker threads and DuckDB's together,
 * the calling thread included; undefined (the default) for the machine's cores. Results do not
 * depend on it: only time and memory do (one thread holds the least at once).
 */
export function setThreads(n: number | undefined): void {
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new RangeError(`threads: expected a whole number ≥ 1, got ${n}`);
  threadLimit = n;
}

/** The thread limit set by setThreads, if any. */
export function threadsSet(): number | undefined {
  return threadLimit;
}

/** Threads to use: the limit set by setThreads, else the machine's cores. */
export function usableThreads(): number {
  return threadLimit ?? availableParallelism();
}

/**
 * Worker threads worth starting: one fewer than the threads to use (the calling thread has
 * work too), up to 8; 0 on one core.
 */
export function defaultWorkers(): number {
  return Math.max(0, Math.min(8, usableThreads() - 1));
}
