import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Absolute path of a file under fixtures/. */
export function fixture(...parts: string[]): string {
  return join(import.meta.dirname, '..', 'fixtures', ...parts);
}

export function readJsonFixture<T>(...parts: string[]): T {
  return JSON.parse(readFileSync(fixture(...parts), 'utf8')) as T;
}

/** A fresh temporary directory for one test. */
export function tempDir(prefix = 'servegen-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
