import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './errors.js';

/** The lock file a command holds in its output directory while it writes there. */
export const OUT_LOCK = '.servegen.lock';

interface Holder {
  pid: number;
  host: string;
  command: string;
  started: string;
}

function readHolder(path: string): { text: string; holder: Holder | undefined } {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
    const h = JSON.parse(text) as Partial<Holder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string') return { text, holder: { pid: h.pid, host: h.host, command: String(h.command ?? ''), started: String(h.started ?? '') } };
  } catch {
    // being written (empty) or not ours: held
  }
  return { text, holder: undefined };
}

/** Whether a process runs with that pid (one of another user's counts: EPERM). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `dir` for one run of `command`: creates `dir/.servegen.lock` (exclusively) naming this
 * process, and returns its release. Two roundtrips into one --out at once (`make -j`, two cron
 * jobs) read each other's generated traces back: a job validated the other's generated trace
 * against its own source and failed 36 of 41 metrics, and the directory ended with one job's
 * profile beside the other's report (found by a batch-job audit). The second is refused now,
 * exit 2, naming the first. A lock whose process is gone (killed, the machine restarted: same
 * host, no such pid) is taken over with a note. @throws UsageError when another run holds it.
 */
export function lockOutDir(dir: string, command: string, note: (line: string) => void): () => void {
  const path = join(dir, OUT_LOCK);
  return lockFile(path, command, note, (who) => `--out ${dir}: ${who} is writing into this directory; give each job its own --out (two runs into one directory read each other's files). If no such run is alive, remove ${path}`);
}

/**
 * Takes the lock file `path` for one run of `command` (created exclusively, naming this process)
 * and returns its release; `refusal(who)` is the message when another live process holds it.
 * A lock left by a process that is gone (same host, no such pid) is taken over with a note.
 */
export function lockFile(path: string, command: string, note: (line: string) => void, refusal: (who: string) => string): () => void {
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const { text, holder } = readHolder(path);
      if (holder && holder.host === hostname() && !alive(holder.pid) && attempt < 3) {
        // Removed only if it is still the dead run's (another run may have taken it over since).
        if (readHolder(path).text === text) {
          rmSync(path, { force: true });
          note(`note: ${path}: left by servegen ${holder.command} (pid ${holder.pid}), which is no longer running; taken over`);
        }
        continue;
      }
      const who = holder ? `servegen ${holder.command} (pid ${holder.pid} on ${holder.host}${holder.started ? `, since ${holder.started}` : ''})` : 'another servegen run';
      throw new UsageError(refusal(who));
    }
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), command, started: new Date().toISOString() }) + '\n');
    } finally {
      closeSync(fd);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const { holder } = readHolder(path);
      if (holder?.pid === process.pid && holder.host === hostname()) rmSync(path, { force: true });
    };
  }
}
