/**
 * Digests of fits, a generation and its validation, for test/fit/cross-runtime.test.ts: that test computes them
 * under Node and runs this file under the bundled Deno (a much newer V8), and they must agree bit
 * for bit. Runs the sources directly, as the notebooks do (deno.json: sloppy imports).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { generateToFile } from '../../src/generate/write-trace.js';
import { validateTraces } from '../../src/validate/validate.js';
import { loadThresholds } from '../../src/validate/thresholds.js';

const sha = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');

export async function runtimeDigests(): Promise<Record<string, string>> {
  const traces = join(import.meta.dirname, '..', '..', 'fixtures', 'traces');
  const out: Record<string, string> = {};
  let burst;
  let burstTrace;
  for (const [preset, file] of [
    ['burstgpt', 'burstgpt/burstgpt3_slice.csv'],
    ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv'],
  ]) {
    const source = await ingestFiles({ inputs: [join(traces, file)], mapping: loadPreset(preset) });
    const { trace } = source;
    burstTrace ??= source;
    const { profile } = fitTrace(trace, { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: 'x' });
    out[`fit ${preset}`] = sha(JSON.stringify(profile));
    burst ??= profile;
  }
  const dir = mkdtempSync(join(tmpdir(), 'servegen-xrt-'));
  try {
    const path = join(dir, 'gen.jsonl');
    await generateToFile(burst!, 'x', { start: 0, duration: 2 * 86400, rate: { kind: 'scale', factor: 5 }, seed: 11 }, { path, format: 'jsonl' }, undefined, false, undefined, false);
    out['generate burstgpt'] = sha(readFileSync(path));
    const generated = await ingestFiles({ inputs: [path], mapping: loadPreset('servegen') });
    const { report } = validateTraces(burstTrace!, generated, loadThresholds());
    // Without file names (the temporary directory's differs from run to run).
    out['validate burstgpt'] = sha(JSON.stringify(report, (k, v: unknown) => (k === 'file' ? undefined : v)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if ((import.meta as { main?: boolean }).main) console.log(JSON.stringify(await runtimeDigests()));
