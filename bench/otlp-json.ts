/**
 * OTLP JSON reader benchmark: N GenAI spans (default 1 M) as the Collector's file exporter
 * writes them (one export of 100 spans per line, 8 attributes each, 40 services; one span in
 * ten an agent or tool span, excluded by the preset's filter), read with `--preset otel-genai`,
 * against the same accepted rows as flat JSON lines read with the JSON-lines reader. Each case
 * runs in its own child process (peak RSS is its own: VmHWM); "MB over 1 row" subtracts the
 * same process reading a one-span file.
 *
 * Reads with the build in dist/ (the script builds first).
 *
 * Usage: npm run bench:otlp-json [-- --spans 1000000 --repeat 2]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../src/stats/rng.js';
import { peakRssMb } from './peak-memory.js';

const self = fileURLToPath(import.meta.url);
const FLAT = { columns: { timestamp: 'start', client_id: 'service', model: 'model', request_id: 'span', session_id: 'conv', input_tokens: 'input', output_tokens: 'output' }, timestamp: { unit: 'ns' }, optional: ['session_id'] };

const str = (key: string, v: string) => `{"key":"${key}","value":{"stringValue":"${v}"}}`;
const int = (key: string, v: number) => `{"key":"${key}","value":{"intValue":"${v}"}}`;

async function write(stream: ReturnType<typeof createWriteStream>, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>((r) => stream.once('drain', () => r()));
}

/** Writes spans.json (OTLP JSON), flat.jsonl (its model-call spans as flat records) and their one-span baselines into dir. */
async function writeInputs(dir: string, spans: number): Promise<void> {
  const rng = createRng(2026);
  const otlp = createWriteStream(join(dir, 'spans.json'));
  const flat = createWriteStream(join(dir, 'flat.jsonl'));
  let t = 1_765_065_600_000_000_000n;
  const perLine = 100;
  for (let first = 0; first < spans; first += perLine) {
    const service = `svc-${String(Math.floor(rng.next() * 40)).padStart(2, '0')}`;
    const out: string[] = [];
    let flatText = '';
    for (let k = first; k < Math.min(spans, first + perLine); k++) {
      t += BigInt(Math.floor(-Math.log(rng.nextOpen()) * 5e6));
      const id = k.toString(16).padStart(16, '0');
      const kind = k % 10 === 9 ? (k % 20 === 9 ? 'invoke_agent' : 'execute_tool') : 'chat';
      const input = Math.floor(Math.exp(5 + 1.2 * rng.normal()));
      const output = Math.floor(-Math.log(rng.nextOpen()) * 200);
      const conv = `conv-${Math.floor(k / 7)}`;
      const attrs = [str('gen_ai.operation.name', kind), str('gen_ai.provider.name', 'openai'), str('gen_ai.request.model', 'gpt-4o'), str('gen_ai.response.model', 'gpt-4o-2024-08-06'), str('gen_ai.conversation.id', conv), int('gen_ai.usage.input_tokens', input), int('gen_ai.usage.output_tokens', output), str('server.address', 'api.openai.com')];
      out.push(`{"traceId":"${id}${id}","spanId":"${id}","name":"${kind} gpt-4o","kind":3,"startTimeUnixNano":"${t}","endTimeUnixNano":"${t + 1_500_000_000n}","attributes":[${attrs.join(',')}],"status":{}}`);
      if (kind === 'chat') flatText += `{"start":"${t}","service":"${service}","model":"gpt-4o-2024-08-06","span":"${id}","conv":"${conv}","input":${input},"output":${output}}\n`;
    }
    await write(otlp, `{"resourceSpans":[{"resource":{"attributes":[${str('service.name', service)},${str('service.version', '1.0.0')}]},"scopeSpans":[{"scope":{"name":"opentelemetry.instrumentation.openai_v2","version":"2.1b0"},"spans":[${out.join(',')}]}]}]}\n`);
    await write(flat, flatText);
  }
  await Promise.all([new Promise((r) => otlp.end(r)), new Promise((r) => flat.end(r))]);
  const s = `{"traceId":"00","spanId":"00","name":"chat","kind":3,"startTimeUnixNano":"1765065600000000000","attributes":[${str('gen_ai.operation.name', 'chat')},${int('gen_ai.usage.input_tokens', 1)},${int('gen_ai.usage.output_tokens', 1)}]}`;
  writeFileSync(join(dir, 'one.json'), `{"resourceSpans":[{"resource":{"attributes":[${str('service.name', 's')}]},"scopeSpans":[{"spans":[${s}]}]}]}\n`);
  writeFileSync(join(dir, 'one.jsonl'), '{"start":"1765065600000000000","service":"s","model":"m","span":"00","input":1,"output":1}\n');
}

async function runCase(format: 'otlp' | 'flat', file: string): Promise<void> {
  // The build (npm run build), not the sources through tsx, whose helpers wrap every closure.
  const dist = (p: string) => new URL(`../dist/${p}`, import.meta.url).href;
  const { ingestFiles } = (await import(dist('ingest/ingest.js'))) as typeof import('../src/ingest/ingest.js');
  const { loadPreset } = (await import(dist('ingest/presets.js'))) as typeof import('../src/ingest/presets.js');
  const { parseMapping } = (await import(dist('ingest/mapping.js'))) as typeof import('../src/ingest/mapping.js');
  const mapping = format === 'otlp' ? loadPreset('otel-genai') : parseMapping(FLAT);
  const t0 = performance.now();
  const r = await ingestFiles({ inputs: [file], mapping });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ seconds, rowsRead: r.summary.rows_read, accepted: r.summary.rows_accepted, rss: peakRssMb() }) + '\n');
}

function child(format: string, file: string): { seconds: number; rowsRead: number; accepted: number; rss: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--case', format, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--case');
  if (at >= 0) return runCase(args[at + 1] as 'otlp' | 'flat', args[at + 2]);
  const flag = (name: string, def: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : def);
  const spans = flag('--spans', 1_000_000);
  const repeat = flag('--repeat', 2);
  const dir = join(tmpdir(), `servegen-bench-otlp-${spans}`);
  if (!existsSync(join(dir, 'one.jsonl'))) {
    mkdirSync(dir, { recursive: true });
    await writeInputs(dir, spans);
  }
  const base = { otlp: child('otlp', join(dir, 'one.json')).rss, flat: child('flat', join(dir, 'one.jsonl')).rss };
  const rows: Record<string, { seconds: number[]; rss: number[]; rowsRead: number; accepted: number; mb: number }> = {};
  for (let i = 0; i < repeat; i++) {
    for (const [format, file] of [['otlp', 'spans.json'], ['flat', 'flat.jsonl']] as const) {
      const c = child(format, join(dir, file));
      const row = (rows[format] ??= { seconds: [], rss: [], rowsRead: c.rowsRead, accepted: c.accepted, mb: statSync(join(dir, file)).size / 2 ** 20 });
      row.seconds.push(c.seconds);
      row.rss.push(c.rss - base[format]);
    }
  }
  console.log(`${spans} spans (${dir}); best of ${repeat}`);
  for (const [format, r] of Object.entries(rows)) {
    const s = Math.min(...r.seconds);
    console.log(`${format.padEnd(5)} ${r.mb.toFixed(0).padStart(5)} MB  rows read ${r.rowsRead}  accepted ${r.accepted}  ${s.toFixed(2)} s  ${(r.rowsRead / s / 1e6).toFixed(3)} M rows/s  ${(r.accepted / s / 1e6).toFixed(3)} M accepted/s  peak RSS over 1 row ${Math.max(...r.rss).toFixed(0)} MB`);
  }
  const o = rows.otlp;
  const f = rows.flat;
  console.log(`ratio (OTLP / JSON lines, same accepted rows): time ${(Math.min(...o.seconds) / Math.min(...f.seconds)).toFixed(2)}x, peak RSS over 1 row ${(Math.max(...o.rss) / Math.max(...f.rss)).toFixed(2)}x`);
}

await main();
