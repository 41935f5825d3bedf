import { chmodSync, closeSync, cpSync, fstatSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createWriteStream, type WriteStream } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { tmpdir } from 'node:os';

/**
 * Temporary sibling path used while a file is being written (same directory, so rename is
 * atomic). Creates the directory when it does not exist yet (outputs may go to new folders).
 */
export function tempPathFor(path: string): string {
  // An output that is not a file (`--json /dev/stdout`, a named pipe) is copied into, never
  // renamed onto: its temporary file goes to the system's temporary directory. Beside it, in
  // /dev, only root may create files: every `--out /dev/stdout` of any other user (a CI runner)
  // failed with "cannot write (permission denied)", exit 2 (found by a batch-job audit).
  const special = isSpecialOutput(path);
  const dir = special ? privateTempDir() : dirname(path);
  if (!special) makeDirs(dir);
  return trackTemporary(join(dir, `.${basename(path)}.${process.pid}.tmp`));
}

/**
 * This process's own directory under the system's temporary one (mode 0700, this user's): a
 * file of a predictable name directly in a shared /tmp could be a link planted by another
 * user. The same path from every thread (a writer thread takes its temporary name again).
 * @throws an errno-style error naming the directory when it is not a private one of ours.
 */
function privateTempDir(): string {
  const uid = process.getuid?.();
  const dir = join(tmpdir(), `servegen-${uid ?? 'user'}-${process.pid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw Object.assign(new Error(`${dir} is not a private directory of this user, where a temporary output goes; remove it`), { code: 'EUNSAFE', path: dir });
  }
  return dir;
}

/** Whether `path` names a descriptor (/dev/stdout, /dev/fd/N) or an existing device, FIFO or socket. */
export function isSpecialOutput(path: string): boolean {
  if (descriptorOf(path) !== undefined) return true;
  try {
    const st = statSync(path);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false; // not there yet: a file will be
  }
}

/**
 * `mkdir -p`: creates `dir` and its missing parents, one level at a time. Not Node's
 * `mkdirSync(dir, { recursive: true })`: where mkdir fails with ENOENT under a parent that
 * exists (`/proc/x`), libuv retries the parent and the child forever (found by review:
 * `export-servegen --out /proc/x` hung). Throws the first level's error (errno, path).
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); ; ) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(d).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      missing.push(d);
      const parent = dirname(d);
      if (parent === d) break;
      d = parent;
      continue;
    }
    // A file where a directory goes: mkdir's own error, as mkdirSync gives it.
    if (!isDirectory) throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${d}'`), { code: 'EEXIST', syscall: 'mkdir', path: d });
    break;
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      mkdirSync(missing[i]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Temporary files and directories being written (removed on an interrupt). */
const temporaries = new Set<string>();
/** Whether the launcher asked for cleanup on signals (removeTemporariesOnSignals). */
let cleanupOnSignals = false;

const SIGNALS = [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
] as const;
const signalHandlers = SIGNALS.map(([signal, number]) => {
  const handler = () => {
    for (const path of temporaries) {
      try {
        rmSync(path, { recursive: true, force: true });
        removeIfEmpty(dirname(path));
      } catch {
        // best effort: the process is stopping
      }
    }
    // Stop by the signal itself, not exit(128 + n): a shell tells Ctrl-C from a command's own
    // exit code 130 by how it ended, and a script's loop went on after Ctrl-C (found by review).
    for (const [s, h] of signalHandlers) process.off(s, h);
    process.kill(process.pid, signal);
    // The default action stops the process; should it not (the signal ignored), still stop.
    setTimeout(() => process.exit(128 + number), 1000).unref();
  };
  return [signal, handler] as const;
});

/**
 * The handlers are on only while a temporary output exists: a JavaScript handler runs only
 * when the event loop turns, so with it on a long computation would ignore Ctrl-C until done
 * (without one the process stops at once, and there is nothing to remove then).
 */
function armSignals(on: boolean): void {
  for (const [signal, handler] of signalHandlers) {
    if (on) process.on(signal, handler);
    else process.off(signal, handler);
  }
}

/** Records a temporary output (file or directory) to remove if the process is interrupted; returns it. */
export function trackTemporary(path: string): string {
  if (!temporaries.has(path)) {
    temporaries.add(path);
    if (cleanupOnSignals && temporaries.size === 1) armSignals(true);
  }
  return path;
}

function untrackTemporary(path: string): void {
  if (temporaries.delete(path) && cleanupOnSignals && temporaries.size === 0) armSignals(false);
}

/**
 * Renames a complete temporary output onto its final path — or, when the path is a device,
 * a FIFO, a socket or a symbolic link (`--out /dev/stdout`, a named pipe), copies it there:
 * a rename would replace the device or the link with a regular file (found by review:
 * `--rejects /dev/stdout` as root replaced /dev/stdout). Such outputs are not atomic.
 */
export function commitTemporary(tmp: string, path: string): void {
  let special = false;
  try {
    // A symbolic link is written through too (/dev/stdout redirected to a file is a link to it;
    // a rename would replace the link).
    special = lstatSync(path).isSymbolicLink() ? !statSync(path).isDirectory() : !statSync(path).isFile() && !statSync(path).isDirectory();
  } catch {
    // no such path yet (or a dangling link): rename
  }
  if (special) {
    copyInto(tmp, path);
    rmSync(tmp, { recursive: true, force: true });
    removeIfEmpty(dirname(tmp));
  } else {
    try {
      renameSync(tmp, path);
    } catch (err) {
      // A directory output (summarize --engine duckdb --out DIR) that another run made meanwhile:
      // it said "servegen: DIR.tmp-<pid>: ENOTEMPTY: directory not empty" (found by a batch-job audit).
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw Object.assign(new Error('made by another run while this one was writing (two runs into one --out at once?); nothing written: give each its own --out'), { code, path });
      throw err;
    }
  }
  untrackTemporary(tmp);
}

/**
 * The descriptor a path names, for /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N:
 * written through that descriptor itself (opening the path again would give a new offset: with
 * stdout redirected to a file, what the shell wrote before would be overwritten).
 */
function descriptorOf(path: string): number | undefined {
  const m = /^\/dev\/(stdout|stderr)$|^\/(?:dev|proc\/self)\/fd\/(\d+)$/.exec(resolve(path));
  return m ? (m[1] ? (m[1] === 'stdout' ? 1 : 2) : Number(m[2])) : undefined;
}

/**
 * Whether an output path is this process's standard output (`/dev/stdout`, `/dev/fd/1`, or a
 * path to the very file or pipe descriptor 1 is): a command then leaves out what it would print
 * there itself, so that a `--json /dev/stdout` reader (jq) gets the JSON alone.
 */
export function isStandardOutput(path: string): boolean {
  if (descriptorOf(path) === 1) return true;
  try {
    const a = statSync(path);
    const b = fstatSync(1);
    return a.dev === b.dev && a.ino === b.ino && !a.isDirectory();
  } catch {
    return false; // not there yet, or no standard output
  }
}

/** For a 2 ms pause between tries of a write to a full non-blocking pipe. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Copies a file's bytes into an already existing special file, link or descriptor (in 1 MB pieces). */
function copyInto(from: string, to: string): void {
  const src = openSync(from, 'r');
  try {
    const fd = descriptorOf(to);
    const dst = fd ?? openSync(to, 'w');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const n = readSync(src, buf, 0, buf.length, null);
        if (n === 0) break;
        let off = 0;
        while (off < n) {
          try {
            off += writeSync(dst, buf, off, n - off);
          } catch (err) {
            // A pipe on standard output is non-blocking in Node: a full pipe (a slow reader)
            // says EAGAIN, and the write is tried again shortly (found by review: `generate
            // --out /dev/stdout | consumer` stopped with "resource temporarily unavailable"
            // once the pipe's 64 KB filled).
            if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
            Atomics.wait(PAUSE, 0, 0, 2);
          }
        }
      }
    } finally {
      if (fd === undefined) closeSync(dst);
    }
  } finally {
    closeSync(src);
  }
}

/**
 * Puts the complete temporary directory `tmp` in place of the existing directory `dir` as a
 * whole: what of `dir` that `tmp` lacks is linked (or copied) into `tmp`, `dir` is renamed
 * aside, `tmp` renamed to `dir`, and the old one removed. Should the second rename fail, the old
 * one is renamed back, so `dir` holds all of the old or all of the new, never a mix (found by a
 * new user's walkthrough: a failure while an export's files were moved in one by one left a pool
 * of old and new chunks). Between the two renames `dir` is briefly absent: Node has no atomic
 * exchange of two directories. Returns false, doing nothing, where `dir` cannot be moved aside:
 * it is this process's working directory or above it (renaming it would strand the shell in a
 * removed directory), a symbolic link, or a mount point (EBUSY). @throws the rename's errno error otherwise.
 */
export function replaceDirectory(tmp: string, dir: string): boolean {
  const abs = resolve(dir);
  const cwd = process.cwd();
  if (cwd === abs || cwd.startsWith(abs.endsWith(sep) ? abs : abs + sep)) return false;
  if (lstatSync(dir).isSymbolicLink()) return false; // renamed, the link would become a directory
  const have = new Set(readdirSync(tmp));
  const kept = readdirSync(dir).filter((name) => !have.has(name));
  for (const name of kept) {
    try {
      linkSync(join(dir, name), join(tmp, name));
    } catch {
      cpSync(join(dir, name), join(tmp, name), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    }
  }
  chmodSync(tmp, statSync(dir).mode & 0o7777);
  const aside = join(dirname(abs), `.${basename(abs)}.${process.pid}.old`);
  try {
    renameSync(dir, aside);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EBUSY' && code !== 'EXDEV' && code !== 'EINVAL') throw err;
    for (const name of kept) rmSync(join(tmp, name), { recursive: true, force: true });
    return false;
  }
  try {
    renameSync(tmp, dir);
  } catch (err) {
    renameSync(aside, dir);
    throw err;
  }
  rmSync(aside, { recursive: true, force: true });
  return true;
}

/** Removes a temporary output (file or directory) that will not be committed. */
export function discardTemporary(tmp: string): void {
  try {
    rmSync(tmp, { recursive: true, force: true });
    removeIfEmpty(dirname(tmp));
  } finally {
    untrackTemporary(tmp);
  }
}

/** Removes privateTempDir's directory once nothing is in it (nothing else is removed). */
function removeIfEmpty(dir: string): void {
  if (basename(dir) !== `servegen-${process.getuid?.() ?? 'user'}-${process.pid}` || dirname(dir) !== tmpdir()) return;
  try {
    rmdirSync(dir);
  } catch {
    // another output is being written there (ENOTEMPTY), or it is gone
  }
}

/**
 * On Ctrl-C (SIGINT), SIGTERM or SIGHUP while an output is being written: remove its
 * temporary file, then exit 128 + the signal's number, as the shell expects. Without it an
 * interrupted run left its `.out.jsonl.<pid>.tmp` behind, tens of MB (found by review).
 * Installed by the CLI launcher (bin/servegen.js), not by main(): tests run it in-process.
 */
export function removeTemporariesOnSignals(): void {
  cleanupOnSignals = true;
  if (temporaries.size > 0) armSignals(true);
}

/**
 * A failure to write an output, naming the output rather than its temporary sibling (an
 * errno error whose path is the output; its message starts with the path, which the CLI prints
 * as it is, exit 2). It said only `cannot write (…)`, the path in `path` alone: a program using
 * the library got "cannot write (it is a directory)" without the file (found by a library audit).
 */
export function outputError(path: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string') return err as Error;
  // An existing directory (`--out .`, `--out dir/`): renaming onto it fails with EBUSY or
  // ENOTDIR, which said "resource busy" or "a file is in the way" (found by review).
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // no such path: the code says what went wrong
  }
  const what = isDirectory ? 'it is a directory' : e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'ENOSPC' ? 'no space left on the device' : e.code === 'EEXIST' || e.code === 'ENOTDIR' ? 'a file is in the way of its directory' : e.code === 'EISDIR' ? 'it is a directory' : (e.message ?? e.code).replace(/, \w+ '[^']*'( -> '[^']*')?$/, '');
  return Object.assign(new Error(`${path}: cannot write (${what})`), { code: e.code, path });
}

/** Writes `data` to `path` atomically: temp file, fsync, then rename over the target. */
export function writeFileAtomic(path: string, data: string | Uint8Array | Iterable<string>): void {
  let tmp: string | undefined;
  try {
    tmp = tempPathFor(path);
    if (typeof data === 'string' || data instanceof Uint8Array) writeFileSync(tmp, data);
    else writeChunks(tmp, data);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    commitTemporary(tmp, path);
  } catch (err) {
    if (tmp) discardTemporary(tmp);
    throw outputError(path, err);
  }
}

/**
 * Writes text given in pieces, ~1 MB at a time: a file larger than V8's longest string
 * (~512 MB; a profile of 60 days × 2 000 clients is ~700 MB) never exists as one string.
 */
function writeChunks(file: string, chunks: Iterable<string>): void {
  const fd = openSync(file, 'w');
  try {
    let buf: string[] = [];
    let size = 0;
    const flush = () => {
      if (size === 0) return;
      const bytes = Buffer.from(buf.join(''), 'utf8');
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
      buf = [];
      size = 0;
    };
    for (const c of chunks) {
      buf.push(c);
      size += c.length;
      if (size >= 1 << 20) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
}

/**
 * A streaming file writer that only appears at `path` when `commit()` is called;
 * `abort()` (or a crash) leaves no partial file behind.
 */
export class AtomicStream {
  readonly tmp: string;
  readonly stream: WriteStream;
  /** The stream's first error (opening the temporary file, a full disk): every later call throws it. */
  private failed: Error | undefined;
  constructor(readonly path: string) {
    try {
      this.tmp = tempPathFor(path);
    } catch (err) {
      throw outputError(path, err);
    }
    this.stream = createWriteStream(this.tmp, { highWaterMark: 1 << 20 });
    // Without a listener a stream error (e.g. the directory cannot be written) crashes the process.
    this.stream.on('error', (err) => {
      this.failed ??= outputError(path, err);
    });
  }

  /** Writes a chunk, resolving when the stream can take more (back-pressure). */
  write(chunk: string | Uint8Array): Promise<void> | void {
    if (this.failed) throw this.failed;
    if (this.stream.write(chunk)) return;
    return new Promise((resolve, reject) => {
      const onError = () => reject(this.failed);
      this.stream.once('error', onError);
      this.stream.once('drain', () => {
        this.stream.off('error', onError);
        resolve();
      });
    });
  }

  async commit(): Promise<void> {
    if (this.failed) throw this.failed;
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(this.failed ?? outputError(this.path, err)) : resolve()));
    });
    if (this.failed) throw this.failed;
    try {
      commitTemporary(this.tmp, this.path);
    } catch (err) {
      throw outputError(this.path, err);
    }
  }

  abort(): void {
    this.stream.destroy();
    discardTemporary(this.tmp);
  }
}
