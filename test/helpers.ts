import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** Absolute path of a file under fixtures/. */
export function fixture(...parts: string[]): string {
  return join(import.meta.dirname, '..', 'fixtures', ...parts);
}

export function readJsonFixture<T>(...parts: string[]): T {
  return JSON.parse(readFileSync(fixture(...parts), 'utf8')) as T;
}

const created: string[] = [];

/**
 * A fresh temporary directory for one test, removed after the test file's last test
 * (test/setup.ts; keep them with SERVEGEN_KEEP_TEST_TMP=1 to look at a failure's files).
 */
export function tempDir(prefix = 'servegen-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes the directories tempDir made in this test file; returns how many. */
export function removeTempDirs(): number {
  const dirs = created.splice(0);
  if (process.env.SERVEGEN_KEEP_TEST_TMP) return 0;
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  return dirs.length;
}

/**
 * Sets SOURCE_DATE_EPOCH for each test of the calling describe block (fits then record that
 * creation time, so a library fit and a CLI fit compare byte for byte), restored after.
 */
export function useSourceDateEpoch(value = '1700000000'): void {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = value;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  });
}
