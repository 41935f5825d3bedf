/**
 * The rows with hash_ids as each engine reads them for fit's prefix sections (and validate's and
 * inspect's cache statistics): the TypeScript engine's ingest of the whole trace, against the
 * DuckDB engine's prefix pass (src/summary/duckdb-prefix.ts: the inputs read again in DuckDB,
 * each value handed over as JSON text and read with the TypeScript engine's rules), on a
 * Parquet trace generated from the Mooncake conversation fixture's profile at N requests; then
 * the prefix sections fitted from them (the same work in both: one walk of each client's
 * requests). Prints each step's median seconds over the runs and the DuckDB / TypeScript ratio,
 * and checks that both give the same sections.
 *
 * Usage: npm run build && node --import tsx bench/prefix-engines.ts [--n 250000] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fitTrace } from '../src/fit/fit-trace.js';
import { defaultFitOptions } from '../src/fit/defaults.js';
import { prefixSections } from '../src/fit/prefix.js';
import { generateToFile, parseRateSpec } from '../src/generate/index.js';
import { ingestFiles } from '../src/ingest/ingest.js';
import { loadPreset } from '../src/ingest/presets.js';
import { prefixRowsWithDuckDB } from '../src/summary/duckdb-prefix.js';

const argv = process.argv.slice(2);
const opt = (name: string, d: number) => {
  const k = argv.indexOf(name);
  return k >= 0 ? Number(argv[k + 1]) : d;
};
const N = opt('--n', 250_000);
const RUNS = opt('--runs', 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const seconds = async <T>(f: () => Promise<T> | T): Promise<[number, T]> => {
  const t0 = performance.now();
  const v = await f();
  return [(performance.now() - t0) / 1000, v];
};

const dir = mkdtempSync(join(tmpdir(), 'bench-prefix-engines-'));
try {
  const fixture = join(import.meta.dirname, '..', 'fixtures', 'traces', 'mooncake', 'conversation_trace.jsonl.gz');
  const src = await ingestFiles({ inputs: [fixture], mapping: loadPreset('mooncake') });
  const { profile } = fitTrace(src.trace, defaultFitOptions({ created: 'bench' }));
  const span = src.trace.timestamp[src.trace.n - 1] - src.trace.timestamp[0];
  const file = join(dir, 'trace.parquet');
  await generateToFile(profile, 'bench', { start: 0, duration: 3600, rate: parseRateSpec(`scale:${((N * span) / (3600 * src.trace.n)).toPrecision(6)}`), seed: 1 }, { path: file, format: 'parquet' });
  const servegen = loadPreset('servegen');
  const times = { ts: [] as number[], duckdb: [] as number[], fitTs: [] as number[], fitDuckdb: [] as number[] };
  let rows = 0;
  let ids = 0;
  for (let r = 0; r < RUNS; r++) {
    const [a, ts] = await seconds(() => ingestFiles({ inputs: [file], mapping: servegen }));
    const [b, dd] = await seconds(() => prefixRowsWithDuckDB([file], servegen, {}));
    const [c, sa] = await seconds(() => prefixSections(ts.trace));
    const [d, sb] = await seconds(() => prefixSections(dd!.trace!));
    if (!isDeepStrictEqual(sa, sb)) throw new Error('the engines gave different prefix sections');
    times.ts.push(a);
    times.duckdb.push(b);
    times.fitTs.push(c);
    times.fitDuckdb.push(d);
    rows = dd!.trace!.n;
    ids = dd!.trace!.hashIds!.ids.length;
  }
  const line = (label: string, x: number[], y: number[]) => console.log(`${label.padEnd(40)} ${median(x).toFixed(2).padStart(7)} s ${median(y).toFixed(2).padStart(7)} s   ×${(median(y) / median(x)).toFixed(2)}`);
  console.log(`${rows} requests with ${ids} ids (Parquet), median of ${RUNS} runs: TypeScript, DuckDB, ratio`);
  line('rows with ids read (ingest / prefix pass)', times.ts, times.duckdb);
  line('prefix sections fitted from them', times.fitTs, times.fitDuckdb);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
