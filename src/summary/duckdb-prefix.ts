/**
 * The DuckDB engine's pass over the rows with hash_ids (a prompt's block ids): fit's prefix
 * model, validate's prefix-cache metrics and inspect's hit ratios need the ids row by row, in
 * time order, which window summaries do not keep. DuckDB normalizes the inputs with the same
 * mapping (rowsSql: the rows it accepts are the scan's), and hands over each accepted row that
 * has a hash_ids value, as JSON text, with its client, time and lengths; JavaScript reads the
 * value with the TypeScript engine's rules (hashIdKeys: the same ids, the same rows kept without
 * ids), sorts the rows by time (the rows of one time by content, as TraceBuilder.finish: orderRows) and renumbers the
 * ids by first use. The result is the TypeScript engine's trace restricted to its
 * rows with ids, so prefixSections and prefixSideOf give the same numbers on it.
 *
 * The inputs are read once more for this (only when hash_ids are mapped), and the rows with ids
 * are held: ~16 bytes per row and 4 per id, as in the TypeScript engine.
 */
import { openSource, originOf, num, sqlDouble, type Source } from './duckdb.js';
import { streamInInputOrder } from './duckdb-input-order.js';
import type { DuckDbOptions } from './duckdb-types.js';
import { withFieldCounts } from './duckdb-csv-fields.js';
import { DIALECTS, rowsSql, SQL_INT_FIELDS } from './sql.js';
import { duckdbReadError } from './duckdb-errors.js';
import { withoutLongNumbers } from '../io/json-text.js';
import { humanSpan } from '../ingest/time-axis.js';
import { PREFIX_TIE_INTS, badHashIdsNote, blockSizeWarning, exactHashList, hashIdKeys, spacedHashKey, trimmed } from '../ingest/normalize.js';
import { prefixSideOf, type PrefixSide } from '../validate/prefix.js';
import { IdDictionary } from '../ingest/id-dictionary.js';
import { GrowableF64, GrowableI32, type Trace } from '../ingest/trace.js';
import type { FieldSource, Mapping } from '../ingest/mapping.js';
import { poolClients } from './pool.js';
import { orderRows } from '../ingest/row-order.js';

/** The lengths a prefix model reads (prompt: text and media input tokens; the answer), in the order rows of one time are compared by. */
const PREFIX_INTS = PREFIX_TIE_INTS;

/** What prefixRowsWithDuckDB read. */
export interface DuckDbPrefixRows {
  /** The accepted rows with hash_ids, in time order, ids renumbered by first use; undefined when no row has any. */
  trace?: Trace;
  /** Accepted rows per client (all of them, with ids or not): pooling decides by these. */
  clientRows: Map<string, number>;
  /** Rows kept without ids because their value was not an array of block ids (the TypeScript engine's note). */
  bad: { rows: number; first?: string };
  /** More accepted rows with a hash_ids value than `maxRows` (PREFIX_MAX_ROWS): none read (no trace), or with `slice`, the earliest (`sliced`). */
  tooMany?: { rows: number; max: number };
  /**
   * With `slice` and tooMany: the trace holds only the rows with a value before `end` (seconds
   * from the trace's origin; `start` the first accepted row's): the earliest that fit in
   * `maxRows`. `clientRows`: accepted rows per client before `end`, with ids or not (a client's
   * share of requests with ids is read from them). `later`: the clients with rows with a value
   * after `end` only (slicedNote).
   */
  sliced?: { start: number; end: number; clientRows: Map<string, number>; later: string[] };
  /** With `since`/`before`: rows with a value there are (this many), but none in that span (no trace). */
  outside?: number;
}

/**
 * Accepted rows with a hash_ids value the DuckDB engine's prefix pass reads at most (fit's
 * prefix model and validate's and inspect's cache simulations hold them all): 1 M requests of
 * ~24 ids took 1.45 GB and 44 s in `fit --engine duckdb`; 5 M requests, sliced to their earliest
 * 4 M, 122 s and 5.5 GB. Above it fit, validate and inspect read the earliest rows that fit
 * (`slice`), other callers none (tooManyNote), rather than running out of memory on a log of
 * billions of requests.
 */
export const PREFIX_MAX_ROWS = 4_000_000;

/** What a command says when the prefix pass read no ids (DuckDbPrefixRows.tooMany). */
export function tooManyNote(t: { rows: number; max: number }, what: string): string {
  return `note: hash_ids: ${t.rows} requests have them, more than the DuckDB engine's prefix pass holds (${t.max}): ${what}; fit or validate a time slice of the log (with either engine) for them`;
}

/**
 * The accepted rows with hash_ids of the inputs (see the file's comment); undefined when the
 * mapping maps no hash_ids, or none this engine reads (several of our own traces together: a
 * note says so). Times count from the origin the TypeScript engine takes (`origin`,
 * `firstSecond`: as openScan).
 */
export async function prefixRowsWithDuckDB(inputs: string[], mapping: Mapping, options: DuckDbOptions & PrefixReadOptions): Promise<DuckDbPrefixRows | undefined> {
  if (mapping.columns.hash_ids === undefined) return undefined;
  // (the inputs' notes — a unit detected, origins put on one — were said by the scan this pass
  // follows: repeated, they came twice, in validate without the side's name; found by review)
  const src = await openSource(inputs, mapping, { ...options, hashIds: 'read', onNote: undefined });
  try {
    if (!src.hashIds) return undefined;
    src.stage('reading the rows with hash_ids');
    return await readRows(src, options);
  } finally {
    src.close();
  }
}

/**
 * How prefixRowsWithDuckDB reads: the origin as openScan's (`origin`, `firstSecond`); only the
 * rows at or after `since` and before `before` (seconds from the origin) when given; at most `maxRows` rows with a value
 * (PREFIX_MAX_ROWS), above which none, or with `slice` the earliest that fit (DuckDbPrefixRows.sliced).
 */
export interface PrefixReadOptions {
  origin?: number;
  firstSecond?: boolean;
  since?: number;
  before?: number;
  maxRows?: number;
  slice?: boolean;
}

/**
 * A row has a hash_ids value that may hold ids: not NULL, blank or `[]`, nor JSON's empty text
 * (`json`: hash_raw is JSON text; a CSV cell `""` is a bad value, noted) — none of which has any,
 * in the TypeScript engine. Counted toward `maxRows` and read by the prefix pass; an empty list
 * counted (found by review: a log writing `[]` for rows without ids was sliced at 4 M rows of which
 * a fraction had ids, its note saying all of them had).
 */
const withValueSql = (json: boolean) => `trim(hash_raw) NOT IN ('', '[]'${json ? `, '""'` : ''})`;

async function readRows(src: Source, options: PrefixReadOptions): Promise<DuckDbPrefixRows> {
  const { con, files } = src;
  const ints = PREFIX_INTS.filter((f) => src.mapping.columns[f] !== undefined);
  const counts = src.fields && src.fields.found !== false ? src.fields : undefined;
  if (counts) src.numericSource.fieldCounts = true;
  const rows = (from: string) => rowsSql(from, src.mapping, src.dotted, DIALECTS.duckdb, src.numericSource, [], { hashIds: src.hashIds!.src });
  const WITH_VALUE = withValueSql(src.hashIds!.json);
  const run = <T>(q: (from: string) => Promise<T>) => (counts ? withFieldCounts(counts, q) : q(src.from)).catch((err: unknown) => {
    throw duckdbReadError(err, files);
  });
  // Every accepted row's client and the times' extent (the origin, as openScan decides it).
  // (and the rows with a value, which the stream below must give: streamedAll need not count them again;
  // a blank CSV cell is none, as in the TypeScript engine: counted, the limit counted rows without ids; WITH_VALUE)
  const agg = await run(async (from) => (await con.runAndReadAll(`SELECT client, count(*) AS n, count(CASE WHEN ${WITH_VALUE} THEN 1 END) AS h, min(t) AS tmin, max(abs(t)) AS amax FROM (${rows(from)}) AS r WHERE reason IS NULL GROUP BY client`)).getRowObjectsJS() as { client: string; n: unknown; h: unknown; tmin: unknown; amax: unknown }[]);
  const clientRows = new Map<string, number>();
  const valueRows = new Map<string, number>();
  let tmin = Infinity;
  let amax = 0;
  let withValue = 0;
  for (const r of agg) {
    clientRows.set(r.client, num(r.n));
    valueRows.set(r.client, num(r.h));
    withValue += num(r.h);
    tmin = Math.min(tmin, num(r.tmin));
    amax = Math.max(amax, num(r.amax));
  }
  const bad: DuckDbPrefixRows['bad'] = { rows: 0 };
  if (agg.length === 0) return { clientRows, bad };
  // Beyond what the prefix model and the cache simulations hold (~1.5 GB a million requests of
  // ~24 ids), nothing is read: said, where a log of billions of rows would run out of memory.
  const max = options.maxRows ?? PREFIX_MAX_ROWS;
  const { origin } = originOf(src, tmin, amax, options.origin, options.firstSecond);
  // `since`, `before` (seconds from the origin): the rows in that span only, counted again.
  let bound = '';
  if (options.since !== undefined || options.before !== undefined) {
    if (options.since !== undefined) bound += ` AND t - ${sqlDouble(origin)} >= ${sqlDouble(options.since)}`;
    if (options.before !== undefined) bound += ` AND t - ${sqlDouble(origin)} < ${sqlDouble(options.before)}`;
    const all = withValue;
    withValue = num(await run(async (from) => (await con.runAndReadAll(`SELECT count(*) FROM (${rows(from)}) AS r WHERE reason IS NULL AND ${WITH_VALUE}${bound}`)).getColumnsJS()[0][0]));
    // (none there: said apart from a side without hash_ids, found by review — a generated
    // side that starts after the source's slice was reported as generated without ids)
    if (withValue === 0) return { clientRows, bad, ...(all > 0 ? { outside: all } : {}) };
  }
  const tooMany = withValue > max ? { rows: withValue, max } : undefined;
  if (tooMany && !options.slice) return { clientRows, bad, tooMany };
  // Too many with `slice`: the rows before the time of the (max + 1)-th earliest row with a value
  // (rows sharing that time all left out, so that no tie is cut by input order).
  let sliced: DuckDbPrefixRows['sliced'];
  let expected = withValue;
  if (tooMany) {
    const cut = await run(async (from) => (await con.runAndReadAll(`SELECT CAST(t AS DOUBLE) AS t FROM (${rows(from)}) AS r WHERE reason IS NULL AND ${WITH_VALUE}${bound} ORDER BY t LIMIT 1 OFFSET ${max}`)).getColumnsJS()[0][0]);
    const end = num(cut);
    bound += ` AND t < ${sqlDouble(end)}`;
    const window = await run(async (from) => (await con.runAndReadAll(`SELECT client, count(*) AS n, count(CASE WHEN ${WITH_VALUE} THEN 1 END) AS h FROM (${rows(from)}) AS r WHERE reason IS NULL${bound} GROUP BY client`)).getRowObjectsJS() as { client: string; n: unknown; h: unknown }[]);
    expected = window.reduce((a, r) => a + num(r.h), 0);
    // (every row with a value at the first time: none before it)
    if (expected === 0) return { clientRows, bad, tooMany };
    const early = new Set(window.filter((r) => num(r.h) > 0).map((r) => r.client));
    sliced = { start: tmin - origin, end: end - origin, clientRows: new Map(window.map((r) => [r.client, num(r.n)])), later: [...valueRows].filter(([c, h]) => h > 0 && !early.has(c)).map(([c]) => c) };
  }
  // The rows with a value, in input order (sorted by time and content below, as in TraceBuilder.finish).
  const spaces = src.hashIds!.spaces;
  const sql = (from: string) => `SELECT client, t, ${ints.map((f) => `CAST(${f} AS DOUBLE) AS ${f}, `).join('')}hash_raw${spaces ? ', hash_space' : ''} FROM (${rows(from)}) AS r WHERE reason IS NULL AND ${WITH_VALUE}${bound}`;
  const clients = new Map<string, number>();
  const clientIds: string[] = [];
  const client = new GrowableI32();
  const time = new GrowableF64();
  const lengths = ints.map(() => new GrowableI32());
  const idCounts = new GrowableI32();
  const codes = new GrowableI32();
  const dict = new IdDictionary();
  const keys: (number | string)[] = [];
  const label = files.length === 1 ? files[0] : `${files.length} files`;
  await run((from) =>
    streamInInputOrder(con, sql(from), expected, ({ cols, rows: m }) => {
      const [cl, t] = cols;
      const raw = cols[cols.length - (spaces ? 2 : 1)];
      const space = spaces ? cols[cols.length - 1] : undefined;
      for (let i = 0; i < m; i++) {
        const why = hashValueKeys(String(raw[i]), src.hashIds!, keys, space ? Number(space[i]) : 0);
        if (why !== undefined) {
          if (bad.rows++ === 0) bad.first = `${label}: ${why}`;
          continue;
        }
        if (keys.length === 0) continue;
        const name = String(cl[i]);
        let c = clients.get(name);
        if (c === undefined) {
          clients.set(name, (c = clientIds.length));
          clientIds.push(name);
        }
        client.push(c);
        time.push(Number(t[i]) - origin);
        ints.forEach((_, k) => {
          const x = cols[2 + k][i];
          lengths[k].push(x === null ? -1 : Number(x));
        });
        idCounts.push(keys.length);
        for (const key of keys) codes.push(dict.code(key));
      }
    }),
  );
  const n = time.n;
  if (n === 0) return { clientRows, bad, tooMany };
  const t = time.finish();
  const len = lengths.map((l) => l.finish());
  const client0 = client.finish();
  // (the rows of one time as the TypeScript engine orders them: TraceBuilder.finish)
  const { apply, hashIds } = orderRows(t, { names: clientIds, client: client0, ints: len, hash: { counts: idCounts.finish(), codes: codes.finish(), distinct: dict.size, keys: () => dict.keys(), blockTokens: src.hashIds!.blockTokens } });
  const trace: Trace = {
    n,
    timestamp: apply(t),
    client: apply(client0),
    clientIds,
    ints: Object.fromEntries(ints.map((f, k) => [f, apply(len[k])])),
    texts: {},
    origin: null,
    hashIds,
  };
  return { trace, clientRows, bad, tooMany, sliced };
}

/**
 * A row's `hash_raw` (hashIdsJsonSql: a CSV cell's text, else JSON text) read as block-id keys
 * into `keys` with the TypeScript engine's rules (hashIdKeys): undefined when read, else why the
 * value is not an array of block ids. The prefix pass and `ingest --engine duckdb` read them so.
 * `space`: the row's `hash_space` (Source.hashIds.spaces), its keys then spacedHashKey's.
 */
export function hashValueKeys(text: string, how: { src: FieldSource; blockTokens: number; decoded: boolean; json: boolean }, keys: (number | string)[], space = 0): string | undefined {
  // (`{"token_blocks": col}`: the value holds the prompt's token ids, hashed block by block)
  const tokens = typeof how.src === 'object' && !Array.isArray(how.src) && 'token_blocks' in how.src ? how.blockTokens : undefined;
  let v: unknown = text;
  if (how.json) {
    // (a number past 2^53, rounded here, is read again with its digits by `again`, as
    // TraceBuilder reads a JSON record's: quoting them first cost a scan of every text)
    try {
      v = JSON.parse(text);
    } catch {
      v = text;
    }
  }
  // (`again`: the text read again, as TraceBuilder reads a cell's or a record's, so that a
  // number JSON rounds gets the TypeScript engine's words: `1E20`, not a whole number)
  const why = hashIdKeys(v, tokens, () => (typeof v === 'string' ? exactHashList(trimmed(v), undefined) : exactDigits(text, how.decoded)), keys);
  // (the ids of one of several of our own traces: its own, as TraceBuilder keys them; token
  // blocks' hashes are the prompts' own, shared across files)
  if (why === undefined && space > 0 && tokens === undefined) for (let k = 0; k < keys.length; k++) keys[k] = spacedHashKey(keys[k], space);
  return why;
}

/**
 * A list's JSON text read again with integers past 2^53 kept as digit texts (hashIdKeys' `again`
 * for a value that is no text). `decoded` (Parquet): none when a number past 2^53 is left, a
 * double, as TraceBuilder reads no digits again from a decoded row (its INT64 ids come exact,
 * here as to_json's digits): the same rows bad, in the same words.
 */
function exactDigits(text: string, decoded: boolean): unknown[] | undefined {
  const list = exactHashList(text, undefined);
  return decoded ? withoutLongNumbers(list) : list;
}

/**
 * The prefix rows' trace with small clients pooled into `tail` as the scan pooled them
 * (poolClients over every client's accepted rows, as poolSmallClients pools a whole trace).
 */
export function pooledPrefixTrace(rows: DuckDbPrefixRows, min: number | undefined): Trace | undefined {
  const trace = rows.trace;
  const pool = trace && poolOf(rows, min);
  if (!trace || !pool) return trace;
  const code = trace.clientIds.map((c) => pool.code(c));
  return { ...trace, client: trace.client.map((c) => code[c]), clientIds: pool.ids };
}

/** The scan's pool of small clients (below `min` accepted rows) as a client's pooled code; undefined when none is pooled. */
function poolOf(rows: DuckDbPrefixRows, min: number | undefined): { ids: string[]; code: (client: string) => number } | undefined {
  if (!(min !== undefined && min > 0)) return undefined;
  const names = [...rows.clientRows.keys()];
  const pool = poolClients(names, names.map((c) => rows.clientRows.get(c)!), min);
  if (!pool) return undefined;
  const at = new Map(names.map((c, i) => [c, i]));
  return { ids: pool.ids, code: (c) => pool.code[at.get(c)!] };
}

/**
 * A sliced read's (DuckDbPrefixRows.sliced) accepted rows before its end per client as the
 * scan pooled them (pooledPrefixTrace's client ids): a client's share of requests with ids is
 * its trace rows over these.
 */
export function pooledSliceRows(rows: DuckDbPrefixRows, min: number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  const pool = poolOf(rows, min);
  for (const [c, n] of rows.sliced?.clientRows ?? []) {
    const id = pool ? pool.ids[pool.code(c)] : c;
    out.set(id, (out.get(id) ?? 0) + n);
  }
  return out;
}

/**
 * What fit says of a sliced read (DuckDbPrefixRows.sliced): the span its prefix sections were
 * fitted on, and the clients (as pooled below `min`) with values in the log but no section
 * (`fitted`: the sections' clients): none in that span, their generated requests get no ids.
 */
export function slicedNote(rows: DuckDbPrefixRows, min: number | undefined, fitted: ReadonlySet<string>): string | undefined {
  const { sliced, tooMany, trace } = rows;
  if (!sliced || !tooMany || !trace) return undefined;
  const span = sliced.end - sliced.start;
  // (found by review: a client whose requests with ids all came later — one that started after
  // the span — was left without a prefix section, unsaid)
  const pool = poolOf(rows, min);
  const later = [...new Set(sliced.later.map((c) => (pool ? pool.ids[pool.code(c)] : c)))].filter((c) => !fitted.has(c)).sort();
  const shown = later.slice(0, 5).map((c) => JSON.stringify(c)).join(', ') + (later.length > 5 ? `, … (${later.length - 5} more)` : '');
  const none = later.length ? `; ${later.length} client${later.length === 1 ? '' : 's'} with ids only after it ha${later.length === 1 ? 's' : 've'} no prefix section (their generated requests get no ids): ${shown}` : '';
  return `note: hash_ids: ${tooMany.rows} requests have them, more than the DuckDB engine's prefix pass holds (${tooMany.max}): the prefix sections are fitted on the earliest ${trace.n} of them, the first ${humanSpan(span)} of the log (each client's share of requests with ids from that span); reuse over longer gaps than that span is not seen${none}`;
}

/**
 * A side's prefix-cache statistics (validate, inspect) from its rows with hash_ids read in
 * DuckDB: `side`, undefined without hash_ids; `unread`, why none were read when it has too many
 * (PREFIX_MAX_ROWS, also said through `onNote`), unless `slice` (validate's source): then the
 * statistics of its earliest rows, `sliced` saying which. `since`, `before`: of the rows in that
 * span only (seconds from the side's origin), `within` naming it (validate's generated sides:
 * the source's slice); a side with rows with ids but none there is `unread` too.
 * Rows kept without ids are said through `onNote`.
 */
export async function prefixSideWithDuckDB(inputs: string[], mapping: Mapping, options: DuckDbOptions & Pick<PrefixReadOptions, 'maxRows' | 'slice' | 'since' | 'before'> & { within?: string }): Promise<{ side?: PrefixSide; unread?: string; sliced?: { start: number; end: number; seconds: number; span: string; requests: number; of: number; max: number } }> {
  const rows = await prefixRowsWithDuckDB(inputs, mapping, options);
  if (rows && options.onNote) sayPrefixNotes(rows, options.onNote);
  if (rows?.tooMany && !(rows.sliced && rows.trace)) {
    const { within } = options;
    const note = within === undefined ? tooManyNote(rows.tooMany, 'no prefix-cache statistics') : `note: hash_ids: ${rows.tooMany.rows} requests have them in ${within}, more than the DuckDB engine's prefix pass holds there (${rows.tooMany.max}): no prefix-cache statistics; --engine ts judges the whole of each side`;
    options.onNote?.(note);
    return { unread: `not judged: ${note.replace(/^note: /, '')}` };
  }
  if (rows?.outside !== undefined) return { unread: `not judged: none of its ${rows.outside} requests with hash_ids come in ${options.within ?? 'the span read'}: no requests there to compare; generate over it, or validate with --engine ts (the whole of each side)` };
  if (!rows?.trace) return {};
  const { sliced, tooMany, trace } = rows;
  return { side: prefixSideOf(trace), ...(sliced && tooMany ? { sliced: { start: sliced.start, end: sliced.end, seconds: sliced.end - sliced.start, span: humanSpan(sliced.end - sliced.start), requests: trace.n, of: tooMany.rows, max: tooMany.max } } : {}) };
}

/**
 * What the TypeScript engine's ingest notes of the rows' hash_ids (badHashIdsNote, then
 * blockSizeWarning: ingestFiles' notes, in its order and words), said through `say`. The block
 * sizes were said by fit as a warning, by validate and inspect not at all (found by review).
 */
export function sayPrefixNotes(rows: DuckDbPrefixRows, say: (line: string) => void): void {
  for (const note of [badHashIdsNote(rows.bad), rows.trace && blockSizeWarning(rows.trace)]) if (note) say(`note: ${note}`);
}

/** SQL_INT_FIELDS holds every length a prefix model reads (checked when this module loads). */
for (const f of PREFIX_INTS) if (!(SQL_INT_FIELDS as readonly string[]).includes(f)) throw new Error(`internal: ${f} is not scanned in SQL`);
