import type { Command } from 'commander';
import { DIALECTS, SQL_DIALECTS, scanScript, type SqlDialectName } from '../summary/sql.js';
import { mappingFrom } from './ingest-options.js';
import { checkResolution, positive, UsageError, windowSeconds } from './errors.js';
import { parseOrigin } from './summarize.js';

/** `servegen sql`: prints the summary scan as SQL for an engine, to run where the data lives. */
export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('Print the window-summary scan as SQL for a table (duckdb, spark, trino, clickhouse), given a mapping')
    .requiredOption('--source <table>', "table or view holding the raw rows (schema.table allowed), or a table function read as written: read_parquet('logs/*.parquet') (duckdb), file('logs/*.parquet') or s3(…) (clickhouse)")
    .option('--preset <name>', 'mapping preset')
    .option('--map <mapping.json>', 'mapping file')
    .option('--dialect <name>', `${SQL_DIALECTS.join(' | ')}`, 'duckdb')
    .option('--window <seconds>', 'arrival window', '600')
    .option('--length-window <seconds>', 'length window', '21600')
    .option('--resolution <seconds|auto>', "clock resolution of the timestamps; auto: detected by the script from the earliest 200 000 accepted times, as fit and summarize detect it (a power-of-ten step from 1 s to 10 µs, bucketing, or none: 1 µs), and recorded in its scan output for fit --summaries (partitions scanned apart need one explicit value when they detect different clocks)", 'auto')
    .option('--origin <time>', 'subtract this from timestamps (the trace origin: epoch seconds, or an ISO time as summarize --origin takes)', '0')
    .option('--dotted', 'sources are dotted paths into struct columns (JSON-like tables)')
    .option('--quiet', 'accepted like every command\'s (sql prints only the script, on stdout)')
    .addHelpText('after', "\nExamples:\n  $ servegen sql --preset azure-llm-2023 --source logs.requests --dialect trino > summaries.sql\n  $ servegen sql --map gw.json --source \"file('logs/*.parquet')\" --dialect clickhouse --origin 2024-10-01T00:00:00Z > summaries.sql\n")
    .action((opts: { source: string; preset?: string; map?: string; dialect: string; window: string; lengthWindow: string; resolution: string; origin: string; dotted?: boolean }) => {
      if (!(SQL_DIALECTS as readonly string[]).includes(opts.dialect)) throw new UsageError(`--dialect: expected one of ${SQL_DIALECTS.join(', ')}, got ${JSON.stringify(opts.dialect)}`);
      const d = DIALECTS[opts.dialect as SqlDialectName];
      // An empty name (or part: "logs.", "a..b") printed FROM "" (found by review).
      if (!opts.source.includes('(') && opts.source.split('.').some((p) => p.trim() === '')) {
        throw new UsageError(`--source: expected a table (schema.table) or a table function such as read_parquet('logs/*.parquet'), got ${JSON.stringify(opts.source)}`);
      }
      const mapping = mappingFrom(opts);
      // The same floor as both engines: timestamps are kept to the microsecond. (The default was
      // 0.001, which counted every gap of a finer clock as 0 ticks and read a 1 s clock as a 1 ms one.)
      const res = opts.resolution.trim().toLowerCase() === 'auto' ? 'auto' : Math.max(positiveOrAuto(opts.resolution), 1e-6);
      if (res !== 'auto') checkResolution(res, windowSeconds(opts.window, '--window'));
      const script = scanScript(opts.source, mapping, { W: windowSeconds(opts.window, '--window'), L: windowSeconds(opts.lengthWindow, '--length-window'), res, origin: sqlOrigin(opts.origin), dotted: Boolean(opts.dotted) }, d);
      const out = [`-- ServeGen-TS window-summary scan, ${d.name} dialect: one query per output (docs/scale.md).`];
      for (const s of script) out.push(`-- ${s.name}`, `${s.sql};`);
      process.stdout.write(out.join('\n') + '\n');
    });
}

/** An explicit --resolution; a bad value's message names auto too. */
function positiveOrAuto(text: string): number {
  try {
    return positive(text, '--resolution');
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message.replace('expected a number', 'expected auto or a number'));
    throw e;
  }
}

/** `--origin` as `summarize --origin` takes it (found by review: sql refused the ISO time summarize takes), at or after the epoch. */
function sqlOrigin(text: string): number {
  const v = parseOrigin(text);
  if (v < 0) throw new UsageError(`--origin: expected epoch seconds ≥ 0 or an ISO time, got ${JSON.stringify(text)}`);
  return v;
}
