import { parseMapping } from './src/ingest/mapping.js';
import { summarizeWithDuckDB } from './src/summary/duckdb.js';
const MAPPING = parseMapping({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt_tokens', output_tokens: 'completion_tokens' }, timestamp: { unit: 's' } }, 'bench');
const t0 = performance.now();
const r = await summarizeWithDuckDB([process.argv[2]], MAPPING, { arrivalSeconds: 600, lengthSeconds: 21600, resolution: process.env.RES ? Number(process.env.RES) : undefined, memoryLimit: process.env.MEM || undefined, onStage: (s) => console.log(s) });
console.log('total', ((performance.now() - t0) / 1000).toFixed(2), r.summaries.arrivals.length, r.pass, 'rss', process.memoryUsage().rss / 1e6 | 0);
