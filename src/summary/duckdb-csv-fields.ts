/**
 * Rows of a CSV with another number of fields than its header, counted by the DuckDB engine
 * as the TypeScript reader counts them (`wrong_column_count`). DuckDB's sniffed CSV reader
 * drops an extra *empty* last field (`2,b,` under a header `t,c`) without a word, strict mode
 * or not, so such a row was accepted; and it stops the scan at other rows of another width.
 *
 * The inputs are read here with each file's header names plus one sentinel column, rows
 * padded with NULL (`null_padding`), and a NULL text no field can hold (a newline, unquoted):
 * an empty field reads as '', a missing one as NULL. A row has too many fields when the
 * sentinel is not NULL ('' for `2,b,`), too few when its last column is NULL. Reading so needs
 * the sniffer off (the names are given) and costs what the sniffed read costs, but DuckDB's
 * parallel reader refuses `null_padding` in a file with a newline inside quotes: such inputs
 * are read on one thread. So the inputs are read this way only in reads a scan makes anyway:
 * the one pass's client pre-pass (or its count of the input's rows), the auto unit's
 * magnitudes, the normalized table of ingest, inspect and validate. The one pass keeps the
 * sniffed, parallel read unless its pre-read found rows with too many fields (or its read
 * stopped at one with too few: streamSummarize).
 */
import { ident, WRONG_FIELD_COUNT } from './sql.js';

/**
 * The sentinel column, beyond the header's: not NULL in a row with too many fields. Reading
 * it alone costs nothing over the sniffed read (5 M rows: 0.36 s either way), where reading the
 * last column too, for rows with too few, cost 0.05 s more: the one pass's pre-reads look for
 * this column only (rows with too few fields stop its sniffed read, streamSummarize).
 */
export const EXTRA_FIELD = '__sg_extra';

/** The CSV inputs of a scan, as the field-count read needs them. */
export interface CsvFields {
  files: string[];
  delimiter: string;
  /** Per file: its leading `# servegen:` lines, as traceMeta counted them. */
  comments: number[];
  /** The sniffed read of file i (as the scan reads it otherwise). */
  sniffed: (i: number) => string;
  /** Per file: its columns as DuckDB names them (DESCRIBE of the sniffed read). */
  columns: string[][];
  /** False once DuckDB's parallel reader refused null_padding (a newline inside quotes). */
  parallel: boolean;
  /** Whether some row has another number of fields (undefined: not read yet). */
  found?: boolean;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The inputs with each row's `__sg_wrong_count` (true: another number of fields than the
 * header) and EXTRA_FIELD, in input order. Files with the same columns share one read_csv (its files in
 * order); runs of others are unioned by name, as the sniffed read unions them.
 */
export function fieldCountsFrom(f: CsvFields): string {
  const runs: { files: string[]; columns: string[]; at: number }[] = [];
  f.files.forEach((file, i) => {
    const last = runs[runs.length - 1];
    if (last && f.comments[i] === 0 && f.comments[last.at] === 0 && last.columns.join('\n') === f.columns[i].join('\n')) last.files.push(file);
    else runs.push({ files: [file], columns: f.columns[i], at: i });
  });
  const read = (r: (typeof runs)[number]) => {
    // Our own traces (leading `# servegen:` lines, which `skip` cannot pass: with quotes in
    // them it read no row at all) come from our writer, one field per column: read as the
    // scan reads them.
    if (f.comments[r.at] > 0) return `SELECT *, CAST(NULL AS VARCHAR) AS ${EXTRA_FIELD}, false AS ${WRONG_FIELD_COUNT} FROM ${f.sniffed(r.at)}`;
    const columns = [...r.columns, EXTRA_FIELD].map((c) => `${quote(c)}: 'VARCHAR'`).join(', ');
    const csv = `read_csv([${r.files.map(quote).join(', ')}], header = true, auto_detect = false, columns = {${columns}}, delim = ${quote(f.delimiter)}, quote = '"', escape = '"', allow_quoted_nulls = false, null_padding = true, nullstr = chr(10), comment = '', skip = 0${f.parallel ? '' : ', parallel = false'})`;
    return `SELECT *, (${ident(EXTRA_FIELD)} IS NOT NULL OR ${ident(r.columns[r.columns.length - 1])} IS NULL) AS ${WRONG_FIELD_COUNT} FROM ${csv}`;
  };
  return runs.length === 1 ? `(${read(runs[0])})` : `(${runs.map((r) => `(${read(r)})`).join(' UNION ALL BY NAME ')})`;
}

/** DuckDB's parallel CSV reader refusing null_padding in a file with a newline inside quotes. */
const refusedParallel = (err: unknown) => /does not support null_padding in conjunction with quoted new lines/.test(err instanceof Error ? err.message : String(err));

/**
 * Runs `query` over fieldCountsFrom: in parallel, or again on one thread when DuckDB's
 * parallel reader refuses it (a newline inside quotes; `parallel` stays false after).
 */
export async function withFieldCounts<T>(f: CsvFields, query: (from: string) => Promise<T>): Promise<T> {
  try {
    return await query(fieldCountsFrom(f));
  } catch (err) {
    if (!f.parallel || !refusedParallel(err)) throw headerWidth(err);
    f.parallel = false;
    return await query(fieldCountsFrom(f)).catch((e: unknown) => {
      throw headerWidth(e);
    });
  }
}

/** DuckDB's error at a row of two or more extra fields, with the header's width, not the sentinel's (duckdbReadError quotes it). */
function headerWidth(err: unknown): unknown {
  if (!(err instanceof Error) || !/Expected Number of Columns: \d+/.test(err.message)) return err;
  return new Error(err.message.replace(/Expected Number of Columns: (\d+)/, (_, n: string) => `Expected Number of Columns: ${Number(n) - 1}`));
}
