import { gunzipSync } from 'node:zlib';
import { decompress } from 'fzstd';
import { isZstdMagic, zstdDamageMessage } from '../io/zstd.js';
import { createHash } from 'node:crypto';
import { wrongKindHint } from '../io/file-kind.js';
import { readErrorReason } from '../io/read-error.js';
import { duplicateKeyProblem, formatJsonPath, parseJsonText } from '../io/json-text.js';
import { checkPmf, PmfError } from '../stats/pmf.js';
import { ProfileError } from './errors.js';
import { clientsBulkValid } from './fast-check.js';
import { PROFILE_FORMAT, PROFILE_VERSION, ProfileSchema, type ArrivalWindow, type Profile } from './schema.js';
import { readWholeFile } from '../io/whole-file.js';
import { upstreamPoolAdvice } from '../io/input.js';
import { parseInstant } from '../util/instant.js';

/**
 * Schema check: the bulky arrays go through the hand-written check, the rest through zod;
 * anything the fast check rejects is re-parsed by zod in full for its message and path.
 */
export function parseProfileSchema(value: unknown): ReturnType<typeof ProfileSchema.safeParse> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.clients) && clientsBulkValid(v.clients)) {
      const shallow = {
        ...v,
        clients: (v.clients as Record<string, unknown>[]).map((c) => ({ ...c, arrivals: [], lengths: [] })),
      };
      const head = ProfileSchema.safeParse(shallow);
      if (head.success) {
        const clients = v.clients as Profile['clients'];
        head.data.clients.forEach((c, i) => {
          c.arrivals = clients[i].arrivals;
          c.lengths = clients[i].lengths;
        });
        return head;
      }
    }
  }
  return ProfileSchema.safeParse(value);
}

/**
 * What a length field's support must satisfy beyond being finite: every field counts tokens
 * or items (non-negative integers) except `reason_ratio` (in [0, 1]); exact values ascend.
 * Returns the problem (`values[i]: …`) or null.
 */
export function fieldValueProblem(name: string, values: readonly number[], binLo?: readonly number[], binHi?: readonly number[]): string | null {
  const ratio = name === 'reason_ratio';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (ratio ? !(v >= 0 && v <= 1) : !(Number.isInteger(v) && v >= 0)) {
      return `values[${i}]: ${name} ${ratio ? 'must be in [0, 1]' : 'must be a non-negative integer'}, got ${v}`;
    }
    if (!ratio && v > MAX_COUNT) return `values[${i}]: ${name} must be at most ${MAX_COUNT}, got ${v}`;
    if (i > 0 && !(v > values[i - 1])) return `values[${i}]: values must ascend (${values[i - 1]} then ${v})`;
  }
  for (let i = 0; i < (binLo?.length ?? 0); i++) {
    if (ratio || binLo![i] < 0) return `bins.lo[${i}]: ${ratio ? 'reason_ratio has no integer bins' : `must be ≥ 0, got ${binLo![i]}`}`;
  }
  for (let i = 0; i < (binHi?.length ?? 0); i++) {
    if (binHi![i] > MAX_COUNT) return `bins.hi[${i}]: ${name} must be at most ${MAX_COUNT}, got ${binHi![i]}`;
  }
  return null;
}

/**
 * The largest count a trace holds (its integer columns are 32-bit, and ingest rejects more as
 * `bad_number`): a hand-edited length of 2^40 stopped a Parquet output with "internal error:
 * parquet expected int32 value" (exit 3), and went into JSON lines that no command reads back
 * (found by the bad-input audit).
 */
const MAX_COUNT = 2147483647;

/** A gap histogram's counts line up with its bins and hold some gaps. */
function checkGapHistogram(e: NonNullable<ArrivalWindow['empirical']>, where: string, file: string): void {
  if (e.counts.length !== e.bins.length) throw new ProfileError(`${file}: ${where}.counts: ${e.counts.length} counts for ${e.bins.length} bins`, file, `${where}.counts`);
  const binned = e.counts.reduce((a, b) => a + b, 0);
  if (!(e.below_count + binned > 0)) throw new ProfileError(`${file}: ${where}: no gaps (below_count and counts are all 0)`, file, where);
  // Zero-tick gaps are drawn at 0 (`below` 0): with no other gap, nothing sets the mean gap.
  if (!(binned > 0 || e.below > 0)) throw new ProfileError(`${file}: ${where}: every gap at 0 (counts are all 0 and below is 0)`, file, where);
}

/**
 * Piecewise-constant segments (a level client's `levels`, the profile's `level_shape`): a value
 * per start, starts ascending from the span's start (generation looks the value up by a
 * window's start: a start out of order or before the span would leave windows at another
 * segment's value, or at none).
 */
function checkSegments(starts: readonly number[], values: readonly number[], where: string, name: string, file: string, spanStart: number): void {
  if (values.length !== starts.length) throw new ProfileError(`${file}: ${where}.${name}: ${values.length} ${name} for ${starts.length} starts`, file, `${where}.${name}`);
  if (!(Math.abs(starts[0] - spanStart) <= 1e-6 * Math.max(1, Math.abs(spanStart)))) throw new ProfileError(`${file}: ${where}.starts[0]: the first segment starts at span.start (${spanStart}), got ${starts[0]}`, file, `${where}.starts[0]`);
  for (let i = 1; i < starts.length; i++) {
    if (!(starts[i] > starts[i - 1])) throw new ProfileError(`${file}: ${where}.starts[${i}]: starts must ascend (${starts[i - 1]} then ${starts[i]})`, file, `${where}.starts[${i}]`);
  }
}

/**
 * Why a JSON object with no profile `format` is not a profile, naming the settings files a
 * user may pass by mistake. It said `format is undefined` for a pipeline spec or thresholds,
 * and `format is "csv"` for a mapping file (its input format; found by a new user's walkthrough).
 */
function notAProfile(v: Record<string, unknown>): string {
  const what = Array.isArray(v)
    ? 'a JSON array'
    : 'columns' in v
      ? 'a mapping file (for --map)'
      : 'stages' in v
        ? 'a pipeline spec (for servegen run)'
        : 'overrides' in v || ('aggregate' in v && 'client' in v)
          ? 'a thresholds file (for validate --thresholds)'
          : undefined;
  if (what) return `${what}, not a servegen profile (servegen fit or import-servegen writes one)`;
  return `not a servegen profile (${v.format === undefined ? 'no "format" key' : `format is ${JSON.stringify(v.format)}`}, expected "${PROFILE_FORMAT}")`;
}

/**
 * Arrival windows start a whole number of `windows.arrival_seconds` from the profile's first
 * listed window (fit's, an import's, and a hand-written profile's windows all lie on one grid).
 * `generate` cuts its slots on that grid (windowGrid), so a window off it was drawn as the grid's
 * window it starts in, and windows closer than `arrival_seconds` overlapped: a hand edit of a
 * window's start to 1 300 s changed nothing, and `arrival_seconds` raised from 600 to 900 s drew
 * 3 % more requests, both without a word (found by a receiver's review, h-104).
 * @throws ProfileError naming the window
 */
function checkArrivalGrid(profile: Profile, windows: readonly { start: number }[], ci: number, file: string): void {
  const W = profile.windows.arrival_seconds;
  const ref = profile.clients.find((c) => c.arrivals.length > 0)?.arrivals[0].start;
  if (ref === undefined) return;
  for (let i = 0; i < windows.length; i++) {
    const k = (windows[i].start - ref) / W;
    if (Math.abs(k - Math.round(k)) <= 1e-6) continue;
    const where = `clients[${ci}].arrivals[${i}].start`;
    const prev = i > 0 ? `; the window before starts at ${windows[i - 1].start}` : '';
    throw new ProfileError(
      `${file}: ${where}: ${windows[i].start} is not a whole number of arrival windows (windows.arrival_seconds ${W} s) from the first window's start, ${ref}${prev}: generate draws the windows on that grid, one every ${W} s (if arrival_seconds was edited, the windows' starts must be too)`,
      file,
      where,
    );
  }
}

/**
 * Validates a parsed JSON value as a v1 profile. Beyond the schema it checks what a
 * schema cannot: windows ascend, PMF arrays line up, probabilities have mass.
 * @throws ProfileError naming the JSON path of the first problem.
 */
export function validateProfile(value: unknown, file = '<profile>'): Profile {
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (v.format !== PROFILE_FORMAT) throw new ProfileError(`${file}: ${notAProfile(v)}`, file, 'format');
    if (typeof v.version === 'number' && v.version > PROFILE_VERSION) {
      throw new ProfileError(`${file}: profile version ${v.version} is newer than this tool supports (${PROFILE_VERSION}); upgrade servegen-ts`, file, 'version');
    }
    if (v.version === undefined) {
      // A hand-edited profile that lost its key said "profile version undefined" (h-104).
      throw new ProfileError(`${file}: version: missing; a profile of this tool has "version": ${PROFILE_VERSION} beside "format"`, file, 'version');
    }
    if (v.version === String(PROFILE_VERSION)) {
      throw new ProfileError(`${file}: version: profile version ${JSON.stringify(v.version)} is not one this tool reads (it reads version ${PROFILE_VERSION}): it is text; write the number ${PROFILE_VERSION}, without quotes`, file, 'version');
    }
    if (v.version !== PROFILE_VERSION) {
      // Found by review: version 0 or "1" got the schema's "version: Invalid input: expected 1".
      throw new ProfileError(`${file}: version: profile version ${JSON.stringify(v.version)} is not one this tool reads (it reads version ${PROFILE_VERSION}); refit or re-import the profile`, file, 'version');
    }
  }
  const parsed = parseProfileSchema(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = formatJsonPath(issue.path);
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : '';
    throw new ProfileError(`${file}: ${where}: ${issue.message}${more}`, file, where);
  }
  const profile = parsed.data;
  // An origin no date parser reads ("yesterday", a hand edit) was taken for none: generated
  // traces lost the calendar without a word (found by the bad-input audit).
  const origin = profile.span.origin;
  if (origin !== null && parseInstant(origin) === undefined) {
    throw new ProfileError(`${file}: span.origin: expected an ISO time such as "2023-11-16T18:17:03.000Z", or null for no calendar; got ${JSON.stringify(origin)}`, file, 'span.origin');
  }
  const { start: spanStart, end: spanEnd } = profile.span;
  const slack = 1e-6 * Math.max(1, Math.abs(spanStart), Math.abs(spanEnd));
  profile.clients.forEach((client, ci) => {
    for (const [key, windows] of [['arrivals', client.arrivals], ['lengths', client.lengths]] as const) {
      // A window wholly outside the span (a hand edit, another tool's profile) is never drawn, and
      // its requests were silently not generated (an audit leftover). A first window that starts
      // before span.start and reaches into it is fit's own (windows on a grid from an origin
      // after the first request: `summarize --origin`).
      const seconds = key === 'arrivals' ? profile.windows.arrival_seconds : profile.windows.length_seconds;
      const first = windows[0]?.start;
      if (first !== undefined && first + seconds <= spanStart - slack) {
        throw new ProfileError(`${file}: clients[${ci}].${key}[0].start: ${first} is a window of ${seconds} s that ends before span.start (${spanStart}), so it is never drawn`, file, `clients[${ci}].${key}[0].start`);
      }
      const last = windows.at(-1)?.start;
      if (last !== undefined && last > spanEnd + slack) {
        throw new ProfileError(`${file}: clients[${ci}].${key}[${windows.length - 1}].start: ${last} is after span.end (${spanEnd}), so the window is never drawn`, file, `clients[${ci}].${key}[${windows.length - 1}].start`);
      }
      for (let i = 1; i < windows.length; i++) {
        if (!(windows[i].start > windows[i - 1].start)) {
          const where = `clients[${ci}].${key}[${i}].start`;
          throw new ProfileError(`${file}: ${where}: windows must have ascending start times (${windows[i - 1].start} then ${windows[i].start})`, file, where);
        }
      }
    }
    checkArrivalGrid(profile, client.arrivals, ci, file);
    // Gap histograms (the client's pooled one, windows' own): a count per bin and some gaps,
    // else generate draws NaN gaps and the client silently generates nothing.
    if (client.empirical) checkGapHistogram(client.empirical, `clients[${ci}].empirical`, file);
    client.arrivals.forEach((w, wi) => {
      if (w.empirical) checkGapHistogram(w.empirical, `clients[${ci}].arrivals[${wi}].empirical`, file);
    });
    if (client.levels) checkSegments(client.levels.starts, client.levels.rates, `clients[${ci}].levels`, 'rates', file, profile.span.start);
    // A daily cycle's start far from the span (a hand edit of 1e300): its bins' boundaries were
    // counted out from it one by one and inspect crashed the process, out of memory, where no
    // double can tell one bin from the next (found by the bad-input audit). 2^32 bins is ~490 000
    // years of hours: any start a cycle is fitted or moved to.
    const daily = client.levels?.daily;
    if (daily && !(Math.abs(daily.start - profile.span.start) <= 2 ** 32 * daily.bin_seconds)) {
      const where = `clients[${ci}].levels.daily.start`;
      throw new ProfileError(`${file}: ${where}: ${daily.start} is more than 2^32 bins of ${daily.bin_seconds} s from span.start (${profile.span.start}); give the start of a bin near the span`, file, where);
    }
    if (client.batches) {
      // Requests per instant: whole numbers from 1, ascending (a size of 0 or 2.5 would make
      // generation emit nothing or a fraction of a request at an instant).
      const where = `clients[${ci}].batches.sizes`;
      try {
        const pmf = client.batches.sizes;
        checkPmf(pmf, where);
        const v = pmf.values;
        for (let i = 0; i < v.length; i++) {
          if (!(Number.isInteger(v[i]) && v[i] >= 1)) throw new PmfError(`${where}.values[${i}]: a batch size must be a whole number ≥ 1, got ${v[i]}`, `${where}.values[${i}]`);
          // More requests at one instant than the client sends over the span: a hand edit (a
          // size of 1e12 had generate fill memory one row at a time).
          if (v[i] > Math.max(1, client.requests)) throw new PmfError(`${where}.values[${i}]: a batch size of ${v[i]} is more than the client's ${client.requests} requests`, `${where}.values[${i}]`);
          if (i > 0 && !(v[i] > v[i - 1])) throw new PmfError(`${where}.values[${i}]: values must ascend (${v[i - 1]} then ${v[i]})`, `${where}.values[${i}]`);
        }
        pmf.bins?.lo.forEach((lo, i) => {
          if (!(lo >= 1)) throw new PmfError(`${where}.bins.lo[${i}]: a batch size must be ≥ 1, got ${lo}`, `${where}.bins.lo[${i}]`);
          const hi = pmf.bins!.hi[i];
          if (hi > Math.max(1, client.requests)) throw new PmfError(`${where}.bins.hi[${i}]: a batch size of ${hi} is more than the client's ${client.requests} requests`, `${where}.bins.hi[${i}]`);
        });
        // A cluster client has both its threshold and the gaps inside its clusters: generate
        // draws clusters by `within` alone, inspect and reports name them by `below` (one
        // without the other was drawn as one kind and reported as the other; found by review).
        const below = client.batches.below;
        const within = client.batches.within;
        if ((below === undefined) !== (within === undefined)) {
          const [has, lacks] = below === undefined ? ['within', 'below'] : ['below', 'within'];
          throw new PmfError(`clients[${ci}].batches.${lacks}: a cluster client's batches have both 'below' and 'within' (this one has '${has}' only)`, `clients[${ci}].batches.${lacks}`);
        }
        // Gaps inside clusters: seconds from 0, ascending, as atoms (a negative gap would put a
        // client's requests out of time order).
        if (within) {
          const at = `clients[${ci}].batches.within`;
          checkPmf(within, at);
          within.values.forEach((g, i) => {
            if (!(g >= 0)) throw new PmfError(`${at}.values[${i}]: a gap within a cluster must be ≥ 0 s, got ${g}`, `${at}.values[${i}]`);
            if (i > 0 && !(g > within.values[i - 1])) throw new PmfError(`${at}.values[${i}]: values must ascend (${within.values[i - 1]} then ${g})`, `${at}.values[${i}]`);
          });
          if (within.bins) throw new PmfError(`${at}.bins: gaps within a cluster are atoms (values and counts), not integer ranges`, `${at}.bins`);
        }
      } catch (err) {
        if (err instanceof PmfError) throw new ProfileError(`${file}: ${err.message}`, file, err.path);
        throw err;
      }
    }
    client.lengths.forEach((w, wi) => {
      for (const [name, field] of Object.entries(w.fields)) {
        if (!field) continue;
        const where = `clients[${ci}].lengths[${wi}].fields.${name}.pmf`;
        try {
          checkPmf(field.pmf, where);
          const bad = fieldValueProblem(name, field.pmf.values, field.pmf.bins?.lo, field.pmf.bins?.hi);
          if (bad) throw new PmfError(`${where}.${bad}`, `${where}.${bad.split(':')[0]}`);
        } catch (err) {
          if (err instanceof PmfError) throw new ProfileError(`${file}: ${err.message}`, file, err.path);
          throw err;
        }
      }
    });
  });
  if (profile.level_shape) checkSegments(profile.level_shape.starts, profile.level_shape.factors, 'level_shape', 'factors', file, profile.span.start);
  const ids = new Set<string>();
  profile.clients.forEach((c, ci) => {
    if (ids.has(c.id)) throw new ProfileError(`${file}: clients[${ci}].id: duplicate client id ${JSON.stringify(c.id)}`, file, `clients[${ci}].id`);
    ids.add(c.id);
  });
  return profile;
}

/** Reads, parses and validates a profile file. Also returns the SHA-256 of its bytes. */
export function readProfile(file: string, options: { wholeTextLimit?: number } = {}): { profile: Profile; sha256: string } {
  // A trace or summaries passed where a profile goes: say so before reading it whole (a large
  // trace is no JSON text), not "invalid JSON (Unexpected token 'P', "PAR1…")" (found by review).
  const hint = wrongKindHint(file, 'profile');
  if (hint) throw new ProfileError(hint, file);
  let bytes: Buffer;
  try {
    bytes = readWholeFile(file);
  } catch (err) {
    const pool = (err as NodeJS.ErrnoException).code === 'EISDIR' ? upstreamPoolAdvice(file) : undefined;
    throw new ProfileError(pool ?? `${file}: cannot read profile (${readErrorReason(err)})`, file);
  }
  // A gzipped profile (profile.json.gz, as `fit --out x.json.gz` writes it, or gzip run on one).
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new ProfileError(`${file}: damaged gzip (${(err as Error).message})`, file);
    }
  } else if (isZstdMagic(bytes)) {
    // zstd run on one (profile.json.zst).
    try {
      bytes = Buffer.from(decompress(bytes));
    } catch (err) {
      throw new ProfileError(zstdDamageMessage(file, (err as Error).message).replace('; none of the file was ingested', ''), file);
    }
  }
  // Of the text: a profile gzipped or not is the same profile (generated traces record it).
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let value: unknown;
  try {
    // Longer than V8's longest string (~512 MB: 60 days × 2 000 clients): client by client.
    value = bytes.length > (options.wholeTextLimit ?? WHOLE_TEXT_LIMIT) ? parseByClient(bytes, file) : parseJsonText(bytes.toString('utf8'), file);
  } catch (err) {
    throw new ProfileError((err as Error).message, file);
  }
  // A key twice in one object (a hand edit pasting a window's "rate" under the old one): JSON
  // keeps the last without a word, so the profile generated from a value its editor may not have
  // meant (found by the bad-input audit). Checked up to a size a person edits: the scan costs
  // ~40 ms a MB, and the profiles of long logs (hundreds of MB) are only ever written by fit.
  if (bytes.length <= DUPLICATE_KEY_CHECK_LIMIT) {
    const dup = duplicateKeyProblem(bytes.toString('utf8'), file);
    if (dup) throw new ProfileError(dup, file);
  }
  const profile = validateProfile(value, file);
  return { profile, sha256 };
}

/** The largest profile checked for duplicate keys (16 MB: 30 days of 100 clients). */
const DUPLICATE_KEY_CHECK_LIMIT = 16 * 2 ** 20;

/** The longest file read as one string (V8 strings hold at most 2^29 − 24 characters). */
const WHOLE_TEXT_LIMIT = 2 ** 29 - 24;

/**
 * Parses a profile in the layout writeProfile gives it — the head on one line, then `"clients": [`,
 * each client's own fields on one line with its windows one per line after — a client at a time,
 * so no string holds the whole file. Any other layout (a profile reformatted by another tool)
 * cannot be read at this size: the error says so.
 */
function parseByClient(bytes: Buffer, file: string): unknown {
  const layout = (what: string) =>
    new SyntaxError(`${file}: ${(bytes.length / 2 ** 20).toFixed(0)} MB is more than one JSON text can hold here, and the file is not in the layout servegen fit writes (${what}), which is read a client at a time: write it with servegen (fit, import-servegen), or split its clients into several profiles`);
  const open = Buffer.from('\n "clients": [\n');
  const at = bytes.indexOf(open);
  if (at < 0) throw layout('no "clients" line after a one-line head');
  let head: Record<string, unknown>;
  try {
    head = JSON.parse(`${bytes.toString('utf8', 0, at)} "clients": []}`) as Record<string, unknown>;
  } catch {
    throw layout('the head before "clients" is not one JSON object');
  }
  const clients: unknown[] = [];
  const end = Buffer.from('\n ]}\n');
  if (bytes.indexOf(end, bytes.length - end.length) < 0) throw layout('it does not end with " ]}"');
  const sep = Buffer.from('\n   ]},\n');
  let from = at + open.length;
  const last = bytes.length - end.length;
  while (from < last) {
    let to = bytes.indexOf(sep, from);
    if (to < 0 || to > last) to = last;
    const text = bytes.toString('utf8', from, to) + (to === last ? '' : '\n   ]}');
    try {
      clients.push(JSON.parse(text));
    } catch (err) {
      throw layout(`clients[${clients.length}] is not one JSON object (${(err as Error).message})`);
    }
    from = to === last ? last : to + sep.length;
  }
  head.clients = clients;
  return head;
}
