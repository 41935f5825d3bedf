import { basename } from 'node:path';
import { traceLruHits } from '../validate/prefix.js';
import type { Trace } from '../ingest/trace.js';
import type { Command } from 'commander';
import { isStandardOutput, writeFileAtomic } from '../io/atomic.js';
import type { IngestResult } from '../ingest/ingest.js';
import { traceCapacity, type SlotModel, type TraceCapacity } from '../validate/provisioning.js';
import { flagNumber, refuseClobber, secondsHint, UsageError } from './errors.js';
import { addIngestOptions, addOneSideSpellings, ingestWarnings, refuseOneSide, mappingFrom, parseFormat, runIngest, type RejectOptions } from './ingest-options.js';
import { humanCount, markdownCell, Reporter } from './progress.js';

interface Opts {
  sourcePreset?: string;
  sourceMap?: string;
  sourceFormat?: string;
  sourceRejects?: string;
  sourceMaxRejectRatio?: string;
  generatedPreset?: string;
  generatedMap?: string;
  generatedFormat?: string;
  generatedRejects?: string;
  generatedMaxRejectRatio?: string;
  /** The one-side spellings, refused (refuseOneSide). */
  preset?: string;
  map?: string;
  format?: string;
  rejects?: string;
  maxRejectRatio?: string;
  slo: string;
  quantile: string;
  prefill: string;
  decode: string;
  prefixCache?: string;
  json?: string;
  maxShortfall?: string;
  quiet?: boolean;
}

/** A generated trace that needs more than `--max-shortfall` fewer slots than the source at one SLO. */
export interface Shortfall {
  file: string;
  slo: number;
  slots: number;
  sourceSlots: number;
  /** (source − generated) / source. */
  shortfall: number;
}

/** `--max-shortfall 0.1` or `10%`: a share in [0, 1). */
export function parseShare(text: string, flag: string): number {
  const pct = /^\s*([0-9.eE+-]+)\s*%\s*$/.exec(text);
  const v = pct ? flagNumber(pct[1]) / 100 : flagNumber(text.trim());
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || v >= 1) throw new UsageError(`${flag}: expected a share in [0, 1) (0.1) or a percentage (10%), got ${JSON.stringify(text)}`);
  return v;
}

/** The generated rows, per SLO, that need more than `max` fewer slots than the source (in row and SLO order). */
export function shortfalls(rows: readonly CapacityRow[], slos: readonly number[], max: number): Shortfall[] {
  const src = rows.find((r) => r.role === 'source');
  if (!src) return [];
  const out: Shortfall[] = [];
  for (const r of rows) {
    if (r.role !== 'generated') continue;
    r.slots.forEach((slots, k) => {
      const ref = src.slots[k];
      const shortfall = ref > 0 ? (ref - slots) / ref : 0;
      if (shortfall > max) out.push({ file: r.file, slo: slos[k], slots, sourceSlots: ref, shortfall });
    });
  }
  return out;
}

/** One row of the capacity table. */
export interface CapacityRow extends TraceCapacity {
  file: string;
  role: 'source' | 'generated';
  /** With a prefix cache (--prefix-cache): the share of the prompt tokens it held, which skip prefill. */
  cachedPromptShare?: number;
  /** With a prefix cache: the share of the requests with hash_ids whose every block it held (whole-prompt hits). */
  cachedWholeShare?: number;
  /** A generated trace that looks like no draw of the source: why (the stderr `warning:` says the same). */
  notADraw?: string;
}

/** The serving model `capacity` (and `roundtrip`) use unless told otherwise: per slot 5 000 prompt and 40 output tokens/s. */
export const DEFAULT_SLOT_MODEL: SlotModel = { prefillTokensPerSecond: 5000, decodeTokensPerSecond: 40 };
/** SLOs (s) on the p99 queueing delay by default. */
export const DEFAULT_SLOS: readonly number[] = [1, 5];

/** One line for stderr: each workload's slots per SLO, the others against the first. */
export function capacityLine(rows: readonly CapacityRow[], labels: readonly string[], slos: readonly number[]): string {
  const ref = rows[0];
  const slots = (r: CapacityRow) => `${r.slots.join(' / ')}${r === ref ? '' : ` (${r.slots.map((s, k) => against(s, ref.slots[k]).slice(2, -1) || '—').join(' / ')})`}`;
  return `capacity (slots for p99 queueing delay ≤ ${slos.join(' / ')} s; servegen capacity): ${rows.map((r, i) => `${labels[i]} ${slots(r)}`).join(', ')}`;
}

/**
 * Why a generated trace (one with our generator header) is no draw of a profile fitted from the
 * source, or undefined when nothing says so: its origin is another time than the source's (or the source has none), or
 * none of its clients is one of the source's (unless its ids are an anonymized profile's ranks,
 * c0001 … and tail, or it is a naive baseline, whose one client is "naive": neither names a client of the log). A trace generated from another log's
 * profile was compared slot for slot without a word (found by a new user's audit).
 */
export function foreignDraw(source: Trace, generated: Trace, meta: Record<string, unknown> | undefined): string | undefined {
  if (meta === undefined || meta.generator === null || typeof meta.generator !== 'object') return undefined;
  if (source.origin !== null && generated.origin !== null && Math.abs(Date.parse(source.origin) - Date.parse(generated.origin)) > 1000) return `its profile's times start at ${generated.origin}, the source's at ${source.origin}`;
  // (an anonymized profile's trace has no origin whatever its source's; a relative log's profile has none either)
  if (source.origin === null && generated.origin !== null) return `its profile's times start at ${generated.origin}, the source's times are relative`;
  const ids = new Set(source.clientIds);
  // (a naive baseline's one client is "naive")
  if ((meta.generator as { naive?: unknown }).naive === true) return undefined;
  const anonymized = generated.clientIds.every((c) => /^c\d{4,}$/.test(c) || c === 'tail');
  if (!anonymized && generated.clientIds.length > 0 && !generated.clientIds.some((c) => ids.has(c))) {
    const some = generated.clientIds.slice(0, 3).map((c) => JSON.stringify(c)).join(', ');
    return `none of its clients (${some}${generated.clientIds.length > 3 ? ', …' : ''}) is one of the source's`;
  }
  return undefined;
}

/** `--prefix-cache 16384`: a whole number of blocks ≥ 1. */
function wholeBlocks(text: string): number {
  const v = flagNumber(text.trim());
  if (!(v >= 1) || !Number.isSafeInteger(v)) throw new UsageError(`--prefix-cache: expected a whole number of blocks ≥ 1 (16384), got ${JSON.stringify(text)}`);
  return v;
}

/**
 * Each request's prompt tokens left to prefill with an LRU prefix cache of `blocks` blocks (its
 * leading cached blocks × the trace's block size, at most its input), and the share of all
 * prompt tokens the cache held. Without hash_ids, the inputs as they are.
 */
export function cachedPrompt(t: Trace, blocks: number): { prompt: Float64Array; share: number; wholeShare: number } {
  const input = t.ints.input_tokens;
  const prompt = new Float64Array(t.n);
  const hits = traceLruHits(t, blocks);
  const bt = t.hashIds?.blockTokens ?? 0;
  const offsets = t.hashIds?.offsets;
  let total = 0;
  let cached = 0;
  // Requests with ids, and those whose every block the cache held (nothing left to prefill from them).
  let withIds = 0;
  let whole = 0;
  for (let i = 0; i < t.n; i++) {
    const x = input && input[i] > 0 ? input[i] : 0;
    const c = Math.min(x, hits[i] * bt);
    prompt[i] = x - c;
    total += x;
    cached += c;
    const n = offsets ? offsets[i + 1] - offsets[i] : 0;
    if (n > 0) {
      withIds++;
      if (hits[i] === n) whole++;
    }
  }
  return { prompt, share: total > 0 ? cached / total : 0, wholeShare: withIds > 0 ? whole / withIds : 0 };
}

/** A positive number from a flag, or a usage error naming it. */
function positive(text: string, flag: string, what: string): number {
  const v = flagNumber(text.trim());
  if (!(v > 0) || !Number.isFinite(v)) throw new UsageError(`${flag}: expected ${what}, got ${JSON.stringify(text)}`);
  return v;
}

/** `--slo 1,5`: seconds, each ≥ 0, in the order given (duplicates dropped). */
export function parseSlos(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const slos = parts.map((s) => (s === '' ? NaN : flagNumber(s.replace(/s$/, ''))));
  const bad = parts.find((_, i) => !(slos[i] >= 0) || !Number.isFinite(slos[i]));
  if (bad !== undefined) throw new UsageError(`--slo: expected seconds ≥ 0, comma-separated (1,5), got ${JSON.stringify(bad)} in ${JSON.stringify(text)}${secondsHint(bad)}`);
  return [...new Set(slos)];
}

/** "+4 %" / "−37 %" against the source; "" for the source itself or when it needs 0. */
function against(x: number, ref: number): string {
  if (!(ref > 0)) return '';
  const p = Math.round((100 * (x - ref)) / ref);
  return ` (${p >= 0 ? '+' : '−'}${Math.abs(p)} %)`;
}

/** The markdown table `capacity` prints. */
export function capacityTable(rows: readonly CapacityRow[], slos: readonly number[], q: number): string {
  const quantile = `p${+(100 * q).toFixed(4)}`;
  const cell = markdownCell;
  const ref = rows.find((r) => r.role === 'source');
  return [
    `| trace | requests | span (s) | ${slos.map((s) => `slots, ${quantile} delay ≤ ${s} s`).join(' | ')} |`,
    `|---|---|---|${slos.map(() => '---|').join('')}`,
    ...rows.map((r) => `| ${cell(r.role === 'source' ? `${basename(r.file)} (source)` : basename(r.file))} | ${r.requests} | ${r.spanSeconds.toFixed(0)} | ${r.slots.map((s, k) => `${s}${r === ref || !ref ? '' : against(s, ref.slots[k])}`).join(' | ')} |`),
  ].join('\n');
}

/** The JSON `capacity --json` writes (and `roundtrip`, as capacity.json). */
export function writeCapacityJson(path: string, rows: readonly CapacityRow[], model: SlotModel, slos: readonly number[], q: number, check?: { max: number; failed: readonly Shortfall[] }, prefixCacheBlocks?: number): void {
  const json = {
    format: 'servegen-capacity',
    version: 1,
    model: { prefill_tokens_per_second: model.prefillTokensPerSecond, decode_tokens_per_second: model.decodeTokensPerSecond, quantile: q, slo_seconds: slos, ...(prefixCacheBlocks !== undefined ? { prefix_cache_blocks: prefixCacheBlocks } : {}) },
    traces: rows.map((r) => ({ file: r.file, role: r.role, requests: r.requests, span_seconds: r.spanSeconds, slots: r.slots, ...(r.cachedPromptShare !== undefined ? { cached_prompt_share: r.cachedPromptShare } : {}), ...(r.cachedWholeShare !== undefined ? { cached_whole_share: r.cachedWholeShare } : {}), ...(r.notADraw !== undefined ? { not_a_draw: r.notADraw } : {}) })),
    // With --max-shortfall only (the check a batch job exits on).
    ...(check ? { check: { max_shortfall: check.max, pass: check.failed.length === 0, failed: check.failed.map((f) => ({ file: f.file, slo_seconds: f.slo, slots: f.slots, source_slots: f.sourceSlots, shortfall: f.shortfall })) } } : {}),
  };
  writeFileAtomic(path, JSON.stringify(json, null, 2) + '\n');
}

/** Serving capacity of a source and its generated workloads: the paper's provisioning question. */
export function registerCapacity(program: Command, setExit: (code: number) => void = () => {}): void {
  const cmd = program
    .command('capacity')
    .description('Serving slots a source and its generated workloads need for a queueing-delay SLO (does the generated workload provision like the source?)')
    .argument('<source>', 'source trace (normalized, or raw logs with --source-preset/--source-map)')
    .argument('[generated...]', 'generated traces (servegen generate, with or without --naive), each on its own');
  addIngestOptions(cmd, 'source');
  addOneSideSpellings(cmd);
  addIngestOptions(cmd, 'generated')
    .option('--slo <seconds>', 'queueing-delay SLOs, comma-separated', DEFAULT_SLOS.join(','))
    .option('--quantile <q>', 'delay quantile the SLO holds for', '0.99')
    .option('--prefill <tokens/s>', 'prompt tokens a slot processes per second', String(DEFAULT_SLOT_MODEL.prefillTokensPerSecond))
    .option('--decode <tokens/s>', 'output tokens a slot produces per second', String(DEFAULT_SLOT_MODEL.decodeTokensPerSecond))
    .option('--prefix-cache <blocks>', "an LRU prefix cache of this many blocks shared by the slots: a request's leading blocks found in it (its hash_ids) skip prefill; requests without hash_ids prefill their whole prompt")
    .option('--json <out.json>', 'write the table as JSON')
    .option('--max-shortfall <share>', 'exit 1 when a generated trace needs more than this share fewer slots than the source at some SLO (0.1 or 10%): an under-provisioning check for batch jobs')
    .option('--quiet', 'no progress or summary on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ servegen capacity AzureLLMInferenceTrace_code.csv --source-preset azure-llm-2023 ours.jsonl naive.jsonl
  $ servegen capacity trace.parquet generated.jsonl --slo 0.5,2 --prefill 8000 --decode 60 --json capacity.json
  $ servegen capacity trace.parquet generated.jsonl --max-shortfall 10%   # exit 1 if it under-provisions by > 10 %
  $ servegen capacity mooncake.jsonl --source-preset mooncake generated.jsonl --prefix-cache 16384   # cached prefixes skip prefill

The model (src/validate/provisioning.ts): a deployment is a number of identical slots (the
sequences it runs at once); a request holds one for input/prefill + output/decode seconds
(a missing length counts as 0 tokens) and starts on the first slot free, in arrival order.
Each trace needs the fewest slots whose delays meet the SLO at the quantile. The model is
deliberately simple: read the generated traces' slots against the source's, not as a fleet
size. Fewer slots than the source means the generated workload under-provisions.
`,
    )
    .action(async (sourceFile: string, generated: string[], opts: Opts) => {
      refuseOneSide(opts, 'capacity', 'the generated traces');
      const rep = new Reporter(Boolean(opts.quiet));
      refuseClobber(
        [['the source', sourceFile], ...generated.map((g) => ['a generated trace', g] as const), ['--source-map', opts.sourceMap], ['--generated-map', opts.generatedMap]],
        [['--json', opts.json], ['--source-rejects', opts.sourceRejects], ['--generated-rejects', opts.generatedRejects]],
      );
      const slos = parseSlos(opts.slo);
      const maxShortfall = opts.maxShortfall === undefined ? undefined : parseShare(opts.maxShortfall, '--max-shortfall');
      if (maxShortfall !== undefined && generated.length === 0) throw new UsageError('--max-shortfall: give at least one generated trace to check against the source');
      const q = flagNumber(opts.quantile.trim());
      if (!(q > 0 && q <= 1)) throw new UsageError(`--quantile: expected a number in (0, 1], got ${JSON.stringify(opts.quantile)}`);
      const cacheBlocks = opts.prefixCache === undefined ? undefined : wholeBlocks(opts.prefixCache);
      const model: SlotModel = { prefillTokensPerSecond: positive(opts.prefill, '--prefill', 'prompt tokens per second > 0'), decodeTokensPerSecond: positive(opts.decode, '--decode', 'output tokens per second > 0') };
      const sides: { file: string; role: CapacityRow['role']; prefix: 'source' | 'generated' }[] = [{ file: sourceFile, role: 'source', prefix: 'source' }, ...generated.map((file) => ({ file, role: 'generated' as const, prefix: 'generated' as const }))];
      const rows: CapacityRow[] = [];
      let sourceTrace: Trace | undefined;
      for (const side of sides) {
        const p = side.prefix === 'source' ? { preset: opts.sourcePreset, map: opts.sourceMap, format: opts.sourceFormat, rejects: opts.sourceRejects, ratio: opts.sourceMaxRejectRatio } : { preset: opts.generatedPreset, map: opts.generatedMap, format: opts.generatedFormat, rejects: opts.generatedRejects, ratio: opts.generatedMaxRejectRatio };
        const rejects: RejectOptions = { rejects: p.rejects, maxRejectRatio: p.ratio, prefix: side.prefix };
        const result: IngestResult = await runIngest([side.file], mappingFrom({ preset: p.preset, map: p.map }, 'servegen', side.prefix), parseFormat(p.format, `--${side.prefix}-format`), rep, rejects);
        rep.done();
        ingestWarnings(rep, result, side.file);
        const t = result.trace;
        if (side.role === 'source') sourceTrace = t;
        const foreign = sourceTrace && side.role === 'generated' ? foreignDraw(sourceTrace, t, result.meta) : undefined;
        if (foreign) rep.info(`warning: ${side.file}: ${foreign}: it is likely not generated from a profile of ${sourceFile}, so its slots are not the source's to compare`);
        const input = t.ints.input_tokens;
        const output = t.ints.output_tokens;
        // Without lengths every request holds its slot 0 s and one slot meets any SLO.
        if (!input && !output) throw new UsageError(`${side.file}: no input_tokens or output_tokens: the capacity model needs request lengths (map them with --${side.prefix}-preset or --${side.prefix}-map)`);
        rep.stage(`capacity: ${side.file}: ${humanCount(t.n)} requests, finding the slots for ${slos.length} SLO(s)`);
        let prompt: ArrayLike<number> | undefined = input;
        let cachedPromptShare: number | undefined;
        let cachedWholeShare: number | undefined;
        if (cacheBlocks !== undefined) {
          const c = cachedPrompt(t, cacheBlocks);
          prompt = c.prompt;
          cachedPromptShare = c.share;
          if (t.hashIds) cachedWholeShare = c.wholeShare;
          rep.info(t.hashIds ? `capacity: ${side.file}: ${(100 * c.share).toFixed(1)} % of prompt tokens found in the prefix cache, and every block of ${(100 * c.wholeShare).toFixed(1)} % of the requests with hash_ids (whole-prompt hits)` : `note: ${side.file}: no hash_ids: every prompt is prefilled whole (--prefix-cache)`);
        }
        rows.push({ file: side.file, role: side.role, ...traceCapacity(t.timestamp, prompt, output, model, slos, q), ...(cachedPromptShare !== undefined ? { cachedPromptShare } : {}), ...(cachedWholeShare !== undefined ? { cachedWholeShare } : {}), ...(foreign ? { notADraw: foreign } : {}) });
        rep.done();
      }
      const table = capacityTable(rows, slos, q);
      const failed = maxShortfall === undefined ? [] : shortfalls(rows, slos, maxShortfall);
      // The verdict before the outputs, as validate's (a reader of /dev/stdout that stops early ends the run with it).
      if (failed.length > 0) setExit(1);
      if (opts.json) writeCapacityJson(opts.json, rows, model, slos, q, maxShortfall === undefined ? undefined : { max: maxShortfall, failed }, cacheBlocks);
      // The table is the result (stdout, as inspect's): --quiet hides it only when --json has it
      // (`capacity t.jsonl --quiet` printed and wrote nothing; found by review).
      // With --json /dev/stdout the JSON is the output there: the table after it broke `| jq`
      // ("parse error"; found by a batch-job audit).
      if ((!opts.quiet || !opts.json) && !(opts.json && isStandardOutput(opts.json))) process.stdout.write(table + '\n');
      if (maxShortfall !== undefined) {
        const pct = (x: number) => `${+(100 * x).toFixed(1)} %`;
        for (const f of failed) rep.info(`  FAIL ${f.file}: ${f.slots} slots for p${+(100 * q).toFixed(4)} delay ≤ ${f.slo} s, ${pct(f.shortfall)} fewer than the source's ${f.sourceSlots} (> --max-shortfall ${pct(maxShortfall)})`);
        rep.info(failed.length === 0 ? `PASS: every generated trace needs at most ${pct(maxShortfall)} fewer slots than the source at every SLO` : `FAIL: ${failed.length} (trace, SLO) pair(s) under-provision by more than ${pct(maxShortfall)}`);
      }
      rep.info(`capacity: a slot processes ${model.prefillTokensPerSecond} prompt tokens/s and ${model.decodeTokensPerSecond} output tokens/s${cacheBlocks !== undefined ? `, less the prompt blocks an LRU prefix cache of ${cacheBlocks} blocks holds` : ''}; requests start in arrival order on the first free slot${opts.json ? `; table → ${opts.json}` : ''}`);
    });
}
