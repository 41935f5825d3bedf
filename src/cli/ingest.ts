import type { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic.js';
import { formatFromPath, type TraceFormat } from '../io/trace-writer.js';
import { listPresets } from '../ingest/presets.js';
import { writeTrace } from '../ingest/write-trace.js';
import { EXIT_CHECK_FAILED, EXIT_OK, UsageError } from './errors.js';
import { addIngestOptions, ingestLine, mappingFrom, parseFormat, parseRatio, runIngest, writeRejects, type IngestCliOptions } from './ingest-options.js';
import { Reporter } from './progress.js';

interface Opts extends IngestCliOptions {
  out?: string;
  summary?: string;
  listPresets?: boolean;
  quiet?: boolean;
}

export function registerIngest(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('ingest')
    .description('Read request logs (csv/tsv/jsonl/parquet/arrow, optionally .gz) into a normalized trace')
    .argument('[inputs...]', 'input files or patterns (several files are one trace)');
  addIngestOptions(cmd)
    .option('--out <trace>', 'normalized trace to write (.jsonl, .csv, .parquet, .arrow)')
    .option('--rejects <rejects.jsonl>', 'write every rejected row (file, line, reason, field, original text)')
    .option('--summary <ingest.json>', 'write the ingest summary as JSON')
    .option('--max-reject-ratio <r>', 'exit 1 (after writing rejects, without the trace) when more rows than this share are rejected', '0.01')
    .option('--list-presets', 'list the shipped mapping presets and exit')
    .option('--quiet', 'no progress or summary on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ servegen ingest AzureLLMInferenceTrace_conv.csv --preset azure-llm-2023 --out conv.parquet
  $ servegen ingest 'logs/*.csv.gz' --map my-gateway.json --out trace.parquet --rejects rejects.jsonl --summary ingest.json

Mapping file: {"columns": {"timestamp": "request_time", "client_id": ["tenant", "model"],
  "input_tokens": "usage.prompt_tokens", "model": {"const": "m-large"}},
  "timestamp": {"unit": "auto|s|ms|us|ns|iso", "timezone": "+08:00"}}`,
    )
    .action(async (inputs: string[], opts: Opts) => {
      if (opts.listPresets) {
        for (const p of listPresets()) process.stdout.write(`${p.name.padEnd(24)}${p.description}\n`);
        return;
      }
      if (inputs.length === 0) throw new UsageError('ingest: give at least one input file');
      if (!opts.out) throw new UsageError('ingest: --out <trace> is required');
      const outFormat = formatFromPath(opts.out) as TraceFormat | undefined;
      if (!outFormat || outFormat === 'mooncake') throw new UsageError(`--out: cannot tell the output format of ${JSON.stringify(opts.out)}; use .jsonl, .csv, .parquet or .arrow`);
      const ratio = parseRatio(opts.maxRejectRatio);
      const mapping = mappingFrom(opts);
      const rep = new Reporter(Boolean(opts.quiet));
      const result = await runIngest(inputs, mapping, parseFormat(opts.format), rep);
      if (opts.rejects) writeRejects(opts.rejects, result);
      if (opts.summary) writeFileAtomic(opts.summary, JSON.stringify(result.summary, null, 2) + '\n');
      rep.info(ingestLine(result));
      const share = result.summary.rows_rejected / result.summary.rows_read;
      if (share > ratio) {
        rep.info(
          `ingest: ${(100 * share).toFixed(2)} % of rows rejected, above --max-reject-ratio ${ratio}; no trace written${opts.rejects ? `; see ${opts.rejects}` : ' (use --rejects to see them)'}`,
        );
        setExit(EXIT_CHECK_FAILED);
        return;
      }
      const rows = await writeTrace(result.trace, opts.out, outFormat, { ingest: { files: result.summary.files, rows_rejected: result.summary.rows_rejected } });
      rep.info(`wrote ${rows} rows → ${opts.out} [${outFormat}]`);
      setExit(EXIT_OK);
    });
}
