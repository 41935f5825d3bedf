/**
 * Scale benchmark (issue 7): the window-summary scan by the TypeScript engine (ingest +
 * buildSummaries) and by embedded DuckDB (summarizeWithDuckDB), on the same 5 M-row CSV and
 * Parquet logs as bench/ingest.ts (run that first, or pass --rows to generate smaller ones
 * with it), rows/s and peak memory (VmHWM) per case in child processes; then DuckDB on 1 M
 * and 5 M rows to show its memory staying flat.
 * Usage: npm run bench:scale [-- --rows 5000000]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMapping } from '../src/ingest/mapping.js';
import { ingestFiles } from '../src/ingest/ingest.js';
import { buildSummaries } from '../src/summary/build.js';
import { summarizeWithDuckDB } from '../src/summary/duckdb.js';
import { peakRssMb } from './peak-memory.js';

const self = fileURLToPath(import.meta.url);
const MAPPING = parseMapping({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt_tokens', output_tokens: 'completion_tokens' }, timestamp: { unit: 's' } }, 'bench');
const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };

async function runCase(engine: string, file: string): Promise<void> {
  const t0 = performance.now();
  let rows = 0;
  let windows = 0;
  if (engine === 'ts') {
    const r = await ingestFiles({ inputs: [file], mapping: MAPPING });
    const s = buildSummaries(r.trace, W);
    rows = r.trace.n;
    windows = s.arrivals.length;
  } else {
    const r = await summarizeWithDuckDB([file], MAPPING, W);
    rows = r.rowsRead;
    windows = r.summaries.arrivals.length;
  }
  process.stdout.write(JSON.stringify({ rows, windows, seconds: (performance.now() - t0) / 1000, peakMb: peakRssMb() }) + '\n');
}

function child(engine: string, file: string): { rows: number; windows: number; seconds: number; peakMb: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--case', engine, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const argv = process.argv.slice(2);
if (argv[0] === '--case') {
  await runCase(argv[1], argv[2]);
} else {
  const rows = Number(argv.includes('--rows') ? argv[argv.indexOf('--rows') + 1] : '5000000');
  const dir = join(tmpdir(), `servegen-bench-ingest-${rows}`);
  if (!existsSync(join(dir, 'log.csv'))) {
    console.log(`run npm run bench:ingest -- --rows ${rows} first (it writes ${dir}/log.csv and log.parquet)`);
  } else {
    console.log(`# scan benchmark — window summaries of ${rows} rows, ≈2 000 clients; median of 3; 2 cores`);
    console.log('| input | engine | rows/s | peak RSS | windows |');
    console.log('|---|---|---|---|---|');
    for (const ext of ['csv', 'parquet']) {
      for (const engine of ['ts', 'duckdb']) {
        const runs = [0, 1, 2].map(() => child(engine, join(dir, `log.${ext}`)));
        const med = (f: (r: (typeof runs)[0]) => number) => runs.map(f).sort((a, b) => a - b)[1];
        console.log(`| ${ext} | ${engine} | ${(med((r) => r.rows / r.seconds) / 1e6).toFixed(2)} M | ${med((r) => r.peakMb).toFixed(0)} MB | ${runs[0].windows} |`);
      }
    }
    const small = join(tmpdir(), 'servegen-bench-ingest-1000000', 'log.parquet');
    if (existsSync(small)) {
      const a = child('duckdb', small);
      const b = child('duckdb', join(dir, 'log.parquet'));
      console.log(`\nDuckDB peak memory, Parquet: ${a.peakMb.toFixed(0)} MB at ${a.rows} rows, ${b.peakMb.toFixed(0)} MB at ${b.rows} rows (${(b.peakMb / a.peakMb).toFixed(2)}×).`);
    }
    console.log('Targets: DuckDB engine ≥ 3 M rows/s (CSV) and ≥ 8 M rows/s (Parquet) on this 2-core machine.');
  }
}
