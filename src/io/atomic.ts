import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createWriteStream, type WriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Temporary sibling path used while a file is being written (same directory, so rename is
 * atomic). Creates the directory when it does not exist yet (outputs may go to new folders).
 */
export function tempPathFor(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/**
 * A failure to write an output, naming the output rather than its temporary sibling (an
 * errno error whose path is the output: the CLI prints `path: what` and exits 2).
 */
export function outputError(path: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string') return err as Error;
  const what = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'ENOSPC' ? 'no space left on the device' : e.code === 'EEXIST' || e.code === 'ENOTDIR' ? 'a file is in the way of its directory' : e.code === 'EISDIR' ? 'it is a directory' : (e.message ?? e.code).replace(/, \w+ '[^']*'( -> '[^']*')?$/, '');
  return Object.assign(new Error(`cannot write (${what})`), { code: e.code, path });
}

/** Writes `data` to `path` atomically: temp file, fsync, then rename over the target. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  let tmp: string | undefined;
  try {
    tmp = tempPathFor(path);
    writeFileSync(tmp, data);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    if (tmp) rmSync(tmp, { force: true });
    throw outputError(path, err);
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
      renameSync(this.tmp, this.path);
    } catch (err) {
      throw outputError(this.path, err);
    }
  }

  abort(): void {
    this.stream.destroy();
    rmSync(this.tmp, { force: true });
  }
}
