import type { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic.js';
import { formatFromPath, type TraceFormat } from '../io/trace-writer.js';
import { listPresets } from '../ingest/presets.js';
import { excludedRows } from '../ingest/errors.js';
import { writeTrace } from '../ingest/write-trace.js';
import { EXIT_CHECK_FAILED, EXIT_OK, refuseClobber, UsageError } from './errors.js';
import { acceptedRejected, addIngestOptions, mappingFrom, notOursWithoutMappingDuckdb, oneClientNote, parseFormat, firstReject, parseRatio, runIngest, summaryJson, type IngestCliOptions, reportIngest, writeDuckdbRejects } from './ingest-options.js';
import { Reporter } from './progress.js';
import { chooseEngine, duckdbUnlessUnreadable } from './summarize.js';
import { ingestWithDuckDB } from '../summary/duckdb-ingest.js';

interface Opts extends IngestCliOptions {
  out?: string;
  outFormat?: string;
  engine: string;
  duckdbMemory?: string;
  summary?: string;
  listPresets?: boolean;
  quiet?: boolean;
}

/**
 * Why ingest exits 1 (rejects above the ratio), on stderr even with --quiet, as fit, roundtrip
 * and the other commands say it: `ingest … --quiet` exited 1 with nothing on stderr, so a batch
 * job's log had no reason for the failure (found by a new user's review).
 */
function failed(text: string): void {
  process.stderr.write(`${text}\n`);
}

export function registerIngest(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('ingest')
    .description('Read request logs (csv/tsv/jsonl/parquet/arrow, OpenTelemetry OTLP JSON; optionally .gz or .zst) into a normalized trace')
    .argument('[inputs...]', 'input files or patterns (several files are one trace)');
  addIngestOptions(cmd)
    .option('--out <trace>', 'normalized trace to write (.jsonl, .csv, .parquet, .arrow)')
    .option('--out-format <fmt>', "the trace's format: jsonl|csv|parquet|arrow (default: from --out's name; for --out /dev/stdout)")
    .option('--summary <ingest.json>', 'write the ingest summary as JSON')
    .option('--engine <engine>', 'ts (default) | duckdb (normalize in embedded DuckDB, for inputs too large to hold; Parquet output) | auto (duckdb above 256 MB)', 'ts')
    .option('--duckdb-memory <size>', 'with --engine duckdb: DuckDB memory limit (e.g. 512MB); above it DuckDB spills to a temporary directory')
    .option('--list-presets', 'list the shipped mapping presets and exit')
    .option('--quiet', 'no progress or summary on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ servegen ingest AzureLLMInferenceTrace_conv.csv --preset azure-llm-2023 --out conv.parquet
  $ servegen ingest 'logs/*.csv.gz' --map my-gateway.json --out trace.parquet --rejects rejects.jsonl --summary ingest.json
  $ servegen ingest 'warehouse/*.parquet' --map my-gateway.json --engine duckdb --out trace.parquet

Mapping file: {"columns": {"timestamp": "request_time", "client_id": ["tenant", "model"],
  "input_tokens": "usage.prompt_tokens", "model": {"const": "m-large"}},
  "timestamp": {"unit": "auto|s|ms|us|ns|iso", "timezone": "+08:00"}}
A log written when each request ends: map "duration": "latency_ms" in columns and give
  "timestamp": {"marks": "end", "duration_unit": "ms"}: arrival = timestamp − duration.
Rows that are no model requests: map "filter": ["method", "path"] in columns and give
  "separator": " " and "keep": ["POST /v1/chat/completions"]: the other rows are counted as
  excluded (the default separator "/" would read "POST//v1/chat/completions"). Or "drop":
  ["GET /health"] instead of "keep": those rows are excluded, every other row kept.`,
    )
    .action(async (inputs: string[], opts: Opts) => {
      if (opts.listPresets) {
        for (const p of listPresets()) process.stdout.write(`${p.name.padEnd(24)}${p.description}\n`);
        return;
      }
      if (inputs.length === 0) throw new UsageError('ingest: give at least one input file');
      if (!opts.out) throw new UsageError('ingest: --out <trace> is required');
      // A gzip name was "cannot tell the output format" (found by review): say what is written.
      if (/\.(jsonl|csv|arrow)\.gz$/i.test(opts.out)) throw new UsageError(`--out ${opts.out}: ingest writes traces uncompressed; name it ${opts.out.slice(0, -3)} (and gzip it after), or write .parquet, compressed inside`);
      // --out /dev/stdout had no format to give: "cannot tell the output format", with no way
      // around it, though every output may be standard output (found by a batch-job audit).
      if (opts.outFormat !== undefined && !['jsonl', 'csv', 'parquet', 'arrow'].includes(opts.outFormat)) throw new UsageError(`--out-format: expected jsonl, csv, parquet or arrow, got ${JSON.stringify(opts.outFormat)}`);
      const outFormat = (opts.outFormat ?? formatFromPath(opts.out)) as TraceFormat | undefined;
      if (!outFormat || outFormat === 'mooncake' || outFormat === 'vidur' || outFormat === 'azure' || outFormat === 'splitwise') throw new UsageError(`--out: cannot tell the output format of ${JSON.stringify(opts.out)}; use .jsonl, .csv, .parquet or .arrow, or give --out-format`);
      const named = formatFromPath(opts.out);
      if (opts.outFormat && named && named !== outFormat) throw new UsageError(`--out-format ${outFormat}: --out ${JSON.stringify(opts.out)} is named as ${named}, and every reader would take it for ${named}; name it ${JSON.stringify(opts.out.replace(/\.[^./\\]+$/, `.${outFormat}`))}, or drop --out-format`);
      // The mapping file is an input too (found by review: --summary gw.json replaced the mapping).
      refuseClobber([...inputs.map((f) => ['input', f] as const), ['--map', opts.map]], [['--out', opts.out], ['--rejects', opts.rejects], ['--summary', opts.summary]]);
      const ratio = parseRatio(opts.maxRejectRatio ?? '0.01');
      const mapping = mappingFrom(opts, 'servegen');
      const rep = new Reporter(Boolean(opts.quiet));
      // auto: DuckDB for large inputs, but only where it can write the output (Parquet).
      if (chooseEngine(inputs, opts.engine === 'auto' && outFormat !== 'parquet' ? 'ts' : opts.engine, rep) === 'duckdb') {
        if (outFormat !== 'parquet') throw new UsageError('--engine duckdb writes Parquet only: give --out <trace>.parquet');
        await notOursWithoutMappingDuckdb(inputs, mapping, parseFormat(opts.format));
        let result: Awaited<ReturnType<typeof ingestWithDuckDB>> | undefined;
        const scanned = await duckdbUnlessUnreadable(opts.engine ?? 'ts', rep, async () => {
          // `sorted` (in input order) only for --summary, where it is reported.
          result = await ingestWithDuckDB(inputs, mapping, opts.out!, { format: parseFormat(opts.format), maxRejectRatio: ratio, inputOrder: opts.summary !== undefined, memoryLimit: opts.duckdbMemory, onStage: (t) => rep.stage(t), onNote: (l) => {
            // Warnings are in the summary (printed below, as the TypeScript engine prints them).
            if (!l.startsWith('warning:')) rep.info(l);
          }, beforeWrite: async (summary) => {
            // Before the trace, as the TypeScript engine writes them: an input the rejects pass
            // cannot read (exit 2) leaves no trace behind.
            if (opts.rejects) await writeDuckdbRejects(opts.rejects, summary.files, summary.rejects_by_reason, { mapping, format: parseFormat(opts.format) }, rep);
          } });
        }, () => ({ opts, source: { mapping, format: parseFormat(opts.format) } }));
        if (scanned) {
          const { summary, written } = result!;
          if (opts.summary) writeFileAtomic(opts.summary, summaryJson(summary, mapping));
          rep.info(`duckdb: read ${summary.rows_read} row${summary.rows_read === 1 ? '' : 's'} from ${summary.files.length} file(s): ${acceptedRejected(summary.rows_accepted, summary.rejects_by_reason)}; ${summary.clients} client(s), span ${summary.span_seconds.toFixed(1)} s${summary.origin ? `, origin ${summary.origin}` : ' (relative)'}${summary.duplicate_request_ids ? `; ${summary.duplicate_request_ids} duplicate request_id(s)` : ''}`);
          for (const w of summary.warnings ?? []) rep.info(`warning: ${w}`);
          const note = oneClientNote(summary.files, mapping);
          if (note) rep.info(note);
          if (written === null) {
            const excluded = excludedRows(summary.rejects_by_reason);
            failed(`ingest: ${((100 * (summary.rows_rejected - excluded)) / (summary.rows_read - excluded)).toFixed(2)} % of rows rejected, above --max-reject-ratio ${ratio}; no trace written${opts.rejects ? `; see ${opts.rejects}` : ' (the DuckDB engine counts them; --rejects FILE writes them)'}`);
            setExit(EXIT_CHECK_FAILED);
            return;
          }
          rep.info(`wrote ${written} row${written === 1 ? '' : 's'} → ${opts.out} [parquet, duckdb]`);
          setExit(EXIT_OK);
          return;
        }
      }
      // Ratio checked below (the summary is written first); rejects written here.
      const result = await runIngest(inputs, mapping, parseFormat(opts.format), rep, { rejects: opts.rejects, maxRejectRatio: '1' });
      if (opts.summary) writeFileAtomic(opts.summary, summaryJson(result.summary, mapping));
      reportIngest(rep, result, mapping);
      // (rows the mapping's filter excluded are not held against the ratio: a share of the rows kept)
      const excluded = excludedRows(result.summary.rejects_by_reason);
      const share = result.summary.rows_read > excluded ? (result.summary.rows_rejected - excluded) / (result.summary.rows_read - excluded) : 0;
      if (share > ratio) {
        failed(`ingest: ${(100 * share).toFixed(2)} % of rows rejected, above --max-reject-ratio ${ratio}; no trace written${opts.rejects ? `; see ${opts.rejects}` : ' (use --rejects to see them)'}${firstReject(result.rejects[0])}`);
        setExit(EXIT_CHECK_FAILED);
        return;
      }
      // A generated trace re-ingested (e.g. to another format) keeps what generated it: validate
      // places it on the source's time axis by its generator.start.
      const generator = result.summary.files.length === 1 ? result.meta?.generator : undefined;
      const rows = await writeTrace(result.trace, opts.out, outFormat, { ingest: { files: result.summary.files, rows_rejected: result.summary.rows_rejected }, ...(generator ? { generator } : {}) });
      rep.info(`wrote ${rows} row${rows === 1 ? '' : 's'} → ${opts.out} [${outFormat}]`);
      setExit(EXIT_OK);
    });
}
