import { join } from 'node:path';
import { expect, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fixture, tempDir } from '../helpers.js';

/** Runs the CLI in-process, capturing stdout and stderr. */
export async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'servegen', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** The Azure LLM conv trace (2023), the log most CLI tests start from. */
export const CONV = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

/** A fresh temporary directory holding `profile.json`, fitted from CONV (for a test file's beforeAll). */
export async function convProfile(): Promise<{ dir: string; profile: string }> {
  const dir = tempDir();
  const profile = join(dir, 'profile.json');
  expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', profile, '--quiet')).code).toBe(0);
  return { dir, profile };
}
