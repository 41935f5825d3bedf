/**
 * Ingest benchmark (issue 3): a 5-million-row request log (≈2 000 clients with Zipf-like
 * volumes, epoch-second timestamps), as CSV, JSON lines and Parquet; prints rows/s and peak
 * memory of our readers side by side with DuckDB (@duckdb/node-api) reading the same file and
 * grouping by client, in the same script. Each case runs in its own child process so peak
 * RSS is per case; "bytes/row" subtracts the RSS of the same process with a 1-row input.
 *
 * Usage: npm run bench:ingest [-- --rows 5000000 --repeat 3]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../src/stats/rng.js';
import { ingestFiles } from '../src/ingest/ingest.js';
import { parseMapping } from '../src/ingest/mapping.js';
import { peakRssMb } from './peak-memory.js';

const self = fileURLToPath(import.meta.url);
const MAPPING = { columns: { timestamp: 'ts', client_id: 'tenant', model: 'model', input_tokens: 'prompt_tokens', output_tokens: 'completion_tokens' }, timestamp: { unit: 's' } };

/** Writes the benchmark log (log.csv, log.jsonl, log.parquet and 1-row baselines) into dir. */
export async function writeInputs(dir: string, rows: number): Promise<void> {
  const rng = createRng(2026);
  const clients = 2000;
  // Zipf(1.1) client volumes via inverse CDF over cumulative weights.
  const cum = new Float64Array(clients);
  let acc = 0;
  for (let i = 0; i < clients; i++) cum[i] = acc += 1 / Math.pow(i + 1, 1.1);
  const csv = createWriteStream(join(dir, 'log.csv'));
  const jsonl = createWriteStream(join(dir, 'log.jsonl'));
  csv.write('ts,tenant,model,prompt_tokens,completion_tokens\n');
  let t = 1_730_000_000;
  let bufC = '';
  let bufJ = '';
  for (let i = 0; i < rows; i++) {
    t += -Math.log(rng.nextOpen()) * 0.01;
    const u = rng.next() * acc;
    let lo = 0;
    let hi = clients - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    const tenant = `tenant-${String(lo).padStart(4, '0')}`;
    const model = lo % 3 === 0 ? 'm-large' : 'm-small';
    const pin = Math.floor(Math.exp(5 + 1.2 * rng.normal()));
    const pout = Math.floor(-Math.log(rng.nextOpen()) * 200);
    const ts = t.toFixed(3);
    bufC += `${ts},${tenant},${model},${pin},${pout}\n`;
    bufJ += `{"ts":${ts},"tenant":"${tenant}","model":"${model}","prompt_tokens":${pin},"completion_tokens":${pout}}\n`;
    if (bufC.length > 1 << 20) {
      if (!csv.write(bufC)) await new Promise<void>((r) => csv.once('drain', () => r()));
      if (!jsonl.write(bufJ)) await new Promise<void>((r) => jsonl.once('drain', () => r()));
      bufC = '';
      bufJ = '';
    }
  }
  csv.write(bufC);
  jsonl.write(bufJ);
  await Promise.all([new Promise((r) => csv.end(r)), new Promise((r) => jsonl.end(r))]);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`COPY (SELECT * FROM read_csv('${join(dir, 'log.csv')}', header = true)) TO '${join(dir, 'log.parquet')}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)`);
  // One-row inputs for the baseline RSS.
  await con.run(`COPY (SELECT * FROM read_csv('${join(dir, 'log.csv')}', header = true) LIMIT 1) TO '${join(dir, 'one.parquet')}' (FORMAT parquet)`);
  await con.run(`COPY (SELECT * FROM read_csv('${join(dir, 'log.csv')}', header = true) LIMIT 1) TO '${join(dir, 'one.csv')}' (FORMAT csv, HEADER)`);
  await con.run(`COPY (SELECT * FROM read_csv('${join(dir, 'log.csv')}', header = true) LIMIT 1) TO '${join(dir, 'one.jsonl')}' (FORMAT json)`);
}

interface Result {
  rows: number;
  seconds: number;
  peakMb: number;
  clients: number;
}

async function runCase(engine: string, file: string): Promise<Result> {
  const t0 = performance.now();
  let rows = 0;
  let clients = 0;
  if (engine === 'ts') {
    const r = await ingestFiles({ inputs: [file], mapping: parseMapping(MAPPING, 'bench') });
    rows = r.summary.rows_accepted;
    clients = r.summary.clients;
  } else {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:', { threads: '1' });
    const con = await db.connect();
    const src = file.endsWith('.parquet') ? `read_parquet('${file}')` : file.endsWith('.jsonl') ? `read_json('${file}', format = 'newline_delimited')` : `read_csv('${file}', header = true)`;
    const res = await con.runAndReadAll(`SELECT tenant, count(*) AS n, sum(prompt_tokens) AS p FROM ${src} GROUP BY tenant`);
    const out = res.getRowObjectsJS() as { n: bigint | number }[];
    clients = out.length;
    rows = out.reduce((s, r) => s + Number(r.n), 0);
  }
  return { rows, seconds: (performance.now() - t0) / 1000, peakMb: peakRssMb(), clients };
}

function child(engine: string, file: string): Result {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--case', engine, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${engine} ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--case') {
    process.stdout.write(JSON.stringify(await runCase(argv[1], argv[2])) + '\n');
    return;
  }
  const opt = (name: string, def: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : def);
  const rows = Number(opt('rows', '5000000'));
  const repeat = Number(opt('repeat', '3'));
  const dir = join(tmpdir(), `servegen-bench-ingest-${rows}`);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'log.parquet'))) {
    console.error(`writing ${rows} rows of test input to ${dir} …`);
    await writeInputs(dir, rows);
  }
  console.log(`# ingest benchmark — ${rows} rows, ≈2 000 clients (Zipf 1.1), node ${process.version}, ${repeat} repeats (medians); DuckDB with threads=1`);
  console.log('| input | size | ours rows/s | ours peak RSS | ours bytes/row | DuckDB group-by rows/s | DuckDB peak RSS | ours / DuckDB |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const ext of ['csv', 'jsonl', 'parquet']) {
    const file = join(dir, `log.${ext}`);
    const base = child('ts', join(dir, `one.${ext}`));
    const ours = Array.from({ length: repeat }, () => child('ts', file));
    const duck = Array.from({ length: repeat }, () => child('duckdb', file));
    const oursRate = median(ours.map((r) => r.rows / r.seconds));
    const duckRate = median(duck.map((r) => r.rows / r.seconds));
    const peak = median(ours.map((r) => r.peakMb));
    const perRow = ((peak - base.peakMb) * 1024 * 1024) / rows;
    if (ours[0].rows !== rows || duck[0].rows !== rows || ours[0].clients !== duck[0].clients) {
      console.log(`!! row/client counts differ: ours ${ours[0].rows}/${ours[0].clients}, DuckDB ${duck[0].rows}/${duck[0].clients}`);
    }
    console.log(
      `| ${ext} | ${(statSync(file).size / 1e6).toFixed(0)} MB | ${(oursRate / 1e6).toFixed(2)} M | ${peak.toFixed(0)} MB | ${perRow.toFixed(1)} | ${(duckRate / 1e6).toFixed(2)} M | ${median(duck.map((r) => r.peakMb)).toFixed(0)} MB | ${(oursRate / duckRate).toFixed(2)}× |`,
    );
  }
  console.log('\nTargets: CSV ≥ 1.5 M rows/s, Parquet ≥ 1 M rows/s, peak memory ≤ 40 bytes/row.');
}

// Run only as a script (bench/scale.ts imports writeInputs).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
