/**
 * Import and export of upstream ServeGen client pools (`data/<category>/<model>`):
 * `chunk-N-trace.csv` (headerless `window_start_s,rate,cv,family,shape,scale` per
 * arrival window) and `chunk-N-dataset.json` (per length window, per field, a PMF
 * written as a Python dict literal string).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { discardTemporary, makeDirs, outputError, replaceDirectory, trackTemporary } from '../io/atomic.js';
import { duplicateKeyProblem, lineColumnAt, parseJsonText } from '../io/json-text.js';
import { toolName } from '../version.js';
import { ProfileError } from './errors.js';
import { fieldValueProblem } from './read.js';
import { parsePyNumberDict, pyFloatRepr, PyDictError } from './pydict.js';
import { pmfMass, pmfProbabilities } from '../stats/pmf.js';
import { hashFile } from '../io/whole-file.js';
import {
  PROFILE_FORMAT,
  PROFILE_VERSION,
  type ArrivalWindow,
  type LengthField,
  type LengthFieldName,
  type LengthWindow,
  type Profile,
  type ProfileClient,
} from './schema.js';

/** Upstream field name → profile field name. Multimodal `*_tokens` are per item upstream. */
const FIELD_FROM_UPSTREAM: Record<string, LengthFieldName> = {
  input_tokens: 'input_tokens',
  text_tokens: 'input_tokens',
  output_tokens: 'output_tokens',
  reason_ratio: 'reason_ratio',
  image_count: 'image_count',
  image_tokens: 'image_tokens_per_item',
  audio_count: 'audio_count',
  audio_tokens: 'audio_tokens_per_item',
  video_count: 'video_count',
  video_tokens: 'video_tokens_per_item',
};

/**
 * Upstream's reason_ratio PMFs live on the grid np.linspace(0, 1, 502)[:-1], i.e. the
 * doubles i × (1/501) for i = 0…500 (not i/501, which differs in the last bit for 278 of them).
 */
const RATIO_GRID = 501;
const RATIO_STEP = 1 / RATIO_GRID;

function ratioKey(i: number): number {
  return i * RATIO_STEP;
}

function isRatioGrid(keys: number[]): boolean {
  if (keys.length !== RATIO_GRID) return false;
  for (let i = 0; i < RATIO_GRID; i++) if (keys[i] !== ratioKey(i)) return false;
  return true;
}

export interface ImportResult {
  profile: Profile;
  clientsWithoutLengths: string[];
  warnings: string[];
}

interface TraceRow {
  line: number;
  window: ArrivalWindow;
}

function parseTraceCsv(file: string): TraceRow[] {
  const text = readFileSync(file, 'utf8');
  const rows: TraceRow[] = [];
  const lines = text.split('\n');
  for (let li = 0; li < lines.length; li++) {
    const raw = lines[li].endsWith('\r') ? lines[li].slice(0, -1) : lines[li];
    if (raw.trim() === '') continue;
    const lineNo = li + 1;
    const parts = raw.split(',');
    if (parts.length !== 6) {
      throw new ProfileError(`${file}:${lineNo}: expected 6 comma-separated fields (window_start_s,rate,cv,family,shape,scale), found ${parts.length}`, file, `line ${lineNo}`);
    }
    const names = ['window_start_s', 'rate', 'cv', 'family', 'shape', 'scale'];
    const num = (k: number): number => {
      const s = parts[k].trim();
      const v = s === '' ? NaN : Number(s);
      if (!Number.isFinite(v)) throw new ProfileError(`${file}:${lineNo}: field ${names[k]}: not a finite number: ${JSON.stringify(parts[k])}`, file, `line ${lineNo}`);
      return v;
    };
    const start = num(0);
    const rate = num(1);
    const cv = num(2);
    const fam = parts[3].trim();
    if (rate < 0) throw new ProfileError(`${file}:${lineNo}: field rate: must be ≥ 0, got ${rate}`, file, `line ${lineNo}`);
    if (cv < 0) throw new ProfileError(`${file}:${lineNo}: field cv: must be ≥ 0, got ${cv}`, file, `line ${lineNo}`);
    let window: ArrivalWindow;
    if (fam === '') {
      window = { start, rate, cv: null, model: null };
    } else {
      const a = num(4);
      const b = num(5);
      const positive = (v: number, k: number) => {
        if (!(v > 0)) throw new ProfileError(`${file}:${lineNo}: field ${names[k]}: ${fam} parameter must be > 0, got ${v}`, file, `line ${lineNo}`);
      };
      switch (fam.toLowerCase()) {
        case 'gamma':
          positive(a, 4);
          positive(b, 5);
          window = { start, rate, cv, model: { family: 'gamma', shape: a, scale: b } };
          break;
        case 'weibull':
          positive(a, 4);
          positive(b, 5);
          window = { start, rate, cv, model: { family: 'weibull', shape: a, scale: b } };
          break;
        case 'exponential':
          positive(b, 5);
          window = { start, rate, cv, model: { family: 'exponential', scale: b } };
          break;
        default:
          throw new ProfileError(`${file}:${lineNo}: field family: unknown arrival family ${JSON.stringify(fam)} (expected Gamma, Weibull, Exponential or empty)`, file, `line ${lineNo}`);
      }
    }
    if (rows.length > 0 && !(start > rows[rows.length - 1].window.start)) {
      throw new ProfileError(`${file}:${lineNo}: field window_start_s: windows must ascend (${rows[rows.length - 1].window.start} then ${start})`, file, `line ${lineNo}`);
    }
    rows.push({ line: lineNo, window });
  }
  return rows;
}

/** Line of the first occurrence of `"key"` at or after `from` in a JSON text (only computed for error messages). */
function lineOfKey(text: string, key: string, from = 0): number {
  const at = text.indexOf(JSON.stringify(key), from);
  return lineColumnAt(text, at < 0 ? from : at).line;
}

function parseDataset(file: string, requestsIn: (start: number, end: number) => number[]): { windows: LengthWindow[]; fieldNames: string[] } {
  const text = readFileSync(file, 'utf8');
  let doc: unknown;
  try {
    doc = parseJsonText(text, file);
  } catch (err) {
    throw new ProfileError((err as Error).message, file);
  }
  // A window or field twice: JSON.parse kept the last without a word (left open by review).
  const dup = duplicateKeyProblem(text, file);
  if (dup) throw new ProfileError(dup, file);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ProfileError(`${file}:1: expected a JSON object of length windows keyed by start second`, file, 'line 1');
  }
  const entries = Object.entries(doc as Record<string, unknown>);
  const startsSorted = entries.map(([k]) => Number(k)).filter(Number.isFinite).sort((a, b) => a - b);
  const endOf = (start: number): number => {
    const i = startsSorted.indexOf(start);
    if (i >= 0 && i + 1 < startsSorted.length) return startsSorted[i + 1];
    return i > 0 ? start + (start - startsSorted[i - 1]) : start + 21600;
  };
  const fieldNames = new Set<string>();
  const windows: LengthWindow[] = [];
  for (const [startKey, fieldsRaw] of entries) {
    const winAt = text.indexOf(JSON.stringify(startKey));
    const loc = { get line() { return lineOfKey(text, startKey); } };
    const start = Number(startKey);
    // Negative starts as the trace rows take them (found by review: a profile whose windows
    // start before its origin exported "-21600" keys, and import refused its own export).
    if (!/^-?\d+$/.test(startKey)) {
      throw new ProfileError(`${file}:${loc.line}: window key ${JSON.stringify(startKey)} is not a start second`, file, `line ${loc.line}`);
    }
    if (typeof fieldsRaw !== 'object' || fieldsRaw === null || Array.isArray(fieldsRaw)) {
      throw new ProfileError(`${file}:${loc.line}: window ${startKey}: expected an object of fields`, file, `line ${loc.line}`);
    }
    const fields: Partial<Record<LengthFieldName, LengthField>> = {};
    for (const [upName, literal] of Object.entries(fieldsRaw as Record<string, unknown>)) {
      const floc = { get line() { return lineOfKey(text, upName, winAt); } };
      const name = FIELD_FROM_UPSTREAM[upName];
      if (!name) {
        throw new ProfileError(`${file}:${floc.line}: window ${startKey}: unknown field ${JSON.stringify(upName)} (expected one of ${Object.keys(FIELD_FROM_UPSTREAM).join(', ')})`, file, `line ${floc.line}`);
      }
      fieldNames.add(upName);
      if (typeof literal !== 'string') {
        throw new ProfileError(`${file}:${floc.line}: window ${startKey}, field ${upName}: expected a PMF string like "{1: 0.5, 2: 0.5}"`, file, `line ${floc.line}`);
      }
      let dict;
      try {
        dict = parsePyNumberDict(literal);
      } catch (err) {
        if (err instanceof PyDictError) {
          throw new ProfileError(`${file}:${floc.line}: window ${startKey}, field ${upName}: malformed PMF: ${err.message}`, file, `line ${floc.line}`);
        }
        throw err;
      }
      if (dict.keys.length === 0) continue; // upstream writes {} for windows without data
      for (let i = 0; i < dict.keys.length; i++) {
        const p = dict.values[i];
        if (!Number.isFinite(dict.keys[i]) || !(p >= 0) || !Number.isFinite(p)) {
          throw new ProfileError(`${file}:${floc.line}: window ${startKey}, field ${upName}: entry ${i} (${dict.keys[i]}: ${p}) is not a finite value with probability ≥ 0`, file, `line ${floc.line}`);
        }
      }
      const values: number[] = [];
      const probs: number[] = [];
      const dropZeros = name !== 'reason_ratio' || isRatioGrid(dict.keys);
      const order = dict.keys.map((_, i) => i).sort((a, b) => dict.keys[a] - dict.keys[b]);
      for (let k = 1; k < order.length; k++) {
        if (dict.keys[order[k]] === dict.keys[order[k - 1]]) {
          throw new ProfileError(`${file}:${floc.line}: window ${startKey}, field ${upName}: key ${pyFloatRepr(dict.keys[order[k]]).replace(/\.0$/, '')} appears twice in the PMF (Python keeps only the last one); remove one of them`, file, `line ${floc.line}`);
        }
      }
      for (const i of order) {
        if (dropZeros && dict.values[i] === 0) continue;
        values.push(dict.keys[i]);
        probs.push(dict.values[i]);
      }
      const bad = fieldValueProblem(name, values);
      if (bad) {
        throw new ProfileError(`${file}:${floc.line}: window ${startKey}, field ${upName}: ${bad.replace(/^values\[\d+\]: /, '')}`, file, `line ${floc.line}`);
      }
      if (!probs.some((p) => p > 0)) {
        throw new ProfileError(`${file}:${floc.line}: window ${startKey}, field ${upName}: PMF has no positive probability`, file, `line ${floc.line}`);
      }
      const counts = asCounts(probs, requestsIn(start, endOf(start)));
      fields[name] = { pmf: counts ? { values, counts } : { values, probs } };
    }
    windows.push({ start, fields });
  }
  windows.sort((a, b) => a.start - b.start);
  return { windows, fieldNames: [...fieldNames] };
}

/**
 * Upstream PMFs are request counts divided by the window's total. When some total N makes
 * every probability exactly count/N (bit for bit), store the counts: 3–5× smaller files,
 * faster loads, and still a lossless round trip. Otherwise undefined (keep probabilities).
 */
export function asCounts(probs: number[], hints: readonly number[] = []): number[] | undefined {
  const tryTotal = (n: number): number[] | undefined => {
    if (!(n > 0) || !Number.isInteger(n) || n > 1e12) return undefined;
    const counts = new Array<number>(probs.length);
    let sum = 0;
    for (let i = 0; i < probs.length; i++) {
      const c = Math.round(probs[i] * n);
      if (c / n !== probs[i]) return undefined;
      counts[i] = c;
      sum += c;
    }
    return sum === n ? counts : undefined;
  };
  // The window's request count is the usual denominator; try it (and given multiples) first.
  for (const h of hints) {
    const c = tryTotal(Math.round(h));
    if (c) return c;
  }
  let min = Infinity;
  for (const p of probs) if (p > 0 && p < min) min = p;
  if (!Number.isFinite(min)) return undefined;
  // Otherwise the rarest value was seen k times for a small k: total = k / min.
  for (let k = 1; k <= 64; k++) {
    const c = tryTotal(Math.round(k / min));
    if (c) return c;
  }
  return undefined;
}

/** Numeric client id of `chunk-N-…` files. */
const TRACE_RE = /^chunk-(\d+)-trace\.csv$/;
const DATASET_RE = /^chunk-(\d+)-dataset\.json$/;

/** Directories one or two levels below `dir` that hold chunk-N-trace.csv files (for the error when `dir` holds none). */
function poolsBelow(dir: string): string[] {
  const subdirs = (d: string) => {
    try {
      return readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(d, e.name)).sort();
    } catch {
      return [];
    }
  };
  const isPool = (d: string) => {
    try {
      return readdirSync(d).some((n) => TRACE_RE.test(n));
    } catch {
      return false;
    }
  };
  const out: string[] = [];
  for (const a of subdirs(dir)) {
    if (isPool(a)) out.push(a);
    else for (const b of subdirs(a)) if (isPool(b)) out.push(b);
  }
  return out;
}

/**
 * The client ids an export-servegen wrote beside the pool (`servegen-clients.json`: chunk number →
 * client id), so that import gives the exported profile's ids back; empty when there is no such
 * file (an upstream pool: ids are the chunk numbers).
 */
function readPoolClients(dir: string, traces: Map<number, string>, hash: ReturnType<typeof createHash>): Map<number, string> {
  const file = join(dir, POOL_CLIENTS_FILE);
  const ids = new Map<number, string>();
  if (!existsSync(file)) return ids;
  const text = readFileSync(file, 'utf8');
  hash.update(`${POOL_CLIENTS_FILE}\0`).update(text).update('\0');
  let doc: unknown;
  try {
    doc = parseJsonText(text, file);
  } catch (err) {
    throw new ProfileError((err as Error).message, file);
  }
  const dup = duplicateKeyProblem(text, file);
  if (dup) throw new ProfileError(dup, file);
  const chunks = (doc as { chunks?: unknown } | null)?.chunks;
  if ((doc as { format?: unknown } | null)?.format !== POOL_CLIENTS_FORMAT || !Array.isArray(chunks)) {
    throw new ProfileError(`${file}:1: expected {"format": "${POOL_CLIENTS_FORMAT}", "chunks": [{"chunk": N, "client": "id"}, …]} (written by export-servegen)`, file, 'line 1');
  }
  const seen = new Set<string>();
  chunks.forEach((e: unknown, i: number) => {
    const { chunk, client } = (e ?? {}) as { chunk?: unknown; client?: unknown };
    const where = `chunks[${i}]`;
    if (typeof chunk !== 'number' || !Number.isSafeInteger(chunk) || chunk < 0 || typeof client !== 'string' || client === '') {
      throw new ProfileError(`${file}: ${where}: expected {"chunk": N, "client": "id"}`, file, where);
    }
    if (ids.has(chunk)) throw new ProfileError(`${file}: ${where}: chunk ${chunk} is listed twice`, file, where);
    if (seen.has(client)) throw new ProfileError(`${file}: ${where}: client ${JSON.stringify(client)} is listed twice`, file, where);
    if (!traces.has(chunk)) throw new ProfileError(`${file}: ${where}: chunk ${chunk} has no chunk-${chunk}-trace.csv in ${dir}`, file, where);
    seen.add(client);
    ids.set(chunk, client);
  });
  // A chunk the file does not list keeps its number, unless that number is another chunk's id.
  for (const n of traces.keys()) {
    if (!ids.has(n) && seen.has(String(n))) throw new ProfileError(`${file}: chunk ${n} is not listed, and its number is the id of another chunk's client`, file);
  }
  return ids;
}

/**
 * Reads an upstream pool directory into a v1 profile. Clients that have a trace
 * but no dataset file are kept (arrivals only) and listed in `clientsWithoutLengths`.
 * @throws ProfileError naming the file and line of the first malformed entry.
 */
export function importServegenPool(dir: string, now: () => string = defaultCreated): ImportResult {
  // A missing path was "not a directory" too, as if it were a file (found by a new user's walkthrough).
  if (!existsSync(dir)) throw new ProfileError(`${dir}: no such directory (expected an upstream pool dir data/<category>/<model>)`, dir);
  if (!statSync(dir).isDirectory()) {
    throw new ProfileError(`${dir}: not a directory (expected an upstream pool dir data/<category>/<model>)`, dir);
  }
  const names = readdirSync(dir).sort();
  const traces = new Map<number, string>();
  const datasets = new Map<number, string>();
  for (const name of names) {
    // chunk-01-… and chunk-1-… are one number: the second replaced the first without a word
    // and the pool lost a client (found by review).
    for (const [re, map] of [[TRACE_RE, traces], [DATASET_RE, datasets]] as const) {
      const m = re.exec(name);
      if (!m) continue;
      const n = Number(m[1]);
      const other = map.get(n);
      if (other !== undefined) throw new ProfileError(`${join(dir, name)}: chunk number ${n} again (also ${other}); rename one of them`, join(dir, name));
      map.set(n, name);
    }
  }
  if (traces.size === 0) {
    // Given a category (data/language) or data/ itself, name the pools below it (found by review).
    const pools = poolsBelow(dir);
    const hint = pools.length ? ` Pools below it: ${pools.slice(0, 5).join(', ')}${pools.length > 5 ? `, … (${pools.length})` : ''}` : '';
    throw new ProfileError(`${dir}: no chunk-N-trace.csv files found; is this an upstream ServeGen pool directory (data/<category>/<model>)?${hint}`, dir);
  }
  for (const [id, name] of datasets) {
    if (!traces.has(id)) throw new ProfileError(`${join(dir, name)}: dataset has no matching chunk-${id}-trace.csv`, join(dir, name));
  }
  const hash = createHash('sha256');
  const ids = [...traces.keys()].sort((a, b) => a - b);
  const idOf = readPoolClients(dir, traces, hash);
  const clients: ProfileClient[] = [];
  const without: string[] = [];
  let windowSeconds: number | undefined;
  let lengthSeconds: number | undefined;
  let spanStart = Infinity;
  let spanEnd = -Infinity;
  for (const id of ids) {
    const traceFile = join(dir, traces.get(id)!);
    hashFile(hash.update(`${basename(traceFile)}\0`), traceFile).update('\0');
    const rows = parseTraceCsv(traceFile);
    if (rows.length === 0) throw new ProfileError(`${traceFile}:1: trace file has no windows`, traceFile, 'line 1');
    for (let i = 1; i < rows.length; i++) {
      const step = rows[i].window.start - rows[i - 1].window.start;
      if (windowSeconds === undefined) windowSeconds = step;
      else if (step !== windowSeconds) {
        throw new ProfileError(`${traceFile}:${rows[i].line}: field window_start_s: window step ${step} s differs from the pool's ${windowSeconds} s`, traceFile, `line ${rows[i].line}`);
      }
    }
    const arrivals = rows.map((r) => r.window);
    let lengths: LengthWindow[] = [];
    const dsName = datasets.get(id);
    if (dsName) {
      const dsFile = join(dir, dsName);
      hashFile(hash.update(`${dsName}\0`), dsFile).update('\0');
      // Upstream PMFs are counts over the length window's requests (Σ rate·600 over its arrival windows).
      const step = windowSeconds ?? 600;
      const requestsIn = (start: number, end: number): number[] => {
        let n = 0;
        for (const w of arrivals) if (w.start >= start && w.start < end) n += Math.round(w.rate * step);
        return [n];
      };
      lengths = parseDataset(dsFile, requestsIn).windows;
      for (let i = 1; i < lengths.length; i++) {
        const step = lengths[i].start - lengths[i - 1].start;
        if (lengthSeconds === undefined || step < lengthSeconds) lengthSeconds = step;
      }
    } else {
      without.push(String(id));
    }
    clients.push({ id: idOf.get(id) ?? String(id), requests: 0, arrivals, lengths });
    spanStart = Math.min(spanStart, arrivals[0].start);
    spanEnd = Math.max(spanEnd, arrivals[arrivals.length - 1].start);
  }
  const arrivalSeconds = windowSeconds ?? 600;
  for (const c of clients) {
    let total = 0;
    for (const w of c.arrivals) total += w.rate * arrivalSeconds;
    c.requests = Math.round(total);
  }
  const absDir = resolve(dir);
  const profile: Profile = {
    format: PROFILE_FORMAT,
    version: PROFILE_VERSION,
    provenance: {
      tool: toolName(),
      source_sha256: hash.digest('hex'),
      created: now(),
      options: {},
      source: {
        kind: 'servegen-pool',
        path: dir,
        category: basename(dirname(absDir)),
        model: basename(absDir),
        clients_without_lengths: without.length,
      },
    },
    windows: { arrival_seconds: arrivalSeconds, length_seconds: lengthSeconds ?? 21600 },
    span: { origin: null, start: spanStart, end: spanEnd + arrivalSeconds },
    clients,
  };
  return { profile, clientsWithoutLengths: without, warnings: [] };
}

/**
 * Creation time for provenance: `SOURCE_DATE_EPOCH` (seconds) when set, so builds can be
 * byte-reproducible; otherwise now.
 */
export function defaultCreated(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const ms = epoch && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : Date.now();
  return new Date(ms).toISOString();
}

const UPSTREAM_FAMILY = { gamma: 'Gamma', weibull: 'Weibull', exponential: 'Exponential' } as const;

/**
 * One row as upstream writes it: a window without a model as ints (`…,0,0,,0,0`), a fitted one
 * with Python floats (`5.0`, `2e-05`).
 */
function formatTraceRow(w: ArrivalWindow): string {
  const start = String(w.start);
  if (!w.model) return `${start},${pyNum(w.rate)},${pyNum(w.cv ?? 0)},,0,0`;
  const fam = UPSTREAM_FAMILY[w.model.family];
  const a = w.model.family === 'exponential' ? 0 : w.model.shape;
  return `${start},${pyFloatRepr(w.rate)},${pyFloatRepr(w.cv ?? 0)},${fam},${pyFloatRepr(a)},${pyFloatRepr(w.model.scale)}`;
}

/** Integral numbers as ints (`0`), others as Python floats. */
function pyNum(x: number): string {
  return Number.isInteger(x) ? String(x) : pyFloatRepr(x);
}

function formatPmfLiteral(name: string, values: number[], probs: number[]): string {
  const parts: string[] = [];
  if (name === 'reason_ratio') {
    const onGrid = values.every((v) => Math.abs(v * RATIO_GRID - Math.round(v * RATIO_GRID)) < 1e-9 && Math.round(v * RATIO_GRID) < RATIO_GRID);
    if (onGrid) {
      const dense = new Array<number>(RATIO_GRID).fill(0);
      values.forEach((v, i) => (dense[Math.round(v * RATIO_GRID)] = probs[i]));
      for (let i = 0; i < RATIO_GRID; i++) parts.push(`${pyFloatRepr(ratioKey(i))}: ${pyFloatRepr(dense[i])}`);
      return `{${parts.join(', ')}}`;
    }
    values.forEach((v, i) => parts.push(`${pyFloatRepr(v)}: ${pyFloatRepr(probs[i])}`));
    return `{${parts.join(', ')}}`;
  }
  values.forEach((v, i) => parts.push(`${Number.isInteger(v) ? String(v) : pyFloatRepr(v)}: ${pyFloatRepr(probs[i])}`));
  return `{${parts.join(', ')}}`;
}

/** Profile length fields upstream's layout holds (exportServegenPool's `toUpstream`). */
const UPSTREAM_FIELDS = new Set<LengthFieldName>(['input_tokens', 'output_tokens', 'reason_ratio', 'image_count', 'image_tokens_per_item', 'audio_count', 'audio_tokens_per_item', 'video_count', 'video_tokens_per_item']);

/** Written beside an exported pool when some client id is not its chunk number (which client became which chunk). */
export const POOL_CLIENTS_FILE = 'servegen-clients.json';

/**
 * The chunk number each client of `profile` is exported as (same order as `profile.clients`):
 * ids that are non-negative integers keep their number; the others take the lowest numbers left.
 */
export function servegenChunkNumbers(profile: Profile): number[] {
  // (Found by review: position i was used even when a numeric id had taken it — ids "1", "x"
  // both wrote chunk-1, the second overwriting the first, and the pool lost a client.)
  const used = new Set<number>();
  const nums = profile.clients.map((c) => {
    const n = /^\d+$/.test(c.id) ? Number(c.id) : NaN;
    if (Number.isSafeInteger(n) && String(n) === c.id && !used.has(n)) {
      used.add(n);
      return n;
    }
    return -1;
  });
  let free = 0;
  for (let i = 0; i < nums.length; i++) {
    if (nums[i] >= 0) continue;
    while (used.has(free)) free++;
    used.add(free);
    nums[i] = free;
  }
  return nums;
}

/**
 * Writes a profile in the upstream pool layout (`chunk-N-trace.csv`, `chunk-N-dataset.json`).
 * Client ids that are non-negative integers keep their number; others take the lowest numbers
 * left (servegenChunkNumbers), and then `servegen-clients.json` in `dir` maps chunk numbers to
 * client ids. Refuses (ProfileError) a directory holding pool files this export would not write.
 * Binned PMF tails are expanded to one entry per integer (upstream has no bins).
 * @returns number of files written.
 */
export function exportServegenPool(profile: Profile, dir: string, source?: string): number {
  const nums = servegenChunkNumbers(profile);
  // Fields upstream has no place for are refused before anything is written (found by review:
  // the error came after the earlier clients' chunks and this one's trace file were written,
  // leaving a partial pool, and named neither the profile nor where the field was).
  profile.clients.forEach((c, ci) => {
    for (const w of c.lengths) {
      const k = (Object.keys(w.fields) as LengthFieldName[]).find((f) => !UPSTREAM_FIELDS.has(f));
      if (k === undefined) continue;
      const hint = k === 'reasoning_tokens' ? 'upstream keeps reason_ratio, reasoning / output tokens' : `upstream keeps tokens per item, ${k}_per_item, not per request`;
      throw new ProfileError(`${source ? `${source}: ` : ''}clients[${ci}] (${JSON.stringify(c.id)}): length field ${k} has no upstream equivalent (${hint}); cannot export, nothing was written`, source, `clients[${ci}].lengths`);
    }
  });
  // Which client became which chunk: upstream's layout has only numbers, so when an id is not
  // its chunk's number the mapping is written beside the pool (and import-servegen reads it).
  const renamed = profile.clients.some((c, i) => c.id !== String(nums[i]));
  const writes = new Set<string>();
  profile.clients.forEach((c, i) => {
    writes.add(`chunk-${nums[i]}-trace.csv`);
    if (c.lengths.length > 0) writes.add(`chunk-${nums[i]}-dataset.json`);
  });
  if (renamed) writes.add(POOL_CLIENTS_FILE);
  // Found by review: exporting into a directory that held another pool overwrote some chunks
  // and left the others, so import-servegen read a mix of two pools without a word. Files of a
  // pool that this export would not write refuse the directory (re-exporting the same profile
  // into it is fine).
  let existing: string[] = [];
  try {
    existing = readdirSync(dir);
  } catch {
    // not there yet: created below
  }
  const stale = existing.filter((n) => (TRACE_RE.test(n) || DATASET_RE.test(n) || n === POOL_CLIENTS_FILE) && !writes.has(n)).sort();
  if (stale.length > 0) {
    throw new ProfileError(
      `${dir}: holds ${stale.length} pool file(s) this export would not write (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}), from another pool; import-servegen would read them with this one. Give an empty or new directory`,
      dir,
    );
  }
  // Written into a temporary sibling directory, then moved into place: a run that fails part-way
  // (a full disk, Ctrl-C) leaves no partial pool and no new directory (found by review: the
  // chunks written before the failure stayed, a pool import-servegen read without a word).
  const final = dir.replace(/(.)\/+$/, '$1');
  try {
    makeDirs(dirname(resolve(final)));
  } catch (err) {
    throw Object.assign(err as Error, { path: final }); // the output is named, not its parent
  }
  let dirExists = false;
  try {
    dirExists = statSync(final).isDirectory();
    // Said as `export-servegen --out FILE` says it; it was Node's "EEXIST: file already exists,
    // mkdir 'p.json'", whose first word was no path (found by using the library, h-102).
    if (!dirExists) throw Object.assign(new Error(`${final}: cannot write (an existing file, not a directory: the pool is a directory of chunk files)`), { code: 'EEXIST', syscall: 'mkdir', path: final });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const tmp = trackTemporary(join(dirname(final), `.${basename(final)}.${process.pid}.tmp`));
  try {
    mkdirSync(tmp);
  } catch (err) {
    throw outputError(final, err);
  }
  const put = (name: string, text: string) => {
    try {
      const file = join(tmp, name);
      writeFileSync(file, text);
      const fd = openSync(file, 'r+');
      try {
        fsyncSync(fd); // on the disk before the rename makes it the pool's, as writeFileAtomic does
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      throw outputError(join(final, name), err);
    }
  };
  try {
    writePoolFiles(profile, nums, renamed, put);
    try {
      // An existing pool is replaced as a whole (replaceDirectory), its other files kept; only
      // where it cannot be moved aside (the working directory, a symbolic link, a mount point) file by file.
      if (!dirExists || readdirSync(final).length === 0) renameSync(tmp, final);
      else if (!replaceDirectory(tmp, final)) for (const name of readdirSync(tmp)) renameSync(join(tmp, name), join(final, name));
    } catch (err) {
      // Another export made the directory while this one wrote (two jobs into one --out at once):
      // it said "servegen: .pool.18480.tmp: ENOTEMPTY: directory not empty" (found by a batch-job
      // audit). Nothing of this export is moved in, so the other's pool stays whole.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new ProfileError(`${final}: made by another run while this export was writing (two exports into one directory at once?); nothing written: give each its own --out`, final);
      throw err;
    }
  } catch (err) {
    discardTemporary(tmp);
    throw err;
  }
  discardTemporary(tmp);
  return writes.size;
}

/** The pool's files, each handed to `put` (name, text). */
function writePoolFiles(profile: Profile, nums: number[], renamed: boolean, put: (name: string, text: string) => void): void {
  const multimodal = profile.clients.some((c) => c.lengths.some((w) => w.fields.image_count || w.fields.audio_count || w.fields.video_count));
  const toUpstream: Partial<Record<LengthFieldName, string>> = {
    input_tokens: multimodal ? 'text_tokens' : 'input_tokens',
    output_tokens: 'output_tokens',
    reason_ratio: 'reason_ratio',
    image_count: 'image_count',
    image_tokens_per_item: 'image_tokens',
    audio_count: 'audio_count',
    audio_tokens_per_item: 'audio_tokens',
    video_count: 'video_count',
    video_tokens_per_item: 'video_tokens',
  };
  const order: LengthFieldName[] = multimodal
    ? ['input_tokens', 'image_tokens_per_item', 'audio_tokens_per_item', 'video_tokens_per_item', 'image_count', 'audio_count', 'video_count', 'output_tokens']
    : ['input_tokens', 'output_tokens', 'reason_ratio'];
  const W = profile.windows.arrival_seconds;
  profile.clients.forEach((client, ci) => {
    const num = nums[ci];
    // Upstream trace files list every window from the first to the last (rate 0 where there
    // were no requests), and import-servegen requires that step: a fitted profile keeps only
    // windows with requests, and its export was refused on import ("window step 1800 s differs
    // from the pool's 600 s") — found by review.
    const rows: string[] = [];
    client.arrivals.forEach((w, i) => {
      if (i > 0) {
        const prev = client.arrivals[i - 1].start;
        const gaps = Math.round((w.start - prev) / W);
        for (let k = 1; k < gaps; k++) rows.push(`${String(prev + k * W)},0,0,,0,0`);
      }
      // A window the profile's span ends (or starts) inside is rated over its part inside the
      // span; upstream generates whole windows, so its rate is spread over the whole window to
      // keep the window's requests (found by review: an exported fitted profile imported back
      // with 423 requests for 400). Whole windows (every upstream pool's) are written as they are.
      const inside = Math.min(w.start + W, profile.span.end) - Math.max(w.start, profile.span.start);
      rows.push(formatTraceRow(inside > 0 && inside < W ? { ...w, rate: (w.rate * inside) / W } : w));
    });
    // Python's csv module ends rows with CRLF; json.dump(indent=2) writes no final newline.
    const trace = rows.join('\r\n') + '\r\n';
    put(`chunk-${num}-trace.csv`, trace);
    if (client.lengths.length === 0) return;
    const present = new Set<LengthFieldName>();
    for (const w of client.lengths) for (const k of Object.keys(w.fields) as LengthFieldName[]) present.add(k);
    const fieldList = order.filter((k) => present.has(k));
    const doc: Record<string, Record<string, string>> = {};
    for (const w of client.lengths) {
      const out: Record<string, string> = {};
      for (const k of fieldList) {
        const f = w.fields[k];
        if (!f) {
          out[toUpstream[k]!] = '{}';
          continue;
        }
        const { values, probs } = expandBins(f.pmf);
        out[toUpstream[k]!] = formatPmfLiteral(k, values, probs);
      }
      doc[String(w.start)] = out;
    }
    put(`chunk-${num}-dataset.json`, JSON.stringify(doc, null, 2));
  });
  if (renamed) {
    const chunks = profile.clients.map((c, i) => ({ chunk: nums[i], client: c.id })).sort((a, b) => a.chunk - b.chunk);
    put(POOL_CLIENTS_FILE, `{"format": ${JSON.stringify(POOL_CLIENTS_FORMAT)}, "version": 1, "chunks": [\n${chunks.map((c) => `  ${JSON.stringify(c)}`).join(',\n')}\n]}\n`);
  }
}

const POOL_CLIENTS_FORMAT = 'servegen-pool-clients';

function expandBins(pmf: LengthField['pmf']): { values: number[]; probs: number[] } {
  const probs = pmfProbabilities(pmf);
  if (!pmf.bins || pmf.bins.lo.length === 0) return { values: pmf.values, probs };
  const mass = pmfMass(pmf);
  const map = new Map<number, number>();
  pmf.values.forEach((v, i) => map.set(v, (map.get(v) ?? 0) + probs[i]));
  const { lo, hi } = pmf.bins;
  for (let i = 0; i < lo.length; i++) {
    const w = hi[i] - lo[i] + 1;
    const p = mass.kind === 'counts' ? mass.bins[i] / mass.total : mass.bins[i];
    for (let v = lo[i]; v <= hi[i]; v++) map.set(v, (map.get(v) ?? 0) + p / w);
  }
  const values = [...map.keys()].sort((a, b) => a - b);
  return { values, probs: values.map((v) => map.get(v)!) };
}
