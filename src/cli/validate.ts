import { statSync } from 'node:fs';
import { loadPreset } from '../ingest/presets.js';
import type { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic.js';
import { loadThresholds, unmatchedOverrides, type Thresholds } from '../validate/thresholds.js';
import { generatorHeader, validateTraces, validateTracesParallel, type FidelityReport } from '../validate/validate.js';
import { fidelityHtml } from '../validate/html.js';
import { DISJOINT_NOTE } from '../validate/metrics.js';
import type { IngestResult } from '../ingest/ingest.js';
import { EXIT_CHECK_FAILED, EXIT_OK, positive, refuseClobber, UsageError, windowSeconds } from './errors.js';
import { wrongKindHint } from '../io/file-kind.js';
import { profileAsSourceError } from './profile-as-source.js';
import { addIngestOptions, addOneSideSpellings, duckdbRejects, refuseOneSide, mappingFrom, notOursWithoutMappingDuckdb, parseFormat, parseRatio, runIngest, type RejectOptions, type RejectSource, ingestWarnings } from './ingest-options.js';
import { chooseEngine, duckdbUnlessUnreadable } from './summarize.js';
import { validateWithDuckDB } from '../summary/duckdb-validate.js';
import { inputsMeta } from '../summary/duckdb.js';
import { humanCount, Reporter } from './progress.js';

interface Opts {
  preset?: string;
  map?: string;
  format?: string;
  rejects?: string;
  maxRejectRatio?: string;
  json?: string;
  report?: string;
  thresholds?: string;
  baseline?: string;
  window: string;
  sourcePreset?: string;
  sourceMap?: string;
  sourceFormat?: string;
  generatedPreset?: string;
  generatedMap?: string;
  generatedFormat?: string;
  sourceRejects?: string;
  sourceMaxRejectRatio?: string;
  generatedRejects?: string;
  generatedMaxRejectRatio?: string;
  engine: string;
  duckdbMemory?: string;
  replay?: boolean;
  quiet?: boolean;
}

/** One line per failed metric plus the verdict; first a warning naming the thresholds file's overrides that matched no metric. */
export function verdictLines(report: FidelityReport, thresholds?: { t: Thresholds; file?: string }): string[] {
  const unmatched = thresholds ? unmatchedOverrides(thresholds.t, Object.keys(report.metrics)) : [];
  const warning = unmatched.length
    ? [`warning: ${thresholds!.file}: overrides ${unmatched.map((k) => JSON.stringify(k)).join(', ')} name no metric of this report, so they were not applied (metric names as in the JSON report's "metrics": iat_ks, input_tokens_p99_rel_err@client:<id>, …)`]
    : [];
  const lines = Object.entries(report.metrics)
    .filter(([, m]) => !m.pass)
    .map(([k, m]) => `  FAIL ${k} = ${m.value === null ? '—' : m.value.toPrecision(3)} > ${m.threshold.toPrecision(3)}`);
  const judged = Object.values(report.metrics).filter((m) => m.value !== null).length;
  const peak = peakLine(report);
  if (peak) lines.push(peak);
  lines.push(`${report.pass ? 'PASS' : 'FAIL'}: ${judged - report.failed.length}/${judged} metrics within thresholds (${report.source.requests} source vs ${report.generated.requests} generated requests)`);
  return [...warning, ...lines];
}

/**
 * Prints verdictLines; with --quiet a failed verdict's lines only (each failed metric and the
 * FAIL line). `validate`/`roundtrip … --quiet` exited 1 with nothing on stderr, where the README
 * (Exit codes and errors) has the last line say which check failed (found by a new user's review).
 */
export function printVerdict(rep: Reporter, report: FidelityReport, thresholds: { t: Thresholds; file?: string }, quiet: boolean): void {
  for (const l of verdictLines(report, thresholds)) {
    if (!quiet) rep.info(l);
    else if (!report.pass && (l.startsWith('  FAIL ') || l.startsWith('FAIL: '))) process.stderr.write(`${l}\n`);
  }
}

/** The capacity each side needs (p99 of tokens per second over 10 s bins, requests when there are no token counts), the generated side's and the baseline's off the source's. */
function peakLine(report: FidelityReport): string | undefined {
  const unit = report.source.peak_p99.tokens_per_s !== null ? 'tokens_per_s' : 'requests_per_s';
  const metric = report.metrics[unit === 'tokens_per_s' ? 'peak_tokens_p99_rel_err' : 'peak_rate_p99_rel_err'];
  const src = report.source.peak_p99[unit];
  const label = `  peak load (p99 of 10 s bins, ${unit === 'tokens_per_s' ? 'tokens/s' : 'requests/s'})`;
  // Not judged: say why, rather than print nothing (a span too long for a series) or a
  // percentage nobody judged (found by review: a one-bin source printed "+17584 %").
  if (metric?.value === null) return `${label}: not judged (${metric.note ?? 'not enough data'})`;
  if (src === null || !(src > 0)) return undefined;
  const side = (name: string, s: FidelityReport['generated'] | undefined) => {
    const v = s?.peak_p99[unit];
    if (v === undefined || v === null) return '';
    const d = Math.round(100 * (v / src - 1));
    return `, ${name} ${peakNumber(v)} (${d >= 0 ? '+' : '−'}${Math.abs(d)} %)`;
  };
  return `${label}: source ${peakNumber(src)}${side('generated', report.generated)}${side('naive baseline', report.baseline)}`;
}

/** A peak as the README and `inspect` print it: 14187, not 1.419e+4 (found by review: toPrecision(4) of a peak ≥ 10 000). */
function peakNumber(v: number): string {
  return v >= 1000 ? String(Math.round(v)) : v.toPrecision(4);
}

/** Writes the JSON and HTML reports (atomically) when asked. */
export function writeReports(result: ReturnType<typeof validateTraces>, json?: string, html?: string): void {
  if (json) writeFileAtomic(json, JSON.stringify(result.report, null, 2) + '\n');
  if (html) writeFileAtomic(html, fidelityHtml(result.report, result.charts));
}

export function registerValidate(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('validate')
    .description('Compare a generated workload with its source, statistic by statistic; exit 1 when a metric fails')
    .argument('<source>', 'source trace (normalized, or raw logs with --source-preset/--source-map)')
    .argument('<generated>', 'generated trace (normalized, or raw with --generated-preset/--generated-map)');
  addIngestOptions(cmd, 'source');
  addOneSideSpellings(cmd);
  addIngestOptions(cmd, 'generated')
    .option('--json <out.json>', 'write the JSON report')
    .option('--report <out.html>', 'write the self-contained HTML report')
    .option('--thresholds <t.json>', 'override default thresholds (see docs/thresholds.json)')
    .option('--baseline <naive.jsonl>', 'a naive-baseline trace (generate --naive) to report beside')
    .option('--window <seconds>', 'arrival window for per-window rates', '600')
    .option('--replay', "the generated side is a load generator's record of replaying the source (AIPerf's profile_export.jsonl with --generated-preset aiperf-records): its first request is put on the source's first, and metrics are judged without the sampling-noise allowance two draws need")
    .option('--engine <engine>', 'ts (default) | duckdb (summarize every side in embedded DuckDB, for traces too large to hold) | auto (duckdb above 256 MB)', 'ts')
    .option('--duckdb-memory <size>', 'with --engine duckdb: DuckDB memory limit (e.g. 512MB); above it DuckDB spills to a temporary directory')
    .option('--quiet', 'no progress or summary on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ servegen validate trace.parquet generated.jsonl --json fidelity.json --report fidelity.html
  $ servegen validate trace.parquet generated.jsonl --baseline naive.jsonl --report fidelity.html
  $ servegen validate AzureLLMInferenceTrace_conv.csv generated.jsonl --source-preset azure-llm-2023
  $ servegen validate replay.jsonl artifacts/run/profile_export.jsonl --source-preset mooncake --generated-preset aiperf-records --replay
  $ servegen generate shared.json --duration 3600 --seed reference --out reference.jsonl   # a profile alone: draw it again
  $ servegen validate reference.jsonl mine.jsonl                                          # (README, Against a profile alone)

Both arguments are traces: <generated> is the output of servegen generate (a profile is no trace;
with a profile and no source log, validate against another draw of it, as above).
Exit 0 when every metric passes, 1 when one fails, 2 on bad input. Thresholds: docs/thresholds.json.
`,
    )
    .action(async (sourceFile: string, generatedFile: string, opts: Opts) => {
      const rep = new Reporter(Boolean(opts.quiet));
      refuseOneSide(opts, 'validate', 'the generated trace');
      const asSource = profileAsSourceError(sourceFile, generatedFile);
      if (asSource) throw new UsageError(asSource);
      refuseClobber(
        [['the source', sourceFile], ['the generated trace', generatedFile], ['--baseline', opts.baseline], ['--thresholds', opts.thresholds], ['--source-map', opts.sourceMap], ['--generated-map', opts.generatedMap]],
        [['--json', opts.json], ['--report', opts.report], ['--source-rejects', opts.sourceRejects], ['--generated-rejects', opts.generatedRejects]],
      );
      const thresholds = loadThresholds(opts.thresholds);
      const arrivalSeconds = windowSeconds(opts.window, '--window');
      // AIPerf's records of a replay checked as a draw: allowances for chance that a replay
      // does not have, and its first request off the source's (see --replay).
      if (opts.sourcePreset === 'aiperf-records') rep.info(`note: --source-preset aiperf-records: to check that AIPerf delivered a trace, give the trace it replayed as the source and its records as the generated side, with --replay (servegen validate replay.jsonl profile_export.jsonl --source-preset mooncake --generated-preset aiperf-records --replay)`);
      else if (opts.generatedPreset === 'aiperf-records' && !opts.replay) rep.info(`note: --generated-preset aiperf-records without --replay: the records are judged as another draw of the source (with its sampling-noise allowances) and from their own first second; give --replay to check a replay of the source`);
      const sourceMapping = mappingFrom({ preset: opts.sourcePreset, map: opts.sourceMap }, 'servegen', 'source');
      const generatedMapping = mappingFrom({ preset: opts.generatedPreset, map: opts.generatedMap }, 'servegen', 'generated');
      // A profile as --baseline said `mapping names column "timestamp" not in any row` (found by
      // review): the baseline is read as our own trace, with no --preset to blame.
      const baselineHint = opts.baseline === undefined ? undefined : wrongKindHint(opts.baseline, 'trace');
      if (baselineHint) throw new UsageError(`--baseline ${baselineHint}`);
      if (chooseEngine([sourceFile, generatedFile], opts.engine, rep) === 'duckdb') {
        const sides: Record<string, RejectOptions> = {
          source: { rejects: opts.sourceRejects, maxRejectRatio: opts.sourceMaxRejectRatio, prefix: 'source' },
          generated: { rejects: opts.generatedRejects, maxRejectRatio: opts.generatedMaxRejectRatio, prefix: 'generated' },
          baseline: { maxRejectRatio: opts.generatedMaxRejectRatio, prefix: 'generated' },
        };
        for (const o of Object.values(sides)) parseRatio(o.maxRejectRatio ?? '0.01', o.prefix);
        const sideSources: Record<string, RejectSource> = {
          source: { mapping: sourceMapping, format: parseFormat(opts.sourceFormat, '--source-format') },
          generated: { mapping: generatedMapping, format: parseFormat(opts.generatedFormat, '--generated-format') },
          baseline: { mapping: loadPreset('servegen') },
        };
        await notOursWithoutMappingDuckdb([sourceFile], sourceMapping, parseFormat(opts.sourceFormat, '--source-format'));
        await notOursWithoutMappingDuckdb([generatedFile], generatedMapping, parseFormat(opts.generatedFormat, '--generated-format'));
        let result: Awaited<ReturnType<typeof validateWithDuckDB>> | undefined;
        const scanned = await duckdbUnlessUnreadable(opts.engine, rep, async () => {
          result = await validateWithDuckDB({ inputs: [sourceFile], mapping: sourceMapping, format: parseFormat(opts.sourceFormat, '--source-format') }, { inputs: [generatedFile], mapping: generatedMapping, format: parseFormat(opts.generatedFormat, '--generated-format') }, thresholds, {
            arrivalSeconds,
            replay: opts.replay,
            memoryLimit: opts.duckdbMemory,
            baseline: opts.baseline ? { inputs: [opts.baseline], mapping: loadPreset('servegen') } : undefined,
            onStage: (t) => rep.stage(t),
            onNote: (l) => rep.info(l),
            check: async (scan) => {
              await duckdbRejects(scan, sides[scan.label], rep, sideSources[scan.label]);
              if (scan.warning) rep.info(`warning: ${scan.label} ${scan.files.join(', ')}: ${scan.warning}`);
            },
          });
        }, (err) => {
          // The side the scan was of (not its files: a pattern's names are not the argument).
          const label = err.side ?? 'source';
          return { opts: sides[label], source: sideSources[label] };
        });
        if (scanned) {
          // The same swapped-arguments note as the TypeScript engine, from the files' headers.
          const genHeader = generatorHeader(await inputsMeta([generatedFile], generatedMapping, parseFormat(opts.generatedFormat, '--generated-format')));
          const srcHeader = generatorHeader(await inputsMeta([sourceFile], sourceMapping, parseFormat(opts.sourceFormat, '--source-format')));
          const swappedDuck = !opts.replay && srcHeader !== undefined && genHeader === undefined;
          const baseHeader = opts.baseline === undefined ? undefined : generatorHeader(await inputsMeta([opts.baseline], loadPreset('servegen'), undefined));
          finish(result!, swappedDuck, genHeader, baseHeader, srcHeader);
          return;
        }
      }
      const source = await runIngest([sourceFile], sourceMapping, parseFormat(opts.sourceFormat, '--source-format'), rep, { rejects: opts.sourceRejects, maxRejectRatio: opts.sourceMaxRejectRatio, prefix: 'source' });
      const generated = await runIngest([generatedFile], generatedMapping, parseFormat(opts.generatedFormat, '--generated-format'), rep, { rejects: opts.generatedRejects, maxRejectRatio: opts.generatedMaxRejectRatio, prefix: 'generated' });
      ingestWarnings(rep, source, `source ${sourceFile}`);
      ingestWarnings(rep, generated, `generated ${generatedFile}`);
      let baseline: IngestResult | undefined;
      // The baseline is another generated trace: held to the generated side's ratio.
      if (opts.baseline) baseline = await runIngest([opts.baseline], loadPreset('servegen'), undefined, rep, { maxRejectRatio: opts.generatedMaxRejectRatio, prefix: 'generated' });
      // The arguments given the other way round: the source written by `generate`, the
      // "generated" side not (found by review: it failed metrics with nothing to say why).
      // (Not of a replay: its records are the generated side, written by the load generator.)
      const swapped = !opts.replay && generatorHeader(source.meta) !== undefined && generatorHeader(generated.meta) === undefined;
      rep.stage(`validate: summarizing ${humanCount(source.trace.n + generated.trace.n + (baseline?.trace.n ?? 0))} rows (source, its halves, generated${baseline ? ', baseline' : ''})`);
      finish(await validateTracesParallel(source, generated, thresholds, { arrivalSeconds, baseline, replay: opts.replay }), swapped, generatorHeader(generated.meta), baseline && generatorHeader(baseline.meta), generatorHeader(source.meta));

      function finish(result: ReturnType<typeof validateTraces>, swapped = false, generator?: ReturnType<typeof generatorHeader>, baselineGenerator?: ReturnType<typeof generatorHeader>, sourceGenerator?: ReturnType<typeof generatorHeader>): void {
        // The verdict first: a reader of --json /dev/stdout that stops early (EPIPE) ends the
        // run with it, not with 0 (a failed validation exited 0; found by a batch-job audit).
        setExit(result.report.pass ? EXIT_OK : EXIT_CHECK_FAILED);
        writeReports(result, opts.json, opts.report);
        printVerdict(rep, result.report, { t: thresholds, file: opts.thresholds }, Boolean(opts.quiet));
        // A file against itself passed every metric without a word (found by a new user's walkthrough).
        if (sameInput(sourceFile, generatedFile)) rep.info(`note: the source and the generated trace are the same file (${generatedFile}): comparing it with itself tells nothing of a generated workload; give the trace generate wrote as the second argument`);
        for (const l of mismatchNotes(result.report, sourceFile, generatedFile, swapped, generator, Boolean(opts.replay), sourceGenerator)) rep.info(l);
        // A per-client trace as --baseline was reported as the "naive baseline" without a word (found by a new user's walkthrough).
        if (opts.baseline !== undefined && !baselineGenerator?.naive) rep.info(`note: --baseline ${opts.baseline} was not written by generate --naive, yet it is reported as the naive baseline`);
        // Found by review: --window 1e9 ran without a word, every client one window.
        const span = result.report.source.span_seconds;
        if (span > 0 && arrivalSeconds >= span) {
          rep.info(`note: --window ${opts.window} s is not shorter than the source's span (${span.toFixed(0)} s): each client has one arrival window, so rates and burstiness are compared over the whole span, not window by window`);
        }
      }
    });
}

/** Whether two paths name one regular file (also through a link); false when either cannot be read. */
function sameInput(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.isFile() && x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * Notes (stderr) when the two files do not look like a source and its regeneration, beside
 * the failed metrics that follow from it (found by review: a BurstGPT draw checked against the
 * Azure trace, or 600 s generated for a 1 h source, failed a dozen metrics with nothing to say
 * why). The report and the exit code are unchanged.
 */
export function mismatchNotes(report: FidelityReport, sourceFile: string, generatedFile: string, swapped = false, generator?: { rate?: string; naive?: boolean }, replay = false, sourceGenerator?: { rate?: string }): string[] {
  const notes: string[] = [];
  // A generated trace made for another purpose than reproducing the source (found by a new
  // user's walkthrough: scale:2 failed 8 metrics with no word of the rate; a naive baseline
  // given as the generated side was judged as ours).
  if (generator?.naive) notes.push(`note: ${generatedFile} is a naive baseline (generate --naive), not a per-client generation: give it as --baseline beside the trace generate wrote without --naive`);
  else if (sourceGenerator?.rate !== undefined && !swapped) {
    // The source is a draw of a profile too (README, Against a profile alone): the rate to
    // match is the source's, not scale:1 (found by a receiver's review, h-104: two draws at
    // constant:20 that failed were told "generate --rate scale:1 … reproduces the source's load").
    if (generator?.rate !== undefined && generator.rate !== sourceGenerator.rate && !report.pass) {
      notes.push(`note: ${generatedFile} was generated at --rate ${generator.rate} and the source ${sourceFile} at --rate ${sourceGenerator.rate}: draw both at one rate to compare them`);
    }
  } else if (generator?.rate !== undefined && generator.rate !== 'scale:1' && !report.pass) {
    notes.push(`note: ${generatedFile} was generated at --rate ${generator.rate}: its counts and rates are compared with the source's as they are (generate --rate scale:1, or servegen roundtrip, reproduces the source's load)`);
  }
  if (swapped) {
    notes.push(`note: the source ${sourceFile} was written by servegen generate and ${generatedFile} was not: are the arguments swapped? (servegen validate SOURCE GENERATED)`);
  }
  // Client shares that differ entirely: no client id in common. (Summed shares of several
  // clients come to 0.9999999999999999, which missed the note: an anonymized profile's draw
  // against its 4-client source, found by review.)
  const tv = report.metrics.client_share_tv?.value;
  // (A naive baseline has one client of its own: said above.)
  if (replay && tv !== undefined && tv !== null && tv >= 1 - 1e-9) {
    // AIPerf's records name no client: a multi-client servegen trace as the source failed every client metric.
    notes.push(`note: no client id in common between ${sourceFile} and the replay ${generatedFile}: a load generator's records are one client (aiperf-records: "default"); give the file it replayed (generate --format mooncake, read with --source-preset mooncake) as the source`);
  } else if (tv !== undefined && tv !== null && tv >= 1 - 1e-9 && !generator?.naive) {
    notes.push(`note: no client id in common between ${sourceFile} and ${generatedFile}: was it generated from a profile of another trace? (an --anonymize profile renames clients: c0001, …)`);
  }
  if (report.metrics.rate_mape?.note === DISJOINT_NOTE) notes.push(`note: rate_mape: ${DISJOINT_NOTE}`);
  const shareNote = report.metrics.client_share_tv?.note;
  if (shareNote) notes.push(`note: client_share_tv: ${shareNote}`);
  const ratio = report.generated.span_seconds / report.source.span_seconds;
  // Far apart, or more than 10 % apart beside a failed metric (found by review: the README's
  // own example, 3600 s generated for a source of 4885 s, failed requests_rel_err with no note).
  if (replay && Number.isFinite(ratio) && (ratio < 0.5 || ratio > 2 || (!report.pass && Math.abs(ratio - 1) > 0.1))) {
    // A replay spans what it was given unless it stopped early (found with AIPerf records cut
    // short: the note below told to generate the source's span).
    notes.push(`note: the replay ${generatedFile} spans ${report.generated.span_seconds.toFixed(0)} s with ${report.generated.requests} request${report.generated.requests === 1 ? '' : 's'}, the source ${report.source.span_seconds.toFixed(0)} s with ${report.source.requests}: did the load generator stop early (a duration or request-count limit) or lose records?`);
  } else if (Number.isFinite(ratio) && (ratio < 0.5 || ratio > 2 || (!report.pass && Math.abs(ratio - 1) > 0.1))) {
    notes.push(`note: ${generatedFile} spans ${report.generated.span_seconds.toFixed(0)} s, the source ${report.source.span_seconds.toFixed(0)} s: generate the source's span (--duration ${Math.ceil(report.source.span_seconds)}; servegen roundtrip does) to compare them window by window`);
  }
  return notes;
}
