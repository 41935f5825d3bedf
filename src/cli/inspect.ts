import type { Command } from 'commander';
import { prefixSideOf } from '../validate/prefix.js';
import { readProfile } from '../profile/read.js';
import { anonymizedText, summarizeProfile, type ProfileSummary } from '../profile/summarize.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readTextHead, servegenFormatIn } from '../io/file-kind.js';
import { refuseClobber, UsageError } from './errors.js';
import { snakeKeys } from './snake-keys.js';
import { summarizeTrace, type TraceSummary } from '../ingest/summarize-trace.js';
import { humanSpan } from '../ingest/time-axis.js';
import { addIngestOptions, duckdbRejects, mappingFrom, notOursWithoutMappingDuckdb, parseFormat, parseRatio, runIngest, type IngestCliOptions, reportIngest } from './ingest-options.js';
import { inspectWithDuckDB } from '../summary/duckdb-inspect.js';
import { chooseEngine, duckdbUnlessUnreadable } from './summarize.js';
import { Reporter } from './progress.js';
import { insideWords } from '../fit/batches.js';
import { profileHtml } from '../profile/report-html.js';
import { staleRequestsNote } from '../profile/request-totals.js';
import { isStandardOutput, writeFileAtomic } from '../io/atomic.js';

/** A share for people; `—` when there is none (NaN: no window of the profile has a measured CV). */
const pct = (x: number) => (Number.isNaN(x) ? '— %' : `${(100 * x).toFixed(1)} %`);
/** A number for people; `—` when there is none (NaN or ∞: a rate over a zero span, the CV of fewer than two gaps). */
const fmt = (x: number) => (!Number.isFinite(x) ? '—' : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
/** A length quantile: a whole count as such (an image count's p50 read "1.00"), any other value as fmt. */
const fmtQuantile = (x: number) => (Number.isInteger(x) ? String(x) : fmt(x));

/** A span in hours for people, the same for profiles and traces (they printed 1.0 h and 0.95 h for one log). */
const hours = (h: number) => `${h.toFixed(h < 10 ? 2 : 1)} h`;

/** Text rendering of a profile summary (what `inspect` prints). */
export function renderSummary(file: string, s: ProfileSummary): string {
  const lines: string[] = [];
  lines.push(`profile ${file}`);
  lines.push(`  span          ${+s.span.start.toFixed(3)} … ${+s.span.end.toFixed(3)} s (${hours(s.span.hours)})${s.span.origin ? `, origin ${s.span.origin}` : ', no absolute origin'}`);
  lines.push(`  windows       arrivals ${s.windows.arrival_seconds} s, lengths ${s.windows.length_seconds} s`);
  // What fit --anonymize kept and added: --keep-calendar's weekday and hour were in the profile
  // only (found by a new user's walkthrough: inspect said "no absolute origin" and no more).
  const an = s.anonymized;
  if (an) lines.push(`  anonymized    ${anonymizedText(an)}`);
  lines.push(`  clients       ${s.clients}${s.clientsWithoutLengths ? ` (${s.clientsWithoutLengths} without length data)` : ''}; ${s.concentration.p50} / ${s.concentration.p90} / ${s.concentration.p99} carry 50 / 90 / 99 % of requests`);
  lines.push(`  requests      ${s.requests} (mean ${fmt(s.meanRate)} req/s, peak window ${fmt(s.peakWindowRate)} req/s)`);
  lines.push(`  IAT CV        request-weighted median ${fmt(s.cv.requestWeightedMedian)}, mean ${fmt(s.cv.requestWeightedMean)}; ${pct(s.cv.shareAbove1)} of requests in windows with CV > 1`);
  const families = Object.entries(s.familyMix).sort((a, b) => b[1] - a[1]);
  lines.push(`  families      ${families.length === 0 ? 'none: no window has enough gaps for a model' : `${families.map(([k, v]) => `${k} ${pct(v)}`).join(', ')} (share of requests)`}${s.empiricalShare > 0 ? `; ${pct(s.empiricalShare)} drawn from gap histograms (windows' own or their client's)` : ''}`);
  lines.push('  lengths       (rate-weighted over clients and windows)');
  lines.push(`    ${'field'.padEnd(24)}${'mean'.padStart(10)}${'p50'.padStart(10)}${'p90'.padStart(10)}${'p99'.padStart(10)}`);
  const alwaysZero: string[] = [];
  for (const [name, f] of Object.entries(s.fields)) {
    if (!f) continue;
    if (f.mean === 0 && f.p99 === 0) {
      alwaysZero.push(name);
      continue;
    }
    lines.push(`    ${name.padEnd(24)}${fmt(f.mean).padStart(10)}${fmtQuantile(f.p50).padStart(10)}${fmtQuantile(f.p90).padStart(10)}${fmtQuantile(f.p99).padStart(10)}`);
    if (f.counts) {
      lines.push(`    ${''.padEnd(24)}P(0) ${pct(f.counts.p0)}, P(1) ${pct(f.counts.p1)}, P(2) ${pct(f.counts.p2)}, P(≥3) ${pct(f.counts.p3plus)}`);
    }
  }
  if (alwaysZero.length > 0) lines.push(`    always 0: ${alwaysZero.join(', ')}`);
  lines.push(`  top clients   ${s.topClients.slice(0, 5).map((c) => `${c.id} ${pct(c.share)} (CV ${c.cv === null ? '—' : fmt(c.cv)}${c.shifts ? `, ${c.shifts} shift${c.shifts > 1 ? 's' : ''}` : ''}${c.dailyPeak ? `, daily peak ×${fmt(c.dailyPeak.factor)} ${clockWords(c.dailyPeak.at, c.dailyPeak.utc)}` : ''})`).join(', ')}`);
  const gm = s.gapMemory;
  lines.push(
    gm.clients === 0
      ? '  gap memory    none: gaps are drawn independently within each window'
      : `  gap memory    ${gm.clients} client${gm.clients === 1 ? "" : "s"} (${pct(gm.share)} of requests) ${gm.clients === 1 ? "draws" : "draw"} serially dependent gaps: ${gm.top.map((x) => `client ${JSON.stringify(x.id)}: weight ${fmt(x.weight)}, φ ${fmt(x.phi)} (~${gapsWords(Math.round(1 / (1 - x.phi)))})`).join('; ')}`,
  );
  const px = s.prefix;
  if (px.clients > 0) {
    lines.push(`  prefix reuse  ${px.clients} client${px.clients === 1 ? "'s" : "s'"} requests (${pct(px.share)} of requests) get hash_ids: ${px.top.map((x) => `client ${JSON.stringify(x.id)}: ${pct(x.hitRatio)} of blocks hit an infinite prefix cache in the ${x.requests} requests fitted, ${x.roots} root${x.roots === 1 ? '' : 's'}`).join('; ')}`);
  }
  const bt = s.batches;
  if (bt.clients > 0) {
    lines.push(`  batches       ${bt.clients} client${bt.clients === 1 ? '' : 's'} (${pct(bt.share)} of requests) ${bt.clients === 1 ? 'sends' : 'send'} requests ${bt.how}: ${bt.top.map((x) => `client ${JSON.stringify(x.id)}: ${fmt(x.meanSize)} per ${x.below === undefined ? 'instant' : `cluster (gaps ${insideWords(x.below)})`} on average, up to ${x.maxSize}`).join('; ')}`);
  }
  const lv = s.levels;
  if (lv.clients > 0) {
    lines.push(
      `  levels        ${lv.clients} client${lv.clients === 1 ? '' : 's'} (${pct(lv.share)} of requests) ${lv.clients === 1 ? 'is' : 'are'} drawn at rate levels (${lv.segments} segment${lv.segments === 1 ? '' : 's'} in all) × a shared rhythm of ${lv.rhythm} segment${lv.rhythm === 1 ? '' : 's'}${lv.daily > 0 ? (lv.clients === 1 ? ' × its own daily cycle' : ` (${lv.daily} of them × their own daily cycle too)`) : ''}, not at ${lv.clients === 1 ? 'its' : 'their'} windows' realized rates`,
    );
  }
  for (const x of s.sessions.slice(0, 5)) {
    const st = x.stats as { sessions?: number; mean_turns?: number; inter_turn_gap_median_s?: number | null; input_growth_per_turn_median?: number | null; input_rank_by_turn?: unknown; input_rank_turn_copula?: number };
    // Whether generate reproduces the growth: only with the input-rank model (profiles fitted since it exists).
    const growth =
      st.input_growth_per_turn_median == null
        ? ''
        : `, median input growth ${fmt(st.input_growth_per_turn_median)} tokens per turn (${st.input_rank_by_turn ? `generated by turn ranks${st.input_rank_turn_copula === undefined ? '' : `, copula ${fmt(st.input_rank_turn_copula)}`}` : 'not generated: no input_rank_by_turn'})`;
    lines.push(`  sessions      ${x.id}: ${st.sessions} sessions, ${fmt(st.mean_turns ?? NaN)} turns on average, median inter-turn gap ${st.inter_turn_gap_median_s == null ? '—' : fmt(st.inter_turn_gap_median_s) + ' s'}${growth}`);
  }
  if (s.reasoningToAnswer !== undefined) lines.push(`  reasoning     reasoning tokens ≈ ${fmt(s.reasoningToAnswer)} × answer tokens (mean)`);
  return lines.join('\n');
}

/** A count of gaps in words: "1 gap", "4 gaps". */
function gapsWords(n: number): string {
  return `${n} gap${n === 1 ? '' : 's'}`;
}

/** inspect's gap-memory line: the clients fit would give gap_memory, or none. */
function gapMemoryLine(g: NonNullable<TraceSummary['gapMemory']>): string {
  if (g.judged === 0) return 'not judged (no client has a 600 s window with 16 gaps)';
  if (g.clients.length === 0) return `none found in the ${g.judged} client${g.judged === 1 ? '' : 's'} with 16+ gaps in a 600 s window (fit writes no gap_memory)`;
  const top = g.clients[0];
  return `${g.clients.length} of ${g.judged} client${g.judged === 1 ? '' : 's'} with serially dependent gaps (fit writes gap_memory); largest: client ${JSON.stringify(top.id)}, lag-1 correlation ${fmt(top.lag1)}, weight ${top.weight}, φ ${top.phi}`;
}

/** Text rendering of a trace summary. */
export function renderTraceSummary(label: string, s: TraceSummary): string {
  const lines: string[] = [];
  lines.push(`trace ${label}`);
  lines.push(`  span          ${s.span.start.toFixed(3)} … ${s.span.end.toFixed(3)} s (${hours(s.span.seconds / 3600)})${s.origin ? `, origin ${s.origin}` : ', relative times'}`);
  // A clock coarse next to the gaps (Mooncake: 3 s against a mean gap of 0.29 s) puts most gaps
  // at 0 and inflates this CV; fit models the gaps within the tick (found by review: inspect said
  // CV 3.03 without a word, the profile 1.00).
  const meanGap = s.meanRate > 0 ? 1 / s.meanRate : NaN;
  const coarse = s.clockSeconds !== undefined && s.clockSeconds >= 0.1 * meanGap;
  lines.push(
    `  requests      ${s.requests} (mean ${fmt(s.meanRate)} req/s); aggregate IAT CV ${fmt(s.aggregateIatCv)}${coarse ? ` on a ${fmt(s.clockSeconds!)} s clock (the mean gap is ${fmt(meanGap)} s: many gaps read as 0; fit models the gaps within a tick)` : ''}`,
  );
  lines.push(`  clients       ${s.clients}; ${s.concentration.p50} / ${s.concentration.p90} / ${s.concentration.p99} carry 50 / 90 / 99 % of requests`);
  lines.push(`  top clients   ${s.topClients.map((c) => `${c.id} ${pct(c.share)}`).join(', ')}`);
  if (s.sessions) lines.push(`  sessions      ${s.sessions.sessions} sessions over ${s.sessions.requestsWithSession} requests`);
  // A trace of one request has no gaps to judge: the line says so as for any trace without 16-gap windows (it was left out; found by review).
  lines.push(`  gap memory    ${gapMemoryLine(s.gapMemory ?? { judged: 0, clients: [] })}`);
  const b = s.batches;
  if (b && b.clients > 0) {
    lines.push(`  batches       ${b.clients} client${b.clients === 1 ? '' : 's'} (${pct(b.share)} of requests) ${b.clients === 1 ? 'sends' : 'send'} requests ${b.how} (fit writes batches): ${b.top.map((x) => `client ${JSON.stringify(x.id)}, ${pct(x.zeroShare)} of its gaps ${insideWords(x.below)}, about ${Number(x.meanSize.toPrecision(3))} per ${x.below === undefined ? 'instant' : 'cluster'}`).join('; ')}`);
  }
  if (s.prefix) {
    const p = s.prefix;
    const lru = Object.entries(p.lru).map(([c, v]) => `${c} blocks ${pct(v)}`);
    lines.push(`  prefix reuse  hash_ids on ${p.requests} requests${p.firstSeconds === undefined ? '' : ` (the earliest, over the first ${humanSpan(p.firstSeconds)}: the DuckDB engine holds no more)`}, ${p.blocks} blocks (${p.distinct} distinct): ${pct(p.hitRatio)} hit an infinite prefix cache (${pct(p.requests > 0 ? p.wholeHits / p.requests : 0)} of requests whole: every block)${lru.length ? `; an LRU cache of ${lru.join(', ')}` : ''}`);
  }
  if (s.peak) lines.push(`  peak load     ${fmt(s.peak.requestsPerS)} req/s${s.peak.tokensPerS === null ? '' : `, ${fmt(s.peak.tokensPerS)} tokens/s (${s.peak.tokenFields.map((f) => f.replace(/_tokens$/, '')).join(' + ')})`}: the 99th percentile of 10 s bins`);
  lines.push(`    ${'field'.padEnd(24)}${'mean'.padStart(10)}${'p50'.padStart(10)}${'p90'.padStart(10)}${'p99'.padStart(10)}${'max'.padStart(10)}`);
  for (const [name, f] of Object.entries(s.fields)) {
    lines.push(`    ${name.padEnd(24)}${fmt(f.mean).padStart(10)}${String(f.p50).padStart(10)}${String(f.p90).padStart(10)}${String(f.p99).padStart(10)}${String(f.max).padStart(10)}`);
  }
  return lines.join('\n');
}

/** A profile's top-level keys besides `format`: three of them near the start mark a profile. */
const PROFILE_KEYS = ['version', 'provenance', 'windows', 'span', 'clients'];

/**
 * Whether a file is a profile: its `format` key near the start (as we write profiles), or a
 * JSON document that is not JSON lines — pretty-printed (a first line of just `{`, as
 * `jq -S` or Python's `json.dump(indent=…)` write it, where `format` can come after the
 * clients) or one line holding a whole profile. Such documents are read as a profile, so a
 * broken one is reported as bad JSON rather than as a trace whose rows are all rejected.
 * @throws UsageError for our other JSON documents (summaries, fidelity reports).
 */
function looksLikeProfile(file: string): boolean {
  // A directory is not read here: the trace path names it (found by review: EISDIR was an
  // internal error, exit 3, for `inspect <upstream pool dir>`).
  if (statSync(file).isDirectory()) return false;
  const head = readTextHead(file).toString('utf8');
  const format = servegenFormatIn(head);
  if (format === 'servegen-profile') return true;
  if (format && format !== 'servegen-trace') {
    // Say what to do with our other documents (found by a README walkthrough: no advice).
    const advice = format === 'servegen-summaries' ? `: fit it first (servegen fit --summaries ${file} --out profile.json), then inspect the profile` : format === 'servegen-fidelity' ? ': a validate report (servegen fidelity-table prints it as a table row)' : '';
    throw new UsageError(`${file}: a ${format} file, not a profile or a trace${advice}`);
  }
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (!text.startsWith('{')) return false;
  // A profile whose `format` was lost (a hand edit, another tool's rewrite) has its other
  // top-level keys: read as a trace, it was refused as a log without a `timestamp` column (found by
  // the bad-input audit); read as a profile, it is refused naming the missing key.
  if (PROFILE_KEYS.filter((k) => text.includes(`"${k}"`)).length >= 3) return true;
  const nl = text.indexOf('\n');
  if (nl >= 0) return text.slice(0, nl).trim() === '{';
  // One line longer than the sample: a profile written compactly with its keys in another order?
  if (statSync(file).size > 256 * 1024 * 1024) return false;
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown } | null;
    return v !== null && typeof v === 'object' && v.format === 'servegen-profile';
  } catch {
    return false;
  }
}

/**
 * `--json` is a switch here (the JSON goes to standard output), where validate's and capacity's
 * take a file: `inspect p.json --json out.json` read out.json as a second input, and said "no such
 * file", "a pipe" (`/dev/stdout`) or "inspect takes one profile at a time" (found by a new user's
 * walkthrough, h-77). The word after `--json` on the command line, when it is no file to inspect
 * (missing, `-`, a standard stream, or beside a profile), gets the way to write the JSON instead.
 */
function refuseJsonFile(files: readonly string[], command: Command): void {
  let root: Command = command;
  while (root.parent) root = root.parent;
  const raw = (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  const at = raw.lastIndexOf('--json');
  const word = at >= 0 ? raw[at + 1] : undefined;
  // A pattern is an input as written (`inspect --json 'logs/*.csv'`), matched later.
  if (word === undefined || !files.includes(word) || /[*?]/.test(word)) return;
  const stream = word === '-' || isStandardOutput(word) || /^\/dev\/(stdout|stderr|fd\/[12])$/.test(word);
  const others = files.filter((f) => f !== word);
  const besideProfile = others.some((f) => existsSync(f) && statSync(f).isFile() && looksLikeProfile(f));
  // A missing file is taken for --json's only when named as JSON output is (`inspect --json
  // log.csv` with a typo is the missing input it says).
  const missingJson = !existsSync(word) && /\.json$/i.test(word);
  if (!stream && !missingJson && !besideProfile) return;
  const rest = others.length > 0 ? others.join(' ') : 'FILE';
  throw new UsageError(`--json ${word}: inspect's --json takes no file: it prints the JSON on standard output (${stream ? `servegen inspect ${rest} --json` : `servegen inspect ${rest} --json > ${word}`}); ${word} was read as a file to inspect`);
}

export function registerInspect(program: Command): void {
  const cmd = program
    .command('inspect')
    .description('Characterize a profile or a trace: clients, span, burstiness, length distributions')
    .argument('<file...>', 'a profile (.json), or trace files / raw logs (with --preset or --map)');
  addIngestOptions(cmd)
    .option('--json', 'print the summary as JSON')
    .option('--report <file.html>', 'for a profile: also write the HTML characterization (a trace: exit 2; fit --report writes one)')
    .option('--engine <engine>', 'for raw inputs: ts (default) | duckdb (characterize in embedded DuckDB, for inputs too large to hold) | auto (duckdb above 256 MB)', 'ts')
    .option('--duckdb-memory <size>', 'with --engine duckdb: DuckDB memory limit (e.g. 512MB); above it DuckDB spills to a temporary directory')
    .option('--quiet', 'no ingest progress or summary on stderr')
    .addHelpText('after', '\nExamples:\n  $ servegen inspect mm-image.json\n  $ servegen inspect AzureLLMInferenceTrace_conv.csv --preset azure-llm-2023\n  $ servegen inspect \'logs/*.parquet\' --map gw.json --engine duckdb\n')
    .action(async (files: string[], opts: IngestCliOptions & { json?: boolean; report?: string; quiet?: boolean; engine: string; duckdbMemory?: string }, command: Command) => {
      if (opts.json) refuseJsonFile(files, command);
      if (files.length === 1 && !opts.preset && !opts.map && existsSync(files[0]) && looksLikeProfile(files[0])) {
        const { profile } = readProfile(files[0]);
        refuseClobber([['the profile', files[0]]], [['--report', opts.report]]);
        const stale = staleRequestsNote(profile);
        if (stale) new Reporter(Boolean(opts.quiet)).info(stale);
        // An anonymized profile's page is titled as fit --anonymize --report titles it, not by
        // its path, which was the sharer's (found by the privacy audit, h-86: "Profile
        // /home/alice/…/shareable.json").
        const anonymized = (profile.provenance.options as Record<string, unknown>).anonymized !== undefined;
        if (opts.report) writeFileAtomic(opts.report, profileHtml(profile, anonymized ? 'Anonymized profile' : `Profile ${files[0]}`));
        // --report /dev/stdout: the page is the output there (the summary after it broke the HTML).
        if (opts.report && isStandardOutput(opts.report)) return;
        const summary = summarizeProfile(profile);
        process.stdout.write(opts.json ? JSON.stringify(snakeKeys(summary), null, 2) + '\n' : renderSummary(files[0], summary) + '\n');
        return;
      }
      // A profile given with --preset or --map was told to run "servegen inspect profile.json",
      // the command the user had run (found by a new user's walkthrough): say to drop the flag.
      const flag = opts.preset !== undefined ? '--preset' : opts.map !== undefined ? '--map' : undefined;
      if (files.length === 1 && flag && existsSync(files[0]) && looksLikeProfile(files[0])) {
        throw new UsageError(`${files[0]}: a servegen profile: inspect reads it without ${flag} (a mapping is for raw logs): servegen inspect ${files[0]}`);
      }
      // --report writes a profile's page; for a trace it was ignored without a word (exit 0, no
      // file) — found by review.
      if (opts.report) throw new UsageError(`--report: the HTML characterization is written for a profile; ${files.join(' ')} ${files.length > 1 ? 'are' : 'is'} read as a trace: fit it with --report (servegen fit TRACE --out profile.json --report fit.html)`);
      // Several files are one trace; a profile among them was read as JSON lines ("61 % of rows
      // rejected", or "not a servegen trace") — found by review. One profile at a time.
      if (files.length > 1 && !opts.preset && !opts.map) {
        const profile = files.find((f) => existsSync(f) && looksLikeProfile(f));
        const others = files.filter((f) => f !== profile);
        if (profile) throw new UsageError(`${profile}: a profile; inspect takes one profile at a time (several files are read as one trace)${others.length > 0 ? `: ${others.join(', ')} given beside it` : ': given twice'}`);
      }
      // `inspect log.csv --rejects log.csv` replaced the log by its (empty) rejects (found by review).
      refuseClobber([...files.map((f) => ['input', f] as const), ['--map', opts.map]], [['--rejects', opts.rejects]]);
      const rep = new Reporter(Boolean(opts.quiet));
      if (chooseEngine(files, opts.engine, rep) === 'duckdb') {
        parseRatio(opts.maxRejectRatio ?? '0.01'); // a bad flag fails before the scan
        const mapping = mappingFrom(opts, 'servegen');
        await notOursWithoutMappingDuckdb(files, mapping, parseFormat(opts.format));
        const scanned = await duckdbUnlessUnreadable(opts.engine, rep, async () => {
          const r = await inspectWithDuckDB(files, mapping, { format: parseFormat(opts.format), memoryLimit: opts.duckdbMemory, onStage: (t) => rep.stage(t), onNote: (l) => rep.info(l) });
          const rejected = await duckdbRejects(r, opts, rep, { mapping, format: parseFormat(opts.format) });
          if (r.warning) rep.info(`warning: ${r.warning}`);
          // (--json: the warnings the TypeScript engine's ingest summary keeps, as it keeps them)
          const ingest = { engine: 'duckdb', files: r.files, rows_read: r.rowsRead, rows_accepted: r.rowsRead - rejected, rows_rejected: rejected, rejects_by_reason: r.rejectsByReason, ...(r.warnings ? { warnings: r.warnings } : {}) };
          process.stdout.write(opts.json ? JSON.stringify({ ingest, trace: snakeKeys(r.summary) }, null, 2) + '\n' : renderTraceSummary(files.join(' '), r.summary) + '\n');
        }, () => ({ opts, source: { mapping, format: parseFormat(opts.format) } }));
        if (scanned) return;
      }
      const traceMapping = mappingFrom(opts, 'servegen');
      const result = await runIngest(files, traceMapping, parseFormat(opts.format), rep, opts);
      reportIngest(rep, result, traceMapping);
      // Prefix reuse from the rows' hash_ids (the DuckDB engine's inspect: prefixSideWithDuckDB, equal).
      const prefix = prefixSideOf(result.trace);
      const summary: TraceSummary = { ...summarizeTrace(result.trace), ...(prefix ? { prefix } : {}) };
      process.stdout.write(opts.json ? JSON.stringify({ ingest: result.summary, trace: snakeKeys(summary) }, null, 2) + '\n' : renderTraceSummary(files.join(' '), summary) + '\n');
    });
}

/** A daily cycle's bin start as inspect says it: "at 22:00 UTC", or "at 22:00 of its cycle" without an origin. */
function clockWords(at: number, utc: boolean): string {
  const h = Math.floor(at / 3600);
  const m = Math.floor((at - 3600 * h) / 60);
  return `at ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}${utc ? ' UTC' : ' of its cycle'}`;
}
