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
  return new Worker(new URL(`./${name}.js`, callerUrl));
}

/**
 * Worker threads worth starting: one core fewer than the machine has (the calling thread has
 * work too), up to 8; 0 on one core.
 */
export function defaultWorkers(): number {
  return Math.max(0, Math.min(8, availableParallelism() - 1));
}
