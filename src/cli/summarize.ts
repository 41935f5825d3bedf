import type { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic.js';
import { buildSummaries } from '../summary/build.js';
import { summariesToJson } from '../summary/serialize.js';
import { addIngestOptions, ingestLine, mappingFrom, parseFormat, runIngest, type IngestCliOptions } from './ingest-options.js';
import { Reporter } from './progress.js';
import { UsageError } from './errors.js';

/** `servegen summarize`: the scan half of fit, for partitions (days, shards) fitted later together. */
export function registerSummarize(program: Command): void {
  const cmd = program
    .command('summarize')
    .description('Scan a trace (or raw logs) into mergeable window summaries (JSON); fit several with fit --summaries')
    .argument('<inputs...>', 'normalized trace(s), or raw logs with --preset/--map');
  addIngestOptions(cmd)
    .requiredOption('--out <summaries.json>', 'summaries to write')
    .option('--window <seconds>', 'arrival window', '600')
    .option('--length-window <seconds>', 'length window', '21600')
    .option('--resolution <seconds>', 'clock resolution (default: detected; give the same value for every partition)')
    .option('--quiet', 'no progress or summary on stderr')
    .addHelpText('after', '\nExample:\n  $ servegen summarize shard-1.parquet --resolution 0.001 --out part-1.json\n  $ servegen fit --summaries part-*.json --out profile.json\n')
    .action(async (inputs: string[], opts: IngestCliOptions & { out: string; window: string; lengthWindow: string; resolution?: string; quiet?: boolean }) => {
      const rep = new Reporter(Boolean(opts.quiet));
      const W = Number(opts.window);
      const L = Number(opts.lengthWindow);
      if (!(W > 0) || !(L > 0)) throw new UsageError('--window and --length-window must be > 0');
      const result = await runIngest(inputs, mappingFrom(opts, 'servegen'), parseFormat(opts.format), rep);
      rep.info(ingestLine(result));
      const s = buildSummaries(result.trace, { arrivalSeconds: W, lengthSeconds: L, resolution: opts.resolution !== undefined ? Number(opts.resolution) : undefined });
      writeFileAtomic(opts.out, JSON.stringify(summariesToJson(s)) + '\n');
      rep.info(`summarized ${result.trace.n} requests into ${s.arrivals.length} arrival and ${s.lengths.length} length windows (clock resolution ${s.resolution} s) → ${opts.out}`);
    });
}
