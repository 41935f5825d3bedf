import { batchClientsNote, uncountedBatchesNote, uncountedClustersNote } from './batch-note.js';
import { batchClients } from '../fit/batches.js';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { fitSummaries, type DroppedMemory } from '../fit/fit-trace.js';
import { FIT_DEFAULTS, fitIngested } from '../fit/defaults.js';
import { prefitWindows } from '../fit/parallel-fit.js';
import { expandInputs } from '../io/input.js';
import { fileKind } from '../io/file-kind.js';
import { mergeAll, partOverlaps } from '../summary/merge.js';
import { parseSummariesText } from '../summary/serialize.js';
import { MEM_MIN_GAPS, type TraceSummaries } from '../summary/types.js';
import { writeProfile } from '../profile/write.js';
import type { PrefixSection, Profile } from '../profile/schema.js';
import { defaultCreated } from '../profile/upstream.js';
import { checkResolution, checkSeed, positive, refuseClobber, UsageError, windowSeconds } from './errors.js';
import { acceptedRejected, addIngestOptions, reportIngest, mappingFrom, parseFormat, runIngest, type IngestCliOptions } from './ingest-options.js';
import { Reporter } from './progress.js';
import { chooseEngine, scanSummaries } from './summarize.js';
import { anonymizeProfile } from '../profile/anonymize.js';
import { profileHtml } from '../profile/report-html.js';
import { writeFileAtomic } from '../io/atomic.js';
import { hashFile, readWholeFile } from '../io/whole-file.js';
import { rebaseToFirstSecond } from '../ingest/trace.js';
import { timeAxisWarning, windowsHaveTimeOutliers, windowsMayHaveImplausibleDates } from '../ingest/time-axis.js';

interface Opts extends IngestCliOptions {
  out: string;
  window: string;
  lengthWindow: string;
  minArrivals: string;
  minClientRequests?: string;
  momentMatch?: boolean;
  resolution?: string;
  anonymize?: boolean;
  keepCalendar?: boolean;
  dpEpsilon?: string;
  seed?: string;
  report?: string;
  summaries?: boolean;
  engine: string;
  duckdbMemory?: string;
  quiet?: boolean;
}

/**
 * Small clients are pooled into "tail" from rows only (their merged stream's gaps are not in
 * the summaries). Fitting from summaries, a pooling that cannot happen is refused rather than
 * skipped — with --anonymize it would publish small tenants as they are (found by review).
 */
function refuseUnpooled(summaries: TraceSummaries, opts: Opts): void {
  const threshold = positive(opts.minClientRequests ?? String(opts.anonymize ? FIT_DEFAULTS.anonymizedMinClientRequests : FIT_DEFAULTS.minClientRequests), '--min-client-requests', true);
  if (threshold <= 0) return;
  const totals = new Map<string, number>();
  for (const a of summaries.arrivals) totals.set(a.client, (totals.get(a.client) ?? 0) + a.n);
  const small = [...totals.values()].filter((n) => n < threshold).length;
  if (small === 0) return;
  throw new UsageError(
    `--min-client-requests ${threshold}${opts.anonymize && opts.minClientRequests === undefined ? ' (the --anonymize default)' : ''}: ${small} client(s) have fewer requests, and summaries cannot pool clients into "tail" (the pool's merged gaps are not in them): fit from the logs (either engine pools them), or give --min-client-requests 0 to keep them as they are`,
  );
}

/**
 * --anonymize refuses a log whose time axis ingest warns about (rows far from all the others,
 * or the bulk outside the years of any log): the profile spans such rows where they are, so
 * it published their distance from the others in its window starts, and rows at a default date
 * (1970-01-01, epoch 0) gave the log's absolute time away to the second's window (found by
 * review: one row at 1970-01-01 put windows at 1740993000 s, 2025-03-03 09:10 UTC, in an
 * anonymized profile).
 */
function refuseTimeAxis(found: boolean, anonymize: boolean | undefined, what = 'the log has rows far from all the others, or most of its rows outside the years 1990–2100 (the timestamps warning above)'): void {
  if (!anonymize || !found) return;
  throw new UsageError(
    `--anonymize: ${what}: an anonymized profile would publish how far those rows lie from the others (in its windows' starts), which gives the log's absolute time away when they carry a default date (1970-01-01): drop them from the log (or fix its timestamp unit) and fit again`,
  );
}

/**
 * --anonymize from summaries whose length windows are not on their first arrival window: their
 * grid counts from the summaries' origin (summarize --origin, a midnight in the documented
 * examples), and the offset, published as the first length window's start (−11 400 s), told
 * the time of day of the span's start modulo the length window (found by review: 09:10 UTC as
 * "03:10, 09:10, 15:10 or 21:10", minutes included, without --keep-calendar). Fitting from logs
 * counts from the first request, where the offset is 0; summaries cannot be re-gridded.
 */
function refuseLengthGridPhase(s: TraceSummaries): void {
  const W = s.arrivalSeconds;
  const L = s.lengthSeconds;
  if (s.lengths.length === 0) return;
  const first = Math.floor(s.span.start / W) * W;
  const phase = ((first % L) + L) % L;
  // The first request's whole second, from the summaries' origin: the first window's start when
  // they count from it (or whole length windows before it), as a fit from logs does
  // (rebaseToFirstSecond), and the anonymized profile's times count from there.
  const lead = Math.floor(s.span.start);
  if (phase === 0 && lead === first) return;
  // Windows under a second: the first window starts at the boundary at or before the first
  // request (profileSpanStart), inside its whole second, and the length windows from that second,
  // as a fit from logs counts them (found by review, h-97: summaries of Azure conv counted from
  // its first second at --window 0.1 were refused, told to summarize with the origin they had).
  if (W < 1 && ((lead % L) + L) % L === 0) return;
  // Relative times take no --origin (summarize refuses one): their logs are fitted instead.
  const remedy =
    s.origin !== null
      ? `summarize every part with --origin ${new Date(Date.parse(s.origin) + lead * 1000).toISOString()} (the first request's whole second) and fit again`
      : 'summaries of relative times cannot count from another origin: fit the logs themselves with --anonymize (either engine counts from the first request)';
  if (phase !== 0) {
    throw new UsageError(
      `--anonymize: the summaries' length windows (${L} s) start ${phase} s before their first arrival window, as they count from the summaries' origin (${s.origin ?? "the log's zero"}, not the first request): the anonymized profile would publish that offset, which tells the time of day of its start modulo ${L} s when the origin is a known time (a midnight, a dataset's start); ${remedy}`,
    );
  }
  // On the length grid, but not from the first request (found by the privacy audit, h-86): the
  // profile counted from the window start at or before it, a whole number of windows from the
  // origin (a midnight, or the start of the first window that the refusal above named), so its
  // span's end told the last request's time past a clock's 10 minutes to the millisecond, and a
  // daily cycle's start the minutes past the hour.
  throw new UsageError(
    `--anonymize: the summaries' first window starts ${lead - first} s before their first request's whole second, as they count from ${s.origin ?? "the log's zero"}: the anonymized profile would count from there, and its times (the span's end, its windows and cycles) would tell the log's time of day past that origin's grid when it is a known time (a midnight, a dataset's start); ${remedy}`,
  );
}

/**
 * A warning when every request has one timestamp: no rate can be measured, and the profile's
 * (the requests over the time from their window's start, at least 1 s) is arbitrary — found by
 * review: one request at t = 1 s became a 1 req/s profile.
 */
function zeroSpanWarning(rep: { info(text: string): void }, requests: number, span: { start: number; end: number }): void {
  if (requests > 0 && span.end === span.start) rep.info(`warning: all ${requests} request(s) share one timestamp: their rate cannot be measured, and the profile's rates (the requests over the time from their window's start, at least 1 s) are arbitrary`);
}

/**
 * A warning naming the clients whose requests all share one timestamp in a log that spans some
 * time (a client's whole batch at one instant, too few gaps for a batch client: README, Batch
 * clients): their gaps are all 0, so their window's rate and CV (1, from the model fitted to
 * zero gaps) are arbitrary and generate spreads the requests over the window. Found by the
 * odd-traces audit: 50 requests at t = 100 s beside a Poisson client were drawn as 39 requests
 * over 10 minutes, without a word. Undefined when there are none, or when every request of the
 * log shares one timestamp (zeroSpanWarning says that); ids are left out when anonymized.
 */
export function oneInstantClientsWarning(summaries: TraceSummaries, anonymized = false): string | undefined {
  if (!(summaries.span.end > summaries.span.start)) return undefined;
  const by = new Map<string, { n: number; first: number; last: number }>();
  for (const a of summaries.arrivals) {
    const e = by.get(a.client);
    if (!e) by.set(a.client, { n: a.n, first: a.first, last: a.last });
    else {
      e.n += a.n;
      e.first = Math.min(e.first, a.first);
      e.last = Math.max(e.last, a.last);
    }
  }
  const batched = batchClients(summaries);
  const at = [...by].filter(([id, e]) => e.n >= 2 && e.first === e.last && !batched.has(id)).sort((x, y) => y[1].n - x[1].n || (x[0] < y[0] ? -1 : 1));
  if (at.length === 0) return undefined;
  const named = anonymized ? '' : ` (${at.slice(0, 3).map(([id, e]) => `${JSON.stringify(id)}: ${e.n} at ${Number(e.first.toPrecision(12))} s`).join('; ')}${at.length > 3 ? `; and ${at.length - 3} more` : ''})`;
  return `warning: ${at.length} client${at.length === 1 ? ' sends' : 's send'} all ${at.length === 1 ? 'its' : 'their'} requests at one instant${named}: ${at.length === 1 ? 'its' : 'their'} gaps are all 0, too few for a batch client (README, Batch clients), so ${at.length === 1 ? 'its' : 'their'} rate and gaps are arbitrary and generate spreads ${at.length === 1 ? 'its' : 'their'} requests over ${at.length === 1 ? 'its' : 'their'} window`;
}

/**
 * The note for clients whose fitted gap memory was not kept (FitOptions.onMemoryDropped): drawn
 * with it, a window's request count moved by a multiple (docs/fitting.md, Gap memory). Client
 * names are left out of an anonymized fit's note, as its other notes leave them out.
 */
export function memoryDroppedNote(dropped: readonly DroppedMemory[], anonymized: boolean): string | undefined {
  if (dropped.length === 0) return undefined;
  const top = [...dropped].sort((a, b) => Math.max(b.countRatio, 1 / b.countRatio) - Math.max(a.countRatio, 1 / a.countRatio) || (a.client < b.client ? -1 : 1))[0];
  const who = anonymized ? `${dropped.length} client${dropped.length === 1 ? '' : 's'}` : `${dropped.length === 1 ? 'client' : 'clients'} ${dropped.slice(0, 3).map((d) => JSON.stringify(d.client)).join(', ')}${dropped.length > 3 ? ` and ${dropped.length - 3} more` : ''}`;
  const r = top.countRatio;
  const moved = r === Infinity ? 'without bound' : r >= 1 ? `${r.toPrecision(3)}×` : `to ${r.toPrecision(2)}×`;
  return `note: gap memory fitted to ${who} not kept (w ${top.memory.weight}, φ ${top.memory.phi}${dropped.length > 1 ? ', the largest effect' : ''}): drawn with it, a window's request count moved ${moved} its independent gaps' (a level that hardly moves within a window, which the windows' rates already model), so ${dropped.length === 1 ? 'its' : 'their'} gaps are drawn independently (README, Gap memory)`;
}

/** The stderr line saying which clients got gap memory (undefined when none did). */
export function gapMemoryNote(profile: Profile): string | undefined {
  const withMemory = profile.clients.filter((c) => c.gap_memory && c.gap_memory.weight > 0);
  if (withMemory.length === 0) return undefined;
  const total = profile.clients.reduce((a, c) => a + c.requests, 0);
  const share = withMemory.reduce((a, c) => a + c.requests, 0);
  const top = [...withMemory].sort((a, b) => b.requests - a.requests)[0];
  return `gap memory: ${withMemory.length} of ${profile.clients.length} client${profile.clients.length === 1 ? '' : 's'} (${total > 0 ? ((100 * share) / total).toFixed(1) : '0'} % of requests) ${withMemory.length === 1 ? 'draws' : 'draw'} serially dependent gaps; largest: client ${JSON.stringify(top.id)}, weight ${top.gap_memory!.weight}, φ ${top.gap_memory!.phi} (generate --no-gap-memory draws independent gaps)`;
}

/** The stderr line saying which clients are drawn at rate levels (undefined when none are). */
export function levelsNote(profile: Profile): string | undefined {
  const levelled = profile.clients.filter((c) => c.levels);
  if (levelled.length === 0) return undefined;
  const total = profile.clients.reduce((a, c) => a + c.requests, 0);
  const share = levelled.reduce((a, c) => a + c.requests, 0);
  const daily = levelled.filter((c) => c.levels!.daily).length;
  return `levels: ${levelled.length} of ${profile.clients.length} client${profile.clients.length === 1 ? '' : 's'} (${total > 0 ? ((100 * share) / total).toFixed(1) : '0'} % of requests) ${levelled.length === 1 ? 'is' : 'are'} drawn at rate levels over the span, not at ${levelled.length === 1 ? 'its' : 'their'} windows' realized counts: windows too small to rate (most requests in windows of fewer than --min-arrivals gaps), or counts that a draw would make noisier than the levels miss (README, Sparse clients)${daily > 0 ? `; ${daily === levelled.length ? (daily === 1 ? 'it has its' : 'each has its') : daily === 1 ? '1 of them has its' : `${daily} of them have their`} own daily cycle too (README, Daily cycles of level clients)` : ''}`;
}

/**
 * A warning when the arrival windows are short next to the gaps: most requests in windows of
 * fewer than 3 requests, whose gaps say little of a shape (found by review: `--window 0.01` on
 * Azure conv, 5.5 req/s, gave windows of one or two requests, and a generated hour 30 % short).
 */
export function shortWindowWarning(profile: Profile): string | undefined {
  const W = profile.windows.arrival_seconds;
  let total = 0;
  let sparse = 0;
  for (const c of profile.clients) {
    // A level client is drawn at its levels, not at its windows' counts (levelsNote): at
    // --window 0.01 Azure conv's draw of an hour has 19 586 requests for the log's 19 366
    // (13 427 at its windows' rates). Its requests still count in the share (found by review:
    // left out, 12 requests of two small clients beside a level client of 1 760 were "100 %").
    for (const w of c.arrivals) {
      const n = w.rate * W;
      total += n;
      if (n < 2.5 && !c.levels) sparse += n; // n is a whole count up to rounding
    }
  }
  if (!(total > 0) || sparse <= 0.5 * total) return undefined;
  return `warning: ${((100 * sparse) / total).toFixed(0)} % of requests are in arrival windows of fewer than 3 requests (--window ${W} s): such windows say little of their gaps, and traces generated from them fall short of the rate; give a window holding many requests (the default is 600 s)`;
}

export function registerFit(program: Command): void {
  const cmd = program
    .command('fit')
    .description('Fit a profile (per-client arrivals and length distributions) to a trace or raw logs')
    .argument('<inputs...>', 'normalized trace(s), or raw logs with --preset/--map');
  addIngestOptions(cmd)
    .requiredOption('--out <profile.json>', 'profile to write (a name ending in .gz: gzipped)')
    .option('--window <seconds>', 'arrival window', String(FIT_DEFAULTS.arrivalSeconds))
    .option('--length-window <seconds>', 'length window', String(FIT_DEFAULTS.lengthSeconds))
    .option('--min-arrivals <n>', 'windows with fewer gaps keep their rate and borrow the client\'s pooled shape (a window needs at least 2 gaps whatever n is)', String(FIT_DEFAULTS.minArrivals))
    .option('--min-client-requests <n>', 'pool clients with fewer requests into one client "tail" (default 0; 100 with --anonymize)')
    .option('--moment-match', 'Gamma by moments (shape = 1/CV², upstream\'s convention) instead of MLE')
    .option('--resolution <seconds>', 'clock resolution of the timestamps (default: detected; 0 = none: times are taken to 1 µs, the finest a profile records)')
    .option('--summaries', 'inputs are summary files (servegen summarize) or directories of Parquet results of servegen sql, merged before fitting')
    .option('--engine <engine>', 'scan engine: ts (default) | duckdb (embedded DuckDB scan; the same profile) | auto (duckdb above 256 MB)', 'ts')
    .option('--duckdb-memory <size>', 'with --engine duckdb: DuckDB memory limit (e.g. 512MB); above it DuckDB spills to a temporary directory')
    .option('--report <fit.html>', 'write a self-contained HTML characterization of the profile')
    .option('--anonymize', 'a profile safe to publish: ranked client ids, no absolute times, small clients pooled, no source hash')
    .option('--keep-calendar', 'with --anonymize: keep the weekday and hour of the span start')
    .option('--dp-epsilon <e>', 'with --anonymize: Laplace noise of scale 1/e on the counts of the length PMFs only (totals, window counts, gap histograms, batch sizes and fitted parameters stay exact: no differential-privacy guarantee for the profile; see the README)')
    .option('--seed <n>', 'seed for --dp-epsilon noise (default: a fresh random seed; anyone who knows the seed can remove the noise)')
    .option('--quiet', 'no progress or summary on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ servegen fit trace.parquet --out profile.json
  $ servegen fit logs.csv --map gw.json --anonymize --keep-calendar --out shareable.json
  $ servegen fit AzureLLMInferenceTrace_conv.csv --preset azure-llm-2023 --out conv-profile.json
  $ servegen fit --summaries part-*.json warehouse-out/ --out profile.json   # docs/scale.md`,
    )
    .action(async (inputs: string[], opts: Opts, command: Command) => {
      const rep = new Reporter(Boolean(opts.quiet));
      const t0 = performance.now();
      if (opts.seed !== undefined) checkSeed(opts.seed, '--seed', (l) => rep.info(l));
      const mapping = mappingFrom(opts, 'servegen');
      const arrivalSeconds = windowSeconds(opts.window, '--window');
      const lengthSeconds = windowSeconds(opts.lengthWindow, '--length-window');
      if ((opts.keepCalendar || opts.dpEpsilon !== undefined) && !opts.anonymize) throw new UsageError('--keep-calendar and --dp-epsilon need --anonymize');
      // `fit --seed 3` was taken without a word and did nothing (found by review): a fit is
      // deterministic, only the --dp-epsilon noise draws random numbers.
      if (opts.seed !== undefined && opts.dpEpsilon === undefined) throw new UsageError('--seed seeds only the --dp-epsilon noise (a fit is otherwise deterministic; generate takes its own --seed): give --anonymize --dp-epsilon E, or drop --seed');
      const dp = opts.dpEpsilon !== undefined ? positive(opts.dpEpsilon, '--dp-epsilon') : undefined;
      if (dp !== undefined && !Number.isFinite(1 / dp)) throw new UsageError(`--dp-epsilon: ${opts.dpEpsilon} is too small (noise scale 1/ε overflows)`);
      // Every flag is checked before the inputs are read (found by review: a bad --resolution
      // was refused only after the whole trace had been read).
      const minArrivals = positive(opts.minArrivals, '--min-arrivals', true);
      const minClientRequests = positive(opts.minClientRequests ?? String(opts.anonymize ? FIT_DEFAULTS.anonymizedMinClientRequests : FIT_DEFAULTS.minClientRequests), '--min-client-requests', true);
      const resolution = opts.resolution !== undefined ? positive(opts.resolution, '--resolution', true) : undefined;
      checkResolution(resolution, arrivalSeconds);
      refuseClobber([...inputs.map((f) => ['input', f] as const), ['--map', opts.map]], [['--out', opts.out], ['--report', opts.report], ['--rejects', opts.rejects]]);
      // `fit --out prof.parquet` wrote a JSON profile under a Parquet name (found by review).
      if (/\.(parquet|pq|csv|tsv|jsonl|ndjson|arrow|html?)$/i.test(opts.out)) throw new UsageError(`--out ${opts.out}: a profile is JSON; name it .json (or .json.gz, gzipped)`);
      const hash = createHash('sha256');
      if (opts.summaries) {
        const given = (name: string) => command.getOptionValueSource(name) === 'cli';
        // Flags of the scan were taken without a word and did nothing (found by review: `fit
        // --summaries part.json --window 60` wrote 600 s windows): the summaries were scanned
        // already, so refuse them and say where they go.
        const scanFlags = (['preset', 'map', 'format', 'rejects', 'maxRejectRatio', 'engine'] as const).filter(given);
        if (scanFlags.length > 0) {
          const names = scanFlags.map((f) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
          throw new UsageError(`${names.join(', ')}: ${names.length > 1 ? 'these read' : 'it reads'} logs, and --summaries fits summaries already scanned: give ${names.length > 1 ? 'them' : 'it'} to servegen summarize (or fit the logs without --summaries)`);
        }
        const files = expandInputs(inputs, { directories: true });
        const parts: TraceSummaries[] = [];
        for (const f of files) {
          let part: TraceSummaries;
          if (statSync(f).isDirectory()) {
            // Parquet results of `servegen sql` run on a warehouse (docs/scale.md).
            const w = await (await import('../summary/warehouse.js')).loadScanDirectory(f, { onStage: (t) => rep.stage(`fit --summaries: ${f}: ${t}`) });
            for (const p of w.files) hashFile(hash, p);
            const rejected = Object.values(w.rejectsByReason).reduce((a, b) => a + b, 0);
            rep.info(`${f}: ${w.rowsRead} rows scanned${rejected ? ` (${acceptedRejected(w.rowsRead - rejected, w.rejectsByReason)})` : ''}, ${w.summaries.arrivals.length} per-client arrival windows, clock resolution ${w.summaries.resolution} s`);
            parts.push(w.summaries);
            continue;
          }
          // A trace given to --summaries (found by review: a Parquet trace printed its first
          // bytes, "PAR1��", in the message; a jsonl trace a JSON parser's position).
          const kind = ({ parquet: 'a Parquet file', arrow: 'an Arrow file', trace: 'a trace' } as Record<string, string>)[fileKind(f)];
          if (kind) throw new UsageError(`${f}: ${kind}, not a summaries file: --summaries takes summaries JSON (servegen summarize --out part.json) or a directory of Parquet results (scan.parquet, arrivals.parquet, …); a trace is fitted without --summaries`);
          const bytes = readWholeFile(f);
          if (bytes.length >= 2 ** 20) rep.stage(`fit --summaries: reading ${f} (${(bytes.length / 2 ** 20).toFixed(0)} MB)`);
          hash.update(bytes);
          try {
            part = parseSummariesText(bytes);
          } catch (err) {
            throw new UsageError(`${f}: not a summaries file (${(err as Error).message})`);
          }
          parts.push(part);
        }
        // Summaries written before gap memory carry no terms (docs/scale.md, Gap memory): say so
        // when an input has windows long enough for it and none carries its terms, since the
        // profile then has no gap_memory (or one from the other inputs' windows only).
        const withoutMemory = parts.filter((p) => p.arrivals.some((a) => a.n - 1 >= MEM_MIN_GAPS) && !p.arrivals.some((a) => a.mem)).length;
        if (withoutMemory > 0) {
          rep.info(
            `note: ${withoutMemory} of ${parts.length} summary input(s) carry no gap-memory terms (summaries, and Parquet results without gap_memory, written before gap memory): ${withoutMemory === parts.length ? 'the profile has no gap_memory' : "gap_memory is fitted from the other inputs' windows only"}; summarize again, or fit the logs directly, to fit it`,
          );
        }
        const overlap = partOverlaps(parts);
        if (overlap) {
          const at = (t: number) => (parts[overlap.a].origin !== null ? new Date(t * 1000).toISOString() : `${t.toFixed(1)} s`);
          rep.info(
            `warning: ${files[overlap.a]} and ${files[overlap.b]} both hold client "${overlap.client}" from ${at(overlap.from)} to ${at(overlap.to)}${overlap.clients > 1 ? ` (${overlap.clients - 1} more client${overlap.clients > 2 ? 's' : ''} overlap too)` : ''}: partitions of one log by arrival are disjoint in time for each client, so these are the same rows twice, or two logs whose client ids collide, or partitions by end time of a log written when each request ends ("marks": "end": they overlap by the longest request; counts are right, gaps across the overlap are each part's own: README, Logs written when a request ends); the fit adds them up as one client`,
          );
        }
        let merged: TraceSummaries;
        try {
          merged = mergeAll(parts);
        } catch (err) {
          throw new UsageError(`--summaries: ${(err as Error).message}`);
        }
        // The windows and the clock are the summaries' (summarize --window, --length-window,
        // --resolution): a different value given here cannot be applied.
        for (const [flag, name, wanted, have] of [
          ['window', '--window', arrivalSeconds, merged.arrivalSeconds],
          ['lengthWindow', '--length-window', lengthSeconds, merged.lengthSeconds],
          ['resolution', '--resolution', resolution === undefined ? undefined : Math.max(resolution, 1e-6), merged.resolution],
        ] as const) {
          if (given(flag) && wanted !== undefined && wanted !== have) {
            throw new UsageError(`${name} ${command.getOptionValue(flag)}: the summaries have ${have} s (set when they were scanned: servegen summarize ${name}); summarize again with ${name} ${command.getOptionValue(flag)}, or drop it`);
          }
        }
        refuseUnpooled(merged, opts);
        // Summaries keep no rows: the time-axis check from their windows' exact first and last
        // times — the earliest or latest row outside the years of any log, or an empty gap
        // between windows that certainly sets rows apart (one inside a window is not seen).
        if (windowsMayHaveImplausibleDates(merged.arrivals, merged.origin) || windowsHaveTimeOutliers(merged.arrivals, merged.arrivalSeconds)) {
          refuseTimeAxis(true, opts.anonymize, 'the summaries hold rows far from all the others, or outside the years 1990–2100 (servegen summarize warned of them)');
        }
        if (opts.anonymize) refuseLengthGridPhase(merged);
        const rows = merged.arrivals.reduce((a, w) => a + w.n, 0);
        zeroSpanWarning(rep, rows, merged.span);
        const momentMatch = Boolean(opts.momentMatch);
        const dropped: DroppedMemory[] = [];
        const profile = fitSummaries(merged, {
          arrivalSeconds: merged.arrivalSeconds,
          lengthSeconds: merged.lengthSeconds,
          minArrivals,
          minClientRequests: 0,
          momentMatch,
          prefit: await prefitWindows(merged, { minArrivals, momentMatch, onWindows: (d, n) => rep.progress(`fit: ${d}/${n} windows`) }),
          onProgress: (d, n) => rep.progress(`fit: ${d}/${n} clients`),
          onMemoryDropped: (d) => dropped.push(d),
          sourceSha256: hash.digest('hex'),
          created: defaultCreated(),
          recorded: { summaries: files.length, rows },
        });
        const final = opts.anonymize ? anonymizeProfile(profile, { keepCalendar: opts.keepCalendar, dpEpsilon: dp, seed: opts.seed }) : profile;
        writeWithProgress(rep, opts.out, final);
        if (opts.report) writeFileAtomic(opts.report, profileHtml(final, reportTitle(opts, files, 'summary files')));
        if (opts.anonymize) rep.info(anonymizedNote(final, opts, dp));
        rep.info(`fitted ${final.clients.length} client${final.clients.length === 1 ? '' : 's'} from ${files.length} summary file(s) → ${opts.out} in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
        const noteFromSummaries = gapMemoryNote(final);
        if (noteFromSummaries) rep.info(noteFromSummaries);
        const droppedFromSummaries = memoryDroppedNote(dropped, Boolean(opts.anonymize));
        if (droppedFromSummaries) rep.info(droppedFromSummaries);
        const levelsFromSummaries = levelsNote(final);
        if (levelsFromSummaries) rep.info(levelsFromSummaries);
        const instantFromSummaries = oneInstantClientsWarning(merged, Boolean(opts.anonymize));
        if (instantFromSummaries) rep.info(instantFromSummaries);
        const shortNoteFromSummaries = shortWindowWarning(final);
        if (shortNoteFromSummaries) rep.info(shortNoteFromSummaries);
        const batchFromSummaries = batchClientsNote(merged, Boolean(opts.anonymize)) ?? uncountedBatchesNote(merged);
        if (batchFromSummaries) rep.info(batchFromSummaries);
        const clustersUncounted = uncountedClustersNote(merged);
        if (clustersUncounted) rep.info(clustersUncounted);
        return;
      }
      // `--engine auto` below its threshold is the TypeScript engine's fit from rows (found by
      // review: it fitted the scan's summaries, without sessions or the 5-minute aggregate).
      if (chooseEngine(inputs, opts.engine, rep) === 'duckdb') {
        const files = expandInputs(inputs);
        for (const f of files) hashFile(hash, f);
        // Small clients are pooled in the scan, as when fitting from rows: the builder counts the pool's merged rows.
        let pooledClients = 0;
        let axisWarning: string | undefined;
        let prefix: Map<string, PrefixSection> | undefined;
        let sessions: Map<string, Record<string, unknown>> | undefined;
        const summaries = await scanSummaries(inputs, mapping, parseFormat(opts.format), { arrivalSeconds, lengthSeconds, resolution, memoryLimit: opts.duckdbMemory, poolBelow: minClientRequests, firstSecond: opts.anonymize, onPooled: (n) => (pooledClients = n), onTimeAxisWarning: (w) => (axisWarning = w), onPrefix: (p) => (prefix = p), onSessions: (s) => (sessions = s) }, opts.engine, rep, opts);
        refuseTimeAxis(axisWarning !== undefined, opts.anonymize);
        // Sessions come from the accepted rows, read in a pass of their own (duckdb-sessions.ts):
        // without them the profile had none (generate labelled no sessions, and the prefix
        // model's extension reuse was lost: an infinite-cache hit ratio of 51.7 % against 57.8 %).
        // Every accepted row is one arrival of one window: the rows count, recorded as the
        // TypeScript engine records it (DuckDB-engine profiles had none; found by review).
        const rows = summaries.arrivals.reduce((a, w) => a + w.n, 0);
        zeroSpanWarning(rep, rows, summaries.span);
        const momentMatch = Boolean(opts.momentMatch);
        const dropped: DroppedMemory[] = [];
        const profile = fitSummaries(
          summaries,
          {
            arrivalSeconds,
            lengthSeconds,
            minArrivals,
            minClientRequests,
            momentMatch,
            prefit: await prefitWindows(summaries, { minArrivals, momentMatch, onWindows: (d, n) => rep.progress(`fit: ${d}/${n} windows`) }),
            onProgress: (d, n) => rep.progress(`fit: ${d}/${n} clients`),
            onMemoryDropped: (d) => dropped.push(d),
            sourceSha256: hash.digest('hex'),
            created: defaultCreated(),
            recorded: { engine: opts.engine, inputs: files.length, rows },
          },
          { pooled: pooledClients, prefix, sessions },
        );
        const final = opts.anonymize ? anonymizeProfile(profile, { keepCalendar: opts.keepCalendar, dpEpsilon: dp, seed: opts.seed }) : profile;
        writeWithProgress(rep, opts.out, final);
        if (opts.report) writeFileAtomic(opts.report, profileHtml(final, reportTitle(opts, files, 'files')));
        if (opts.anonymize) rep.info(anonymizedNote(final, opts, dp));
        if (opts.anonymize && pooledClients === 1) rep.info(lonePoolWarning(minClientRequests));
        rep.info(`fitted ${final.clients.length} client${final.clients.length === 1 ? '' : 's'}${pooledClients ? ` (${pooledClients} small ones pooled into "tail")` : ''} (${opts.engine} scan) → ${opts.out} in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
        const noteFromScan = gapMemoryNote(final);
        if (noteFromScan) rep.info(noteFromScan);
        const droppedFromScan = memoryDroppedNote(dropped, Boolean(opts.anonymize));
        if (droppedFromScan) rep.info(droppedFromScan);
        const levelsFromScan = levelsNote(final);
        if (levelsFromScan) rep.info(levelsFromScan);
        const instantFromScan = oneInstantClientsWarning(summaries, Boolean(opts.anonymize));
        if (instantFromScan) rep.info(instantFromScan);
        const shortNoteFromScan = shortWindowWarning(final);
        if (shortNoteFromScan) rep.info(shortNoteFromScan);
        const batchFromScan = batchClientsNote(summaries, Boolean(opts.anonymize));
        if (batchFromScan) rep.info(batchFromScan);
        return;
      }
      const result = await runIngest(inputs, mapping, parseFormat(opts.format), rep, opts);
      reportIngest(rep, result, mapping);
      if (opts.anonymize) refuseTimeAxis(timeAxisWarning(result.trace.timestamp, result.trace.origin) !== undefined, true);
      zeroSpanWarning(rep, result.trace.n, { start: 0, end: result.summary.span_seconds });
      // Anonymized, times count from the first request's second whatever the log's zero: the
      // windows' grid starts there, and no length window before the span tells its offset.
      // (fitIngested: the library's fit of a log, source hash and rows recorded included.)
      const dropped: DroppedMemory[] = [];
      const { profile, summaries, pooledClients } = await fitIngested(opts.anonymize ? { ...result, trace: rebaseToFirstSecond(result.trace) } : result, {
        arrivalSeconds,
        lengthSeconds,
        minArrivals,
        minClientRequests,
        momentMatch: Boolean(opts.momentMatch),
        resolution,
        onProgress: (d, n, text) => rep.progress(`fit: ${text ?? `${d}/${n} clients`}`),
        onMemoryDropped: (d) => dropped.push(d),
      });
      const final = opts.anonymize ? anonymizeProfile(profile, { keepCalendar: opts.keepCalendar, dpEpsilon: dp, seed: opts.seed }) : profile;
      writeWithProgress(rep, opts.out, final);
      if (opts.report) writeFileAtomic(opts.report, profileHtml(final, reportTitle(opts, result.summary.files, 'files')));
      if (opts.anonymize) rep.info(anonymizedNote(final, opts, dp));
      if (opts.anonymize && pooledClients === 1) rep.info(lonePoolWarning(minClientRequests));
      const windows = profile.clients.reduce((s, c) => s + c.arrivals.length, 0);
      rep.info(
        `fitted ${profile.clients.length} client${profile.clients.length === 1 ? '' : 's'}${pooledClients ? ` (${pooledClients} small ones pooled into "tail")` : ''}, ${windows} per-client arrival windows of ${profile.windows.arrival_seconds} s, clock resolution ${summaries.resolution} s → ${opts.out} in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
      );
      const note = gapMemoryNote(final);
      if (note) rep.info(note);
      const droppedNote = memoryDroppedNote(dropped, Boolean(opts.anonymize));
      if (droppedNote) rep.info(droppedNote);
      const levels = levelsNote(final);
      if (levels) rep.info(levels);
      const instant = oneInstantClientsWarning(summaries, Boolean(opts.anonymize));
      if (instant) rep.info(instant);
      const shortNote = shortWindowWarning(final);
      if (shortNote) rep.info(shortNote);
      const batchNote = batchClientsNote(summaries, Boolean(opts.anonymize));
      if (batchNote) rep.info(batchNote);
    });
}

/**
 * The --report's title: what the profile was fitted to, but nothing of it when anonymized — the
 * file's name was left out already, and the number of files is dropped from the profile too
 * (found by review: "Profile fitted to 3 input file(s)").
 */
/**
 * The --report's title: the files fitted, by name (the DuckDB engine's and --summaries' said "1
 * input file(s)", and the TypeScript engine's of several files "2 input file(s)": not which;
 * found by a visual audit), the first and a count beyond three.
 */
function reportTitle(opts: Opts, files: readonly string[], what: string): string {
  if (opts.anonymize) return 'Anonymized profile';
  return `Profile fitted to ${files.length <= 3 ? files.join(', ') : `${files[0]} and ${files.length - 1} more ${what}`}`;
}

/**
 * Writes the profile, saying so on a terminal: at 30 days × 2 000 clients writing takes ~7 s,
 * and the progress line still showed the last window count.
 */
function writeWithProgress(rep: Reporter, out: string, profile: Profile): void {
  rep.stage(`fit: writing ${out} (${profile.clients.length} client${profile.clients.length === 1 ? '' : 's'})`);
  writeProfile(out, profile);
}

/**
 * With --anonymize, a `tail` that pools one client is that client's windows and lengths as
 * they are; the profile no longer says how many clients it pools, but the sharer should know
 * (found by review).
 */
function lonePoolWarning(minClientRequests: number): string {
  return `warning: only one client has fewer than ${minClientRequests} requests: "tail" is that client alone (its windows and lengths as they are; the profile does not say how many clients "tail" pools); raise --min-client-requests to pool more clients with it`;
}

/**
 * What --anonymize removed, from the profile it wrote. It said "(weekday and hour kept)" for a
 * log with relative times, which has no calendar to keep (the profile's `calendar` was null),
 * and only the TypeScript engine's path said anything (found by review).
 */
function anonymizedNote(final: Profile, opts: Opts, dp: number | undefined): string {
  const calendar = (final.provenance.options.anonymized as { calendar?: { weekday: string; hour: number } | null } | undefined)?.calendar;
  const kept = calendar ? ` (kept: weekday ${calendar.weekday} and hour ${calendar.hour} UTC of the span start)` : opts.keepCalendar ? ' (--keep-calendar kept nothing: the log\'s times are relative, it has no date and hour to keep)' : '';
  const below = opts.minClientRequests ?? String(FIT_DEFAULTS.anonymizedMinClientRequests);
  const pooled = Number(below) > 0 ? `clients under ${below} requests pooled into "tail"` : 'no clients pooled (--min-client-requests 0)';
  const noise = dp ? `, Laplace noise ε = ${dp} on the length PMFs' counts (not on gap histograms or other counts: README, Sharing)` : '';
  return `anonymized: client ids → ranks (no mapping kept), absolute times removed${kept}, ${pooled}, source hash and creation time removed${noise}`;
}
