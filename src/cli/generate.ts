import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readProfile } from '../profile/read.js';
import { generateToFile } from '../generate/write-trace.js';
import { meanRateOver, parseRateSpec } from '../generate/rate-function.js';
import type { GenerateOptions } from '../generate/compose.js';
import { repeatPlan, repeatShiftNote, shortSpanNote } from '../generate/compose.js';
import { startNote } from '../generate/start-note.js';
import { GENERATE_DEFAULTS } from '../generate/defaults.js';
import { GENERATE_FLAGS, GenerateError } from '../generate/errors.js';
import { sessionModelOf } from '../generate/session-sampler.js';
import type { Profile } from '../profile/schema.js';
import { formatExtension, formatFromPath, TRACE_FORMATS, type TraceFormat } from '../io/trace-writer.js';
import { humanCount, Reporter } from './progress.js';
import { checkSeed, flagNumber, positive, refuseClobber, secondsHint, UsageError } from './errors.js';
import { readErrorReason } from '../io/read-error.js';
import { azureRangeProblem } from '../io/to-azure.js';
import { parseIsoSeconds } from '../ingest/timestamp.js';
import { itemTokensWithoutCountNote } from './media-note.js';
import { staleRequestsNote } from '../profile/request-totals.js';
import { DEFAULT_BLOCK_TOKENS } from '../ingest/normalize.js';

interface Opts {
  duration: string;
  out: string;
  start: string;
  rate: string;
  seed: string;
  format?: string;
  clients?: string;
  shape: string;
  naive?: boolean;
  sessions: boolean;
  gapMemory: boolean;
  prefix: boolean;
  exactRepeats?: boolean;
  maxRequests: string;
  quiet?: boolean;
}

/** Default --max-requests: far above any benchmark run (24 h at 100 req/s is 8.6 M), far below what fills a disk by mistake. */
export const DEFAULT_MAX_REQUESTS = GENERATE_DEFAULTS.maxRequests;
/** Runs expected to be larger than this get an up-front note (the output will be gigabytes). */
const LARGE_RUN = 2e7;

/**
 * The note for a run expected to produce more than LARGE_RUN requests. Sizes per request were
 * measured for jsonl only; other formats (Parquet, CSV, replay formats) are not quoted them
 * (found by a new user's walkthrough: a Parquet run was told jsonl's 55 bytes per request).
 */
export function largeOutputNote(expected: number, format: TraceFormat | undefined, maxRequests: string): string {
  const sizes = format === 'jsonl' ? ' (jsonl takes ~55 bytes per request for text-only clients, ~180 with image fields, more with sessions)' : '';
  return `note: expecting about ${humanCount(expected)} requests, a large output${sizes}; --max-requests ${maxRequests} is the limit`;
}

function num(text: string, flag: string, min = -Infinity): number {
  const v = flagNumber(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < min) throw new UsageError(`${flag}: expected a number${min > -Infinity ? ` ≥ ${min}` : ''}, got ${JSON.stringify(text)}${secondsHint(text)}`);
  return v;
}

/**
 * --start given as a date-time (`2023-11-16T18:30:00Z`, as `summarize --origin` takes one) said
 * only "expected a number" (found by a new user's walkthrough): the error gives the seconds from
 * the profile's origin, or says the profile has none. Undefined when the text is no date-time.
 */
function dateTimeStart(text: string, file: string): undefined {
  if (!/^\s*\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const at = parseIsoSeconds(text);
  if (!Number.isFinite(at)) return undefined;
  const profile = readProfile(file).profile;
  const origin = profile.span.origin;
  const from = origin === null ? NaN : Date.parse(origin) / 1000;
  if (!Number.isFinite(from)) throw new UsageError(`--start: seconds from the profile's start, not a date-time: ${file} has no absolute origin (${noOriginWhy(profile)})`);
  throw new UsageError(`--start: seconds from the profile's origin (${origin}), not a date-time: --start ${Number((at - from).toPrecision(15))} for ${text.trim()}`);
}

/**
 * Why a profile has no origin, for the --start date-time error. It said "its log's times were
 * relative" of every such profile (found by a receiver's review, h-104): an anonymized profile's
 * log had dates, removed by `--anonymize` (and its kept weekday and hour went unsaid), and an
 * upstream pool has none.
 */
function noOriginWhy(profile: Profile): string {
  const anonymized = (profile.provenance.options as { anonymized?: { calendar?: { weekday?: unknown; hour?: unknown } | null } }).anonymized;
  if (anonymized) {
    const cal = anonymized.calendar;
    const kept = cal && typeof cal.weekday === 'string' && typeof cal.hour === 'number' ? `; t = 0 fell on a ${cal.weekday} between ${String(cal.hour).padStart(2, '0')}:00 and ${String((cal.hour + 1) % 24).padStart(2, '0')}:00 UTC (kept by --keep-calendar)` : '';
    return `it was anonymized: its times count from its first request's whole second, without a date${kept}`;
  }
  if (profile.provenance.source?.kind === 'servegen-pool') return "an upstream ServeGen pool's times count from 0, without a date";
  return "its log's times were relative";
}

/**
 * "35 clients", or "12 of 35 clients" when some drew no request (found by review: a short run of
 * a sparse pool said it drew from every client of the profile).
 */
function clientsText(drawn: number, clients: number): string {
  return `${drawn === clients ? '' : `${drawn} of `}${clients} client${clients === 1 ? '' : 's'}`;
}

/** A rate for the summary line: under 1 req/s in 3 significant digits (a sparse run said "0.00 req/s"; found by a new user's walkthrough). */
function rateText(r: number): string {
  return r > 0 && r < 1 ? r.toPrecision(3) : r.toFixed(2);
}

/** A count flag: a whole number ≥ 0 (`--max-requests 1.5` was taken as a limit of 1.5 requests; found by review). */
function wholeNumber(text: string, flag: string): number {
  const v = num(text, flag, 0);
  if (!Number.isInteger(v)) throw new UsageError(`${flag}: expected a whole number ≥ 0, got ${JSON.stringify(text)}`);
  return v;
}

/**
 * Parses --clients: `top:K`, a comma-separated id list, or `@FILE` (one id per line: ids may
 * hold commas; spaces around a line are dropped, as ingest drops them around client ids, so
 * `a ` names the client `a` — it was refused as `no client "a "`).
 */
export function parseClientFilter(text: string | undefined): GenerateOptions['clients'] {
  if (text === undefined) return undefined;
  const m = /^top:(\d+)$/.exec(text);
  if (m) return { top: Number(m[1]) };
  // Found by review: `top:3,5` was read as an id list and refused as `no client "top:3"`.
  if (/^top:/i.test(text)) throw new UsageError(`--clients ${text}: top:K takes one whole number of clients (top:5); a list is id1,id2,…`);
  if (text.startsWith('@')) {
    const file = text.slice(1);
    let body: string;
    try {
      body = readFileSync(file, 'utf8');
    } catch (err) {
      // It said only "cannot read ids.txt" (found by a new user's walkthrough): say why.
      throw new UsageError(`--clients ${text}: cannot read ${file} (${readErrorReason(err)})`);
    }
    const ids = body.split('\n').map((s) => s.trim()).filter((s) => s !== '');
    if (ids.length === 0) throw new UsageError(`--clients ${text}: ${file} lists no client ids`);
    return { ids };
  }
  const ids = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0) throw new UsageError('--clients: expected top:K or a comma-separated list of client ids');
  return { ids };
}

/**
 * A log whose requests share one timestamp fits a profile of an empty span (fit warns); generate
 * said "profile span is empty (span.end ≤ span.start)", naming no file, and roundtrip the same
 * after fitting (found by a new user's walkthrough). @throws UsageError naming the profile.
 */
export function checkProfileSpan(profile: Pick<Profile, 'span' | 'clients'>, file: string): void {
  // A profile with nothing to draw: the library's "no clients to generate from" named neither
  // the file nor the key (found by the bad-input audit: `"clients": []`, every `arrivals` empty).
  if (profile.clients.length === 0) throw new UsageError(`${file}: clients: the profile has no clients, so there is nothing to generate`);
  if (profile.clients.every((c) => c.arrivals.length === 0)) throw new UsageError(`${file}: clients[].arrivals: no client has arrival windows, so the profile describes no requests to generate`);
  if (profile.span.end > profile.span.start) return;
  throw new UsageError(`${file}: span: the profile's span is empty (${profile.span.start} … ${profile.span.end} s: its log's requests share one timestamp), so it has no rate over time to generate from; fit a log that spans some time`);
}

/**
 * A client's session statistics that generation cannot draw from, named by file and path (they
 * were named by client id alone: `client "x": session statistics: …`; found by the bad-input
 * audit). Checked here, not on reading, so that `--no-sessions` still generates such a profile.
 */
export function checkSessions(profile: Pick<Profile, 'clients'>, file: string): void {
  profile.clients.forEach((c, i) => {
    try {
      sessionModelOf(c.sessions);
    } catch (e) {
      if (e instanceof GenerateError) throw new UsageError(`${file}: clients[${i}].sessions (client ${JSON.stringify(c.id)}): ${e.cliMessage.replace(/^session statistics: /, '')} (fix the profile, or generate with --no-sessions)`);
      throw e;
    }
  });
}

/**
 * Flags that users reach for to set the rate, which `--rate` takes as a spec: `--scale 2` got
 * commander's "(Did you mean --shape?)", the IAT shape's source (found by a new user's review).
 */
const RATE_FLAGS: Record<string, string> = {
  '--scale': 'scale:K (every client × K)',
  '--peak': 'peak:R (the busiest window at R req/s)',
  '--constant': 'constant:R (R req/s in all)',
  '--qps': 'constant:R (R req/s in all)',
  '--rps': 'constant:R (R req/s in all)',
  '--request-rate': 'constant:R (R req/s in all)',
};

/**
 * For a rate flag (`--scale`, `--scale=2`; `value` the argument after it), "the rate is set by
 * --rate scale:K (…) (here: --rate scale:2)"; undefined for other flags.
 */
export function rateFlagHint(flag: string, value: string | undefined): string | undefined {
  const spec = RATE_FLAGS[flag.split('=')[0]];
  if (spec === undefined) return undefined;
  const given = flag.includes('=') ? flag.slice(flag.indexOf('=') + 1) : value;
  const example = given !== undefined && /^\s*[0-9.]+\s*$/.test(given) ? ` (here: --rate ${spec.slice(0, spec.indexOf(':') + 1)}${given.trim()})` : '';
  return `the rate is set by --rate ${spec}${example}`;
}

export function registerGenerate(program: Command): void {
  const command = program
    .command('generate')
    .description('Generate a request trace from a profile at any rate and duration')
    .argument('<profile.json>', 'profile (from fit or import-servegen)')
    .requiredOption('--duration <seconds>', 'length of the generated span in seconds')
    .requiredOption('--out <file>', 'output file (.jsonl, .csv, .parquet, .arrow; or any name with --format)')
    .option('--start <seconds>', 'start of the span, seconds from the profile origin (the profile repeats with the period of its span, rounded up to whole windows and, for a span of a day or more, to whole days; a negative start or one past the span is taken modulo it)', String(GENERATE_DEFAULTS.start))
    .option('--rate <spec>', 'constant:R (aggregate req/s, clients keep their shares) | scale:K (every client × K) | peak:R (busiest window at R) | FILE of (time, rate) points: JSON [[t, r], …] or CSV time,rate, piecewise-linear, t in seconds from --start', GENERATE_DEFAULTS.rate)
    .option('--seed <n>', 'random seed (integer or string); same seed → identical output', String(GENERATE_DEFAULTS.seed))
    .option('--format <fmt>', `output format: ${TRACE_FORMATS.join('|')} (default: from the file extension)`)
    .option('--clients <filter>', 'only these clients: top:K by volume, id1,id2,…, or @ids.txt (one id per line; spaces around it dropped)')
    .option('--shape <source>', 'IAT shape per window: cv (match the window CV) | params (fitted shape as stored)', GENERATE_DEFAULTS.shapeSource)
    .option('--naive', "the paper's naive baseline: one aggregate Poisson process, lengths from the pooled distribution")
    .option('--no-sessions', "no session labels: by default clients whose profile has session statistics get session_id and turn columns (times are the same either way; so are the lengths of clients without input_rank_by_turn: with it a turn's input follows its turn's rank, the client's length distributions kept, not its draws)")
    .option('--no-gap-memory', "independent gaps within each window (a renewal process, as upstream ServeGen draws them): by default clients whose profile has gap_memory draw serially dependent gaps (same gap distributions, bursts kept)")
    .option('--no-prefix', "no hash_ids: by default clients whose profile has a prefix section (fitted from a trace with hash_ids) give each request its prompt's block ids, which --format mooncake, jsonl, csv, parquet and arrow write (times and lengths are the same either way)")
    .option('--exact-repeats', "let a request drawn to share all its prompt blocks with an earlier one take that prompt's length (its input moves by under one block) so it hits a prefix cache whole, as a prompt asked again does: the log's whole-prompt hits come back, but input lengths then depend on the hash_ids and are no longer the same with --no-prefix (README, Prompt-prefix reuse)")
    .option('--max-requests <n>', 'refuse (exit 2) a run expected to produce more requests than this (rate × duration)', String(DEFAULT_MAX_REQUESTS))
    .option('--quiet', 'no progress or summary on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ servegen generate pool.json --start 64800 --duration 3600 --rate constant:100 --seed 1 --out requests.jsonl
  $ servegen generate profile.json --duration 86400 --rate scale:2 --clients top:10 --out day.parquet
  $ servegen generate profile.json --duration 3600 --rate ramp.csv --format mooncake --out replay.jsonl   # replayed by AIPerf (mooncake_trace)
  $ servegen generate profile.json --duration 3600 --format vidur --out vidur-trace.csv   # Vidur's trace replay
  $ servegen generate profile.json --duration 3600 --format azure --out AzureLLMInferenceTrace_gen.csv   # Azure's layout
  $ servegen generate profile.json --duration 3600 --format splitwise --out splitwise-trace.csv   # Splitwise's simulator trace
  $ servegen generate profile.json --duration 3600 --naive --out naive.jsonl   # the naive baseline

Past the profile's span the profile repeats (a span of a day or more in whole days, in step with
the clock; a note says so when it pads the span, and when a span under a day repeats within the
run). Timestamps are seconds from --start.`,
    )
    .action(async (file: string, opts: Opts) => {
      const rep = new Reporter(Boolean(opts.quiet));
      // A name the output cannot have, before its format (found by the generation audit, h-85:
      // `--out g.jsonl.gz` and `--out -` were told only "cannot tell the format", not why).
      // `--format jsonl --out g.jsonl.gz` wrote plain JSON lines under a gzip name, which zcat
      // and gzip-aware readers then refused (found by review): generate writes no gzip.
      if (/\.gz$/i.test(opts.out)) throw new UsageError(`--out ${JSON.stringify(opts.out)}: generate does not compress its output; name it without .gz (and gzip it afterwards), or write --format parquet (compressed)`);
      refuseClobber([['the profile', file]], [['--out', opts.out]]);
      const format = (opts.format ?? formatFromPath(opts.out)) as TraceFormat | undefined;
      if (!format || !TRACE_FORMATS.includes(format)) {
        // (`--out /dev/stdout`, the README's own pipe, said only "cannot tell the format": its
        // name has no extension to tell it by.)
        throw new UsageError(opts.format ? `--format: unknown format ${JSON.stringify(opts.format)}; use one of ${TRACE_FORMATS.join(', ')}` : `--out ${JSON.stringify(opts.out)}: cannot tell the format from its name; give --format (${TRACE_FORMATS.join(', ')})${opts.out.startsWith('/dev/') ? '' : ', or name it .jsonl, .csv, .parquet or .arrow'}`);
      }
      // `--format csv --out y.jsonl` wrote CSV under a .jsonl name, which every reader then took
      // for JSON lines ("no servegen header"; found by review). Mooncake replays are JSON lines,
      // Vidur's are CSV.
      const named = formatFromPath(opts.out);
      const ext = formatExtension(format);
      if (opts.format && named && named !== format && named !== ext) {
        throw new UsageError(`--format ${format}: --out ${JSON.stringify(opts.out)} is named as ${named}, and every reader would take it for ${named}; name it ${JSON.stringify(opts.out.replace(/\.[^./\\]+$/, `.${ext}`))}, or drop --format`);
      }
      if (opts.shape !== 'cv' && opts.shape !== 'params') throw new UsageError(`--shape: expected cv or params, got ${JSON.stringify(opts.shape)}`);
      // The naive baseline draws Poisson arrivals: no window shape to take (found by review: the
      // header recorded shape_source params for a run that ignored it).
      if (opts.naive && opts.shape === 'params') throw new UsageError('--shape params: --naive draws Poisson arrivals and takes no window shape; drop --shape');
      // Exact repeats move lengths to match hash_ids: with none there is nothing to match.
      if (opts.exactRepeats && (opts.naive || opts.prefix === false)) throw new UsageError(`--exact-repeats: ${opts.naive ? '--naive gives no hash_ids' : '--no-prefix gives no hash_ids'}, so no request repeats a prompt's blocks; drop one of them`);
      // One message for every bad value (found by review: "-5" was told "≥ 0", then "0" "> 0").
      const duration = positive(opts.duration, '--duration');
      const options: GenerateOptions = {
        start: dateTimeStart(opts.start, file) ?? num(opts.start, '--start'),
        duration,
        rate: parseRateSpec(opts.rate),
        seed: /^-?\d+$/.test(checkSeed(opts.seed, '--seed', (l) => rep.info(l))) ? BigInt(opts.seed) : opts.seed,
        clients: parseClientFilter(opts.clients),
        shapeSource: opts.shape,
        sessions: opts.sessions,
        gapMemory: opts.gapMemory,
        prefix: opts.prefix,
        ...(opts.exactRepeats ? { exactRepeats: true } : {}),
        maxRequests: wholeNumber(opts.maxRequests, '--max-requests'),
      };
      const { profile, sha256 } = readProfile(file);
      checkProfileSpan(profile, file);
      if (opts.sessions !== false) checkSessions(profile, file);
      // The trace's origin is the profile's + --start: past the dates JavaScript has (±273 790
      // years), --start 1e15 was an internal error, 'Invalid time value', exit 3.
      const origin = profile.span.origin;
      if (origin !== null && Number.isFinite(Date.parse(origin)) && Number.isNaN(new Date(Date.parse(origin) + options.start * 1000).getTime())) {
        throw new UsageError(`--start ${opts.start}: the profile's origin ${origin} + --start is past the dates a trace can have (±273 790 years from 1970)`);
      }
      const azure = format === 'azure' ? azureRangeProblem(origin, options.start, duration) : undefined;
      if (azure) throw new UsageError(`--format azure: ${azure}; pick another --start`);
      // Found by review: top:100 of a 2-client profile said nothing.
      const top = options.clients && 'top' in options.clients ? options.clients.top : undefined;
      if (top !== undefined && top > profile.clients.length) rep.info(`note: --clients top:${top}: the profile has ${profile.clients.length} client(s); all of them are generated`);
      const shift = repeatShiftNote(profile, options.start, duration) ?? shortSpanNote(profile, duration);
      if (shift) rep.info(shift);
      const before = startNote(profile, options.start, GENERATE_FLAGS);
      if (before) rep.info(before);
      const perItem = itemTokensWithoutCountNote(profile);
      if (perItem) rep.info(perItem);
      const stale = staleRequestsNote(profile);
      if (stale) rep.info(stale);
      const summary = await generateToFile(profile, sha256, options, { path: opts.out, format }, (rows, reached) =>
        rep.progress(`generate: ${humanCount(rows)} requests, ${((100 * reached) / duration).toFixed(0)} % of span`),
        Boolean(opts.naive),
        (plan) => {
          // A span where every chosen client's rate is 0 (found by review: a sample pool at
          // --start 36000 wrote an empty file with only the summary line to tell).
          if (plan.expectedRequests === 0) {
            // At a rate of 0 the --start advice was beside the point (found by review: scale:0).
            const zero = ((options.rate.kind === 'constant' || options.rate.kind === 'peak') && options.rate.rate === 0) || (options.rate.kind === 'scale' && options.rate.factor === 0);
            // A rate file at 0 over the whole run was told to "pick another --start", as if the
            // profile were idle there (found by the generation audit, h-85).
            const zeroFile = options.rate.kind === 'points' && meanRateOver(options.rate, 0, duration) === 0;
            // The period the profile repeats with (repeatPlan: whole windows, whole days from a day;
            // it said the span: 41563 s for 42000).
            const period = repeatPlan(profile).windows * profile.windows.arrival_seconds;
            rep.info(zero
              ? `warning: --rate ${opts.rate} gives every client a rate of 0: the output will have no requests`
              : zeroFile
              ? `warning: --rate ${opts.rate}: its rate is 0 over the whole run (0 … ${duration} s from --start): the output will have no requests`
              : `warning: no chosen client has a positive rate in [${options.start}, ${options.start + duration}) s of the profile's time (it repeats every ${period} s): the output will have no requests; pick another --start`);
          }
          if (plan.expectedRequests > LARGE_RUN) {
            rep.info(largeOutputNote(plan.expectedRequests, format, opts.maxRequests));
          }
        },
      );
      if (summary.clientsLeftOut.length > 0) {
        const ids = summary.clientsLeftOut;
        rep.info(`note: left out ${ids.length} client(s) without length data, as upstream ServeGen's generator does (their requests would carry no lengths; --clients ${ids.length <= 5 ? ids.join(',') : '<their ids>'} generates them alone): ${ids.join(', ')}`);
      }
      if (summary.clientsWithoutLengths.length > 0) {
        rep.info(`note: ${summary.clientsWithoutLengths.length} client(s) have no length data; their requests carry no lengths: ${summary.clientsWithoutLengths.join(', ')}`);
      }
      if (summary.sessionClients > 0) {
        rep.info(`sessions: ${summary.sessionClients} client(s) labelled with session_id and turn from their profile's session statistics (--no-sessions to leave them out)`);
      }
      if (summary.squeezedClusterClients.length > 0) {
        const ids = summary.squeezedClusterClients;
        rep.info(`note: ${ids.length} cluster client${ids.length === 1 ? ' was' : 's were'} drawn at a rate ${ids.length === 1 ? 'its' : 'their'} clusters do not fit (a cluster and the gap to the next shorter than the cluster's spread): the gaps inside ${ids.length === 1 ? 'its' : 'their'} clusters were scaled down to keep the rate, so ${ids.length === 1 ? 'its' : 'their'} clusters run nearly end to end (README, Cluster clients): ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`);
      }
      if (summary.memoryClients > 0) {
        rep.info(`gap memory: ${summary.memoryClients} client${summary.memoryClients === 1 ? " draws" : "s draw"} serially dependent gaps from their profile's gap_memory (--no-gap-memory for independent gaps)`);
      }
      if (summary.prefixClients > 0) {
        const written = ['mooncake', 'jsonl', 'csv', 'parquet', 'arrow'].includes(format);
        rep.info(`prefix reuse: ${summary.prefixClients} client${summary.prefixClients === 1 ? "'s requests carry" : "s' requests carry"} hash_ids from their profile's prefix section${written ? '' : `, which --format ${format} does not write`} (--no-prefix to leave them out)${options.exactRepeats ? '; --exact-repeats: a request sharing all its blocks takes the length they have in the prompt it repeats, so its input is not the one drawn without hash_ids' : ''}`);
        // Found by audit (h-89): a Mooncake file carries no block size, and AIPerf's mooncake_trace
        // loader takes 512 unless told (--isl-block-size): with smaller blocks a row's prompt does
        // not reach its last id's block, which AIPerf refuses (ConfigurationError).
        const bt = summary.blockTokens;
        if (format === 'mooncake' && bt !== undefined && bt !== DEFAULT_BLOCK_TOKENS) {
          rep.info(`note: the hash_ids blocks are ${bt} tokens (the profile's), which a Mooncake file does not record: replay it with AIPerf's --isl-block-size ${bt} (without it AIPerf takes ${DEFAULT_BLOCK_TOKENS} and refuses the rows), and read it back with "block_tokens": ${bt} in a mapping`);
        }
      }
      if (options.exactRepeats && summary.prefixClients === 0) rep.info(`note: --exact-repeats: no client's requests carry hash_ids (the profile has no prefix section: fit it from a log with hash_ids), so it changes nothing`);
      const noPrompt = summary.prefixWithoutPrompts;
      if (noPrompt && noPrompt.length > 0) {
        rep.info(`note: ${noPrompt.length} client${noPrompt.length === 1 ? ' has' : 's have'} a prefix section but no prompt lengths (a log with hash_ids and no input_tokens), and a request's block ids are counted from its prompt: ${noPrompt.length === 1 ? 'its' : 'their'} requests carry no hash_ids: ${noPrompt.slice(0, 5).join(', ')}${noPrompt.length > 5 ? ', …' : ''}`);
      }
      if (summary.replayOutputsRaised) {
        const k = summary.replayOutputsRaised;
        rep.info(`note: ${k} request${k === 1 ? '' : 's'} with 0 output tokens (or none) ${k === 1 ? 'is' : 'are'} written with output_length 1: AIPerf sends output_length as the completion-token cap, which servers refuse below 1 (vLLM: "max_tokens must be at least 1")`);
      }
      if (summary.emptySlots > 0) {
        rep.info(`note: ${summary.emptySlots} window(s) had a target rate but no client activity in the profile; they are empty`);
      }
      rep.info(
        `generated ${summary.requests} requests from ${clientsText(summary.clientsDrawn, summary.clients)} over ${duration} s (${rateText(summary.requests / duration)} req/s) → ${opts.out} [${format}] in ${summary.seconds.toFixed(2)} s`,
      );
    });
  const c = command as Command & { unknownOption(flag: string): void };
  const unknown = c.unknownOption.bind(c);
  c.unknownOption = (flag: string) => {
    // Commander leaves the unknown flag and every argument after it in args.
    const hint = rateFlagHint(flag, c.args[c.args.indexOf(flag) + 1]);
    if (hint !== undefined) c.error(`error: unknown option '${flag.split('=')[0]}': ${hint}`, { code: 'commander.unknownOption' });
    unknown(flag);
  };
}
