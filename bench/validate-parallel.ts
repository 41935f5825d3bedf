/**
 * validate's side summaries on worker threads (validateTracesParallel) against one by one on
 * the calling thread (validateTraces), in the same process, alternating, on the same ingested
 * traces: wall time of each (medians), their ratio, CPU time, and a check that the two reports
 * are identical. Ingest is not timed (both paths share it).
 *
 * Usage: node --import tsx bench/validate-parallel.ts SOURCE MAP.json GENERATED [--repeat 3]
 * (GENERATED is read with the servegen preset.) Example, 30 days × 2 000 clients:
 *   npm run bench:span -- --days 30   # builds /tmp/servegen-bench-span/log-30d.csv
 *   servegen fit /tmp/servegen-bench-span/log-30d.csv --map map.json --out p.json
 *   servegen generate p.json --duration 2592000 --seed 3 --out g.parquet
 *   node --max-old-space-size=16000 --import tsx bench/validate-parallel.ts /tmp/servegen-bench-span/log-30d.csv map.json g.parquet
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { ingestFiles } from '../src/ingest/ingest.js';
import { parseMapping } from '../src/ingest/mapping.js';
import { loadPreset } from '../src/ingest/presets.js';
import { loadThresholds } from '../src/validate/thresholds.js';
import { validateTraces, validateTracesParallel } from '../src/validate/validate.js';

const args = process.argv.slice(2);
const flag = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args.splice(i, 2)[1] : def;
};
const repeat = Number(flag('repeat', '3'));
const [sourceFile, mapFile, generatedFile] = args;
if (!generatedFile) {
  console.error('usage: bench/validate-parallel.ts SOURCE MAP.json GENERATED [--repeat 3]');
  process.exit(2);
}
const source = await ingestFiles({ inputs: [sourceFile], mapping: parseMapping(JSON.parse(readFileSync(mapFile, 'utf8')), mapFile) });
const generated = await ingestFiles({ inputs: [generatedFile], mapping: loadPreset('servegen') });
const thresholds = loadThresholds();
console.log(`${source.trace.n} source rows, ${generated.trace.n} generated rows; ${availableParallelism()} cores, load ${loadavg()[0].toFixed(2)}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const times: Record<'serial' | 'parallel', number[]> = { serial: [], parallel: [] };
const cpu: Record<'serial' | 'parallel', number[]> = { serial: [], parallel: [] };
let reference: string | undefined;
for (let r = 0; r < repeat; r++) {
  for (const kind of ['serial', 'parallel'] as const) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = kind === 'serial' ? validateTraces(source, generated, thresholds) : await validateTracesParallel(source, generated, thresholds);
    times[kind].push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu[kind].push((c.user + c.system) / 1e6);
    const text = JSON.stringify(result.report);
    reference ??= text;
    if (text !== reference) throw new Error(`run ${r} ${kind}: the report differs from the first run's`);
    console.log(`run ${r + 1} ${kind}: ${times[kind].at(-1)!.toFixed(2)} s wall, ${cpu[kind].at(-1)!.toFixed(2)} s CPU (load ${loadavg()[0].toFixed(2)})`);
  }
}
const s = median(times.serial);
const p = median(times.parallel);
console.log(`median wall: serial ${s.toFixed(2)} s, parallel ${p.toFixed(2)} s, ratio ${(s / p).toFixed(2)}× (reports identical in all ${2 * repeat} runs)`);
console.log(`median CPU: serial ${median(cpu.serial).toFixed(2)} s, parallel ${median(cpu.parallel).toFixed(2)} s`);
