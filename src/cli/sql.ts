import type { Command } from 'commander';
import { rowsSql, summaryQueries, SQL_INT_FIELDS, ident } from '../summary/sql.js';
import { mappingFrom } from './ingest-options.js';
import { UsageError } from './errors.js';

/** `servegen sql`: prints the summary scan as SQL for an engine, to run where the data lives. */
export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('Print the window-summary scan as SQL (DuckDB dialect) for a table, given a mapping')
    .requiredOption('--source <table>', 'table or view holding the raw rows')
    .option('--preset <name>', 'mapping preset')
    .option('--map <mapping.json>', 'mapping file')
    .option('--dialect <name>', 'duckdb (others: not yet)', 'duckdb')
    .option('--window <seconds>', 'arrival window', '600')
    .option('--length-window <seconds>', 'length window', '21600')
    .option('--resolution <seconds>', 'clock resolution of the timestamps', '0.001')
    .option('--origin <seconds>', 'subtract this from timestamps (the trace origin, epoch seconds)', '0')
    .option('--dotted', 'sources are dotted paths into struct columns (JSON-like tables)')
    .addHelpText('after', '\nExample:\n  $ servegen sql --preset azure-llm-2023 --source requests > summaries.sql\n')
    .action((opts: { source: string; preset?: string; map?: string; dialect: string; window: string; lengthWindow: string; resolution: string; origin: string; dotted?: boolean }) => {
      if (opts.dialect !== 'duckdb') throw new UsageError(`--dialect ${opts.dialect}: only duckdb is implemented so far (spark, trino and clickhouse ports are planned; see docs/scale.md)`);
      const mapping = mappingFrom(opts);
      const fields = SQL_INT_FIELDS.filter((f) => mapping.columns[f] !== undefined);
      const q = summaryQueries({ W: Number(opts.window), L: Number(opts.lengthWindow), res: Number(opts.resolution), fields });
      const out = [
        `-- ServeGen-TS window-summary scan (DuckDB dialect). Results feed servegen's summary format.`,
        `CREATE TEMP VIEW src_rows AS ${rowsSql(ident(opts.source), mapping, Boolean(opts.dotted))};`,
        `-- Rejects by reason (rows_read = accepted + rejected):`,
        `SELECT reason, count(*) AS c FROM src_rows GROUP BY reason;`,
        `CREATE TEMP TABLE r AS SELECT t - ${Number(opts.origin)} AS t, client${fields.map((f) => `, ${ident(f)}`).join('')} FROM src_rows WHERE reason IS NULL;`,
        `CREATE TEMP TABLE x AS ${q.gaps};`,
        `-- Arrival windows:`,
        `${q.arrivals};`,
        `-- Gap histograms (q = clock ticks, h = log bins):`,
        `${q.gapHist};`,
        `-- Counts per 1/10/60 s bin:`,
        `${q.disp};`,
        `-- Length histograms:`,
        `${q.lengths};`,
        ...(q.joint ? ['-- Joint input/output histogram:', `${q.joint};`] : []),
      ];
      process.stdout.write(out.join('\n') + '\n');
    });
}
