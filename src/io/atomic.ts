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

/** Writes `data` to `path` atomically: temp file, fsync, then rename over the target. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, data);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * A streaming file writer that only appears at `path` when `commit()` is called;
 * `abort()` (or a crash) leaves no partial file behind.
 */
export class AtomicStream {
  readonly tmp: string;
  readonly stream: WriteStream;
  constructor(readonly path: string) {
    this.tmp = tempPathFor(path);
    this.stream = createWriteStream(this.tmp, { highWaterMark: 1 << 20 });
  }

  /** Writes a chunk, resolving when the stream can take more (back-pressure). */
  write(chunk: string | Uint8Array): Promise<void> | void {
    if (this.stream.write(chunk)) return;
    return new Promise((resolve) => this.stream.once('drain', resolve));
  }

  async commit(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    renameSync(this.tmp, this.path);
  }

  abort(): void {
    this.stream.destroy();
    rmSync(this.tmp, { force: true });
  }
}
